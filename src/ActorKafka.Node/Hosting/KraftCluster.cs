using ActorKafka.Controller.Kraft;
using ActorKafka.Coordination;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// A KRaft-mode cluster in this process: controller nodes (Raft voters) and broker nodes (Raft
/// observers), each its own ActorSystem on 127.0.0.1 with its own SQLite file, joined in one Akka
/// cluster. Systems start first on free ports so that every node can be told the voters'
/// addresses; a killed node restarts on the same port and data directory, as a process would.
/// Used by the demo, the benchmarks and the cluster tests.
/// </summary>
public sealed class KraftCluster : IAsyncDisposable
{
    public const int FirstControllerId = 3000;

    private readonly string _dataDir;
    private readonly string _hocon;
    private readonly bool _fast;
    private readonly string _logLevel;
    private readonly Dictionary<int, int> _ports = new();
    private readonly Dictionary<int, KraftNode> _nodes = new();
    private readonly List<int> _controllerIds = new();
    private string _votersHocon = "";

    private KraftCluster(string dataDir, string hocon, bool fast, string logLevel)
    {
        _dataDir = dataDir;
        _hocon = hocon;
        _fast = fast;
        _logLevel = logLevel;
    }

    public IReadOnlyList<int> ControllerIds => _controllerIds;

    public IReadOnlyDictionary<int, KraftNode> Nodes
    {
        get { lock (_nodes) return new Dictionary<int, KraftNode>(_nodes); }
    }

    public IEnumerable<KraftNode> Controllers => Nodes.Values.Where(n => n.IsController).OrderBy(n => n.NodeId);

    public IEnumerable<KraftNode> Brokers => Nodes.Values.Where(n => !n.IsController).OrderBy(n => n.NodeId);

    public KraftNode this[int nodeId] => Nodes[nodeId];

    /// <summary>The voters as actorkafka.raft.voters HOCON, for tools that join from outside.</summary>
    public string VotersHocon => _votersHocon;

