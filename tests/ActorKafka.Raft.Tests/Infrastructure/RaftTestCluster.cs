using ActorKafka.Coordination.Tests.Infrastructure;
using ActorKafka.Coordination;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Raft.Tests.Infrastructure;

/// <summary>
/// Voters (and observers) each in its own ActorSystem on 127.0.0.1 with its own SQLite file: the
/// systems start first on free ports, then every voter learns the others' addresses. A node
/// restart terminates its system and starts a new one on the same port and data directory.
/// </summary>
public sealed class RaftTestCluster : IAsyncDisposable
{
    public const string FastTimings = """
        actorkafka.raft {
          election-timeout = 500ms
          fetch-timeout = 1s
          fetch-max-wait = 200ms
          request-timeout = 300ms
          retry-backoff = 20ms
          tick-interval = 10ms
        }
        """;

    private readonly string _extra;
    private readonly Dictionary<int, TempDataDir> _dirs = new();
    private readonly Dictionary<int, int> _ports = new();
    private string _votersHocon = "";

    private RaftTestCluster(string extra) => _extra = extra;

    public Dictionary<int, ActorSystem> Systems { get; } = new();
    public Dictionary<int, IActorRef> Voters { get; } = new();
    public int VoterCount { get; private set; }

    public static RaftTestCluster Start(int voters, int observers = 0, string extra = "")
    {
        var cluster = new RaftTestCluster(extra) { VoterCount = voters };
        for (var id = 1; id <= voters + observers; id++)
        {
            cluster._dirs[id] = new TempDataDir();
            cluster.Systems[id] = cluster.NewSystem(id, port: 0);
            cluster._ports[id] = ((ExtendedActorSystem)cluster.Systems[id]).Provider.DefaultAddress.Port!.Value;
        }
        var entries = Enumerable.Range(1, voters)
            .Select(id => $"{{ id = {id}, address = \"{((ExtendedActorSystem)cluster.Systems[id]).Provider.DefaultAddress}\" }}");
        cluster._votersHocon = $"actorkafka.raft.voters = [ {string.Join(", ", entries)} ]";
        foreach (var id in cluster.Systems.Keys) cluster.StartVoter(id);
        return cluster;
    }

    private ActorSystem NewSystem(int id, int port)
    {
        var config = ConfigurationFactory.ParseString($$"""
                akka.loglevel = WARNING
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
                actorkafka.raft.node-id = {{id}}
                {{_extra}}
                """)
            .WithFallback(ConfigurationFactory.ParseString(FastTimings))
            .WithFallback(StorePersistence.Sqlite(_dirs[id].Path))
            .WithFallback(RaftSettings.Defaults);
        return ActorSystem.Create("raft", config);
    }

    private void StartVoter(int id)
    {
        // Systems are created before the addresses are known, so the voter list is layered on here.
        var settings = RaftSettings.From(ConfigurationFactory.ParseString(_votersHocon).WithFallback(Systems[id].Settings.Config));
        Voters[id] = Systems[id].StartRaftVoter(settings);
    }

    /// <summary>Terminates the node's ActorSystem: its connections drop as if the process died.</summary>
    public async Task KillAsync(int id)
    {
        if (!Systems.Remove(id, out var system)) return;
        Voters.Remove(id);
        await system.Terminate();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>Kills the node and replaces its data directory by an empty one: it restarts knowing nothing.</summary>
    public async Task WipeAsync(int id)
    {
        await KillAsync(id);
        _dirs[id].Dispose();
        _dirs[id] = new TempDataDir();
    }

    public void Restart(int id)
    {
        if (Systems.ContainsKey(id)) throw new InvalidOperationException($"node {id} is running");
        Systems[id] = NewSystem(id, _ports[id]);
        StartVoter(id);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in Systems.Keys.ToList()) await KillAsync(id);
        foreach (var dir in _dirs.Values) dir.Dispose();
    }
}
