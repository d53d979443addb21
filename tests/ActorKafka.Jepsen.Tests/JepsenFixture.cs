using System.Diagnostics;
using Akka.Actor;

namespace ActorKafka.Jepsen.Tests;

/// <summary>
/// One cluster per mode, shared by the tests of a class (every schedule heals it before the
/// next) and started by the first that runs, plus the clients' ActorSystem. Also starts the
/// mode's cluster with other settings, for the unclean-election run.
/// </summary>
public abstract class JepsenFixture : IAsyncLifetime
{
    /// <summary>min.insync.replicas 2 with acks=all, clean elections only; followers out of touch leave the ISR after 2 s; fetch retries are quick.</summary>
    public const string SafeReplication = """
        actorkafka.broker.replication.min-insync-replicas = 2
        actorkafka.broker.replication.replica-lag-time-max = 2s
        actorkafka.broker.replication.replica-fetch-backoff = 200ms
        actorkafka.broker.replication.replica-fetch-response-timeout = 3s
        actorkafka.controller.unclean-leader-election-enable = false
        """;

    /// <summary>The 2013 trade-off: a lone leader acknowledges acks=all writes, and a stale replica may be elected.</summary>
    public const string UncleanReplication = """
        actorkafka.broker.replication.min-insync-replicas = 1
        actorkafka.broker.replication.replica-lag-time-max = 2s
        actorkafka.broker.replication.replica-fetch-backoff = 200ms
        actorkafka.broker.replication.replica-fetch-response-timeout = 3s
        actorkafka.controller.unclean-leader-election-enable = true
        """;

    private readonly object _gate = new();
    private Task<IJepsenCluster>? _cluster;
    private ActorSystem? _client;

    /// <summary>The shared cluster, started by the first test that asks (skipped tests start nothing).</summary>
    public Task<IJepsenCluster> ClusterAsync()
    {
        lock (_gate) return _cluster ??= StartSharedAsync();
    }

    /// <summary>The clients' ActorSystem, started with the shared cluster.</summary>
    public ActorSystem Client
    {
        get
        {
            lock (_gate) return _client ??= JepsenWorkload.ClientSystem();
        }
    }

    public TimeSpan StartTime { get; private set; }

    public abstract string Mode { get; }

    /// <summary>Starts a cluster of this fixture's mode with <paramref name="replication"/> (one-machine timings come with fast failure detection).</summary>
    public Task<IJepsenCluster> StartClusterAsync(string replication) => StartAsync(replication);

    protected abstract Task<IJepsenCluster> StartAsync(string hocon);

    private async Task<IJepsenCluster> StartSharedAsync()
    {
        var clock = Stopwatch.StartNew();
        var cluster = await StartClusterAsync(SafeReplication);
        StartTime = clock.Elapsed;
        return cluster;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Task<IJepsenCluster>? cluster;
        ActorSystem? client;
        lock (_gate)
        {
            cluster = _cluster;
            client = _client;
        }
        if (cluster is { IsCompletedSuccessfully: true }) await cluster.Result.DisposeAsync();
        if (client is not null) await client.Terminate();
    }
}

public sealed class ZkJepsenFixture : JepsenFixture
{
    public override string Mode => "zk";

    protected override async Task<IJepsenCluster> StartAsync(string hocon) => await ZkJepsenCluster.StartAsync(hocon);
}

public sealed class KraftJepsenFixture : JepsenFixture
{
    public override string Mode => "kraft";

    protected override async Task<IJepsenCluster> StartAsync(string hocon) => await KraftJepsenCluster.StartAsync(hocon);
}
