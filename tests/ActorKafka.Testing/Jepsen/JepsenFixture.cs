using System.Diagnostics;
using Akka.Actor;

namespace ActorKafka.Testing.Jepsen;

/// <summary>
/// One cluster per mode, shared by the tests of a class (every schedule heals it before the
/// next) and started by the first that runs, plus the clients' ActorSystem. Also starts the
/// mode's cluster with other settings, for the unclean-election run.
/// </summary>
public abstract class JepsenFixture : IAsyncLifetime
{
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
        var cluster = await StartClusterAsync(TestReplication.Safe);
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