    /// <summary>
    /// Starts <paramref name="controllers"/> controller nodes (ids from <see cref="FirstControllerId"/>)
    /// and a broker node per id in <paramref name="brokerIds"/>. <paramref name="beforeRoles"/> runs on
    /// each system before its roles start, so observers see every event.
    /// </summary>
    public static async Task<KraftCluster> StartAsync(string dataDir, int controllers, IEnumerable<int> brokerIds, string? hocon = null,
        bool fastFailureDetection = true, string logLevel = "WARNING", Action<int, ActorSystem>? beforeRoles = null)
    {
        var cluster = new KraftCluster(dataDir, hocon ?? "", fastFailureDetection, logLevel);
        try
        {
            var systems = new Dictionary<int, ActorSystem>();
            for (var i = 0; i < controllers; i++)
            {
                var id = FirstControllerId + i;
                cluster._controllerIds.Add(id);
                systems[id] = cluster.NewSystem(id, port: 0);
                cluster._ports[id] = Cluster.Get(systems[id]).SelfAddress.Port!.Value;
            }
            var voters = cluster._controllerIds.Select(id => $"{{ id = {id}, address = \"{Cluster.Get(systems[id]).SelfAddress}\" }}");
            cluster._votersHocon = $"actorkafka.raft.voters = [ {string.Join(", ", voters)} ]";
            await Task.WhenAll(systems.Select(kv => cluster.JoinAsync(kv.Value, first: kv.Key == FirstControllerId))).ConfigureAwait(false);
            foreach (var (id, system) in systems) cluster.StartRoles(id, system, beforeRoles);
            foreach (var brokerId in brokerIds) await cluster.StartBrokerAsync(brokerId, beforeRoles).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a broker node (a new one, or one that was killed, on its old port and data).</summary>
    public async Task<KraftNode> StartBrokerAsync(int brokerId, Action<int, ActorSystem>? beforeRoles = null)
    {
        var system = NewSystem(brokerId, _ports.GetValueOrDefault(brokerId));
        _ports[brokerId] = Cluster.Get(system).SelfAddress.Port!.Value;
        await JoinAsync(system, first: false).ConfigureAwait(false);
        return StartRoles(brokerId, system, beforeRoles);
    }

    /// <summary>
    /// Starts a second process claiming an id that another broker node holds: its own port and data
    /// directory, so both run side by side (the duplicate-registration scenario). Not tracked as a node.
    /// </summary>
    public async Task<KraftNode> StartImpostorAsync(int brokerId, Action<int, ActorSystem>? beforeRoles = null)
    {
        var system = NewSystem(brokerId, port: 0, dataDir: Path.Combine(_dataDir, $"impostor-{brokerId}-{Guid.NewGuid():N}"));
        await JoinAsync(system, first: false).ConfigureAwait(false);
        beforeRoles?.Invoke(brokerId, system);
        return KraftNode.Start(system, Raft.RaftSettings.From(ConfigurationFactory.ParseString(_votersHocon).WithFallback(system.Settings.Config)));
    }

    /// <summary>Restarts a killed controller node on its port and data directory.</summary>
    public async Task<KraftNode> RestartControllerAsync(int nodeId, Action<int, ActorSystem>? beforeRoles = null)
    {
        if (!_controllerIds.Contains(nodeId)) throw new ArgumentException($"{nodeId} is not a controller of this cluster", nameof(nodeId));
        var system = NewSystem(nodeId, _ports[nodeId]);
        await JoinAsync(system, first: false).ConfigureAwait(false);
        return StartRoles(nodeId, system, beforeRoles);
    }

    /// <summary>Terminates the node's ActorSystem: its connections drop as if the process died.</summary>
    public async Task KillAsync(int nodeId)
    {
        KraftNode? node;
        lock (_nodes)
        {
            if (!_nodes.Remove(nodeId, out node)) return;
        }
        await node.System.Terminate().ConfigureAwait(false);
    }

    /// <summary>
    /// The active controller with the highest epoch (a paused former one may still believe it is
    /// active in an older epoch), or null when no controller is active right now.
    /// </summary>
    public async Task<QuorumControllerStatus?> ActiveControllerAsync(TimeSpan timeout)
    {
        var statuses = await Task.WhenAll(Controllers.Select(async node =>
        {
            try
            {
                return await node.Controller!.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, timeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null;
            }
        })).ConfigureAwait(false);
        return statuses.Where(s => s is { Active: true }).MaxBy(s => s!.ActiveEpoch);
    }

    public string DataDirOf(int nodeId) => Path.Combine(_dataDir, $"node-{nodeId}");

    private KraftNode StartRoles(int nodeId, ActorSystem system, Action<int, ActorSystem>? beforeRoles)
    {
        beforeRoles?.Invoke(nodeId, system);
        var raft = Raft.RaftSettings.From(ConfigurationFactory.ParseString(_votersHocon).WithFallback(system.Settings.Config));
        var node = KraftNode.Start(system, raft);
        lock (_nodes) _nodes[nodeId] = node;
        return node;
    }

    private ActorSystem NewSystem(int nodeId, int port, string? dataDir = null)
    {
        var isController = _controllerIds.Contains(nodeId);
        var hocon = $"""
            {_hocon}
            actorkafka.raft.node-id = {nodeId}
            actorkafka.broker.broker-id = {nodeId}
            actorkafka.node.node-id = {nodeId}
            {_votersHocon}
            """;
        var options = new NodeOptions(dataDir ?? DataDirOf(nodeId), new[] { isController ? NodeRoles.Controller : NodeRoles.Broker }, Array.Empty<string>(),
            Port: port, FastFailureDetection: _fast, LogLevel: _logLevel, ExtraHocon: hocon);
        var config = NodeConfig.Build(options).WithFallback(StorePersistence.Sqlite(options.DataDir));
        return ActorSystem.Create("actorkafka", config);
    }

    private Task JoinAsync(ActorSystem system, bool first)
    {
        var cluster = Cluster.Get(system);
        // Any live controller can admit a node; the first one starts the cluster.
        var seeds = first
            ? new List<Address> { cluster.SelfAddress }
            : _controllerIds.Where(id => _ports.ContainsKey(id)).Select(id => new Address("akka.tcp", "actorkafka", "127.0.0.1", _ports[id]))
                .Where(a => a != cluster.SelfAddress).ToList();
        return ClusterJoin.JoinAsync(cluster, () => cluster.JoinSeedNodes(seeds), EmbeddedCluster.JoinTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values) await node.System.Terminate().ConfigureAwait(false);
        lock (_nodes) _nodes.Clear();
        SqliteConnection.ClearAllPools();
    }
}
