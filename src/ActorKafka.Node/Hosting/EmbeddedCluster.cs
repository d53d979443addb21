using ActorKafka.Coordination;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// Several nodes of one Akka cluster in this process, each its own ActorSystem on 127.0.0.1
/// with a free port: the store node first (it seeds the cluster), then members joining it.
/// Used by the demo, the shell's --data-dir mode, the benchmarks and the tests.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly List<ActorSystem> _members = new();
    private int _memberCount;
    private readonly bool _fastFailureDetection;
    private readonly string _logLevel;

    private EmbeddedCluster(ActorSystem storeSystem, IActorRef store, string dataDir, bool fast, string logLevel)
    {
        StoreSystem = storeSystem;
        Store = store;
        DataDir = dataDir;
        _fastFailureDetection = fast;
        _logLevel = logLevel;
    }

    public ActorSystem StoreSystem { get; private set; }
    public IActorRef Store { get; private set; }
    public string DataDir { get; }
    public Address StoreAddress => Cluster.Get(StoreSystem).SelfAddress;
    public IReadOnlyList<ActorSystem> Members
    {
        get { lock (_members) return _members.ToArray(); }
    }

    /// <summary>How long a new node may take to become Up in the cluster.</summary>
    public static TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Client settings that reach this cluster's store from any of its members.</summary>
    public ClientSettings ClientSettings(TimeSpan? sessionTimeout = null)
    {
        var settings = Coordination.ClientSettings.From(StoreSystem.Settings.Config) with { StoreAddress = StoreAddress.ToString() };
        return sessionTimeout is null ? settings : settings with { SessionTimeout = sessionTimeout.Value };
    }

    public static async Task<EmbeddedCluster> StartAsync(string dataDir, bool fastFailureDetection = true,
        string logLevel = "WARNING", string? storeHocon = null)
    {
        var (system, store) = await StartStoreNodeAsync(dataDir, fastFailureDetection, logLevel, storeHocon, null).ConfigureAwait(false);
        return new EmbeddedCluster(system, store, dataDir, fastFailureDetection, logLevel);
    }

    private static async Task<(ActorSystem, IActorRef)> StartStoreNodeAsync(string dataDir, bool fast, string logLevel, string? hocon, int? port)
    {
        var options = new NodeOptions(dataDir, new[] { NodeRoles.Store }, Array.Empty<string>(), Port: port ?? 0,
            FastFailureDetection: fast, LogLevel: logLevel, ExtraHocon: hocon);
        var system = ActorSystem.Create("actorkafka", NodeConfig.Build(options));
        var cluster = Cluster.Get(system);
        await JoinAsync(cluster, cluster.SelfAddress).ConfigureAwait(false);
        var store = system.StartCoordinationStore();
        return (system, store);
    }

    /// <summary>
    /// Starts one more node (its own ActorSystem) and joins it to the cluster. A node given a
    /// <paramref name="dataDirName"/> finds its earlier incarnation's data there (a restart);
    /// <paramref name="port"/> 0 takes a free one; <paramref name="persistence"/> gives it its own
    /// SQLite file there (a Raft replica's log).
    /// </summary>
    public async Task<ActorSystem> StartMemberAsync(string role = NodeRoles.Broker, string? hocon = null, string? dataDirName = null, int port = 0,
        bool persistence = false)
    {
        var name = dataDirName ?? $"member-{Interlocked.Increment(ref _memberCount)}";
        var options = new NodeOptions(Path.Combine(DataDir, name), new[] { role }, Array.Empty<string>(), Port: port,
            FastFailureDetection: _fastFailureDetection, LogLevel: _logLevel, ExtraHocon: hocon);
        var config = NodeConfig.Build(options);
        if (persistence) config = config.WithFallback(StorePersistence.Sqlite(options.DataDir));
        var system = ActorSystem.Create("actorkafka", config);
        await JoinAsync(Cluster.Get(system), StoreAddress).ConfigureAwait(false);
        lock (_members) _members.Add(system);
        return system;
    }

    private static Task JoinAsync(Cluster cluster, Address seed) => ClusterJoin.JoinAsync(cluster, () => cluster.Join(seed), JoinTimeout);

    public async Task StopMemberAsync(ActorSystem member)
    {
        lock (_members) _members.Remove(member);
        await member.Terminate().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members) await member.Terminate().ConfigureAwait(false);
        lock (_members) _members.Clear();
        await StoreSystem.Terminate().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
    }
}
