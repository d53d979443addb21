using ActorKafka.Coordination;
using ActorKafka.Raft;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// A cluster in this process on its way from zk mode to KRaft (KIP-866): the store node, broker
/// nodes that run in zk mode (with or without migration) or in KRaft mode, and KRaft controller
/// nodes in migration mode (Raft voters with a quorum controller and a migration driver that
/// reach the store). Every node is its own ActorSystem in one Akka cluster. A broker keeps its data
/// directory (its partition logs) and its port across restarts in either mode, as a rolled process would.
/// Used by the migration demo and the cluster tests.
/// </summary>
public sealed class MigrationCluster : IAsyncDisposable
{
    public const int FirstControllerId = KraftCluster.FirstControllerId;

    private readonly string _hocon;
    private readonly Action<int, ActorSystem>? _beforeRoles;
    private readonly Dictionary<int, ZkNode> _zkBrokers = new();
    private readonly Dictionary<int, KraftNode> _kraftNodes = new();
    private readonly Dictionary<int, int> _controllerPorts = new();
    private readonly Dictionary<int, int> _brokerPorts = new();
    private string _votersHocon = "";

    private MigrationCluster(EmbeddedCluster store, string hocon, Action<int, ActorSystem>? beforeRoles)
    {
        Store = store;
        _hocon = hocon;
        _beforeRoles = beforeRoles;
    }

    /// <summary>The store node (it seeds the Akka cluster) and the members' joins.</summary>
    public EmbeddedCluster Store { get; }

    public IReadOnlyList<int> ControllerIds => _controllerPorts.Keys.Order().ToArray();

    /// <summary>The voters as actorkafka.raft.voters HOCON (empty before the controllers start).</summary>
    public string VotersHocon => _votersHocon;

    public IReadOnlyDictionary<int, ZkNode> ZkBrokers
    {
        get { lock (_zkBrokers) return new Dictionary<int, ZkNode>(_zkBrokers); }
    }

    public IReadOnlyDictionary<int, KraftNode> KraftNodes
    {
        get { lock (_kraftNodes) return new Dictionary<int, KraftNode>(_kraftNodes); }
    }

    public IEnumerable<KraftNode> Controllers => KraftNodes.Values.Where(n => n.IsController).OrderBy(n => n.NodeId);

    public IEnumerable<KraftNode> KraftBrokers => KraftNodes.Values.Where(n => !n.IsController).OrderBy(n => n.NodeId);

    /// <summary>Every broker node's ActorSystem address, whichever mode it runs in.</summary>
    public IReadOnlyList<string> BrokerAddresses =>
        ZkBrokers.Values.Select(n => n.System).Concat(KraftBrokers.Select(n => n.System))
            .Select(s => Cluster.Get(s).SelfAddress.ToString()).ToArray();

    /// <summary>
    /// Starts the store and a zk-mode broker per id, with migration off: a plain zk-mode cluster,
    /// as it runs before anyone plans a migration. <paramref name="beforeRoles"/> runs on each
    /// node's system before its roles start, so observers see every event.
    /// </summary>
    public static async Task<MigrationCluster> StartAsync(string dataDir, IEnumerable<int> brokerIds, string? hocon = null,
        bool fastFailureDetection = true, string logLevel = "WARNING", Action<int, ActorSystem>? beforeRoles = null)
    {
        var store = await EmbeddedCluster.StartAsync(dataDir, fastFailureDetection, logLevel, hocon).ConfigureAwait(false);
        var cluster = new MigrationCluster(store, hocon ?? "", beforeRoles);
        try
        {
            foreach (var id in brokerIds) await cluster.StartZkBrokerAsync(id, migration: false).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Provisions the KRaft controller quorum in migration mode (ids from <see cref="FirstControllerId"/>):
    /// the quorum starts in PRE_MIGRATION and its active driver waits for every zk broker to register.
    /// </summary>
    public async Task StartControllersAsync(int controllers = 3)
    {
        if (_controllerPorts.Count > 0) throw new InvalidOperationException("the controllers are already started");
        var systems = new Dictionary<int, ActorSystem>();
        for (var i = 0; i < controllers; i++)
        {
            var id = FirstControllerId + i;
            systems[id] = await StartControllerSystemAsync(id, port: 0).ConfigureAwait(false);
            _controllerPorts[id] = Cluster.Get(systems[id]).SelfAddress.Port!.Value;
        }
        var voters = systems.Select(kv => $"{{ id = {kv.Key}, address = \"{Cluster.Get(kv.Value).SelfAddress}\" }}");
        _votersHocon = $"actorkafka.raft.voters = [ {string.Join(", ", voters)} ]";
        foreach (var (id, system) in systems) StartKraftRoles(id, system);
    }

    /// <summary>Restarts a killed controller on its port and data directory.</summary>
    public async Task<KraftNode> RestartControllerAsync(int nodeId)
    {
        if (!_controllerPorts.TryGetValue(nodeId, out var port)) throw new ArgumentException($"{nodeId} is not a controller of this cluster", nameof(nodeId));
        return StartKraftRoles(nodeId, await StartControllerSystemAsync(nodeId, port).ConfigureAwait(false));
    }

    /// <summary>
    /// Starts (or restarts) a broker in zk mode on its data directory. With <paramref name="migration"/>
    /// it also registers with the controller quorum (Kafka's zookeeper.metadata.migration.enable),
    /// which needs the controllers started.
    /// </summary>
    public async Task<ZkNode> StartZkBrokerAsync(int brokerId, bool migration)
    {
        if (migration && _votersHocon.Length == 0) throw new InvalidOperationException("a migrating zk broker needs the controller quorum: start the controllers first");
        var hocon = $"""
            {_hocon}
            actorkafka.broker.broker-id = {brokerId}
            actorkafka.broker.port = {9092 + brokerId}
            actorkafka.coordination.client.store-address = "{Store.StoreAddress}"
            actorkafka.broker.migration.enabled = {(migration ? "on" : "off")}
            {_votersHocon}
            """;
        var system = await StartBrokerSystemAsync(brokerId, hocon, persistence: false).ConfigureAwait(false);
        _beforeRoles?.Invoke(brokerId, system);
        var node = ZkNode.Start(system);
        lock (_zkBrokers) _zkBrokers[brokerId] = node;
        return node;
    }

    /// <summary>Starts (or restarts) a broker in KRaft mode on its data directory: a Raft observer pulling the metadata log.</summary>
    public async Task<KraftNode> StartKraftBrokerAsync(int brokerId)
    {
        if (_votersHocon.Length == 0) throw new InvalidOperationException("a KRaft broker needs the controller quorum: start the controllers first");
        return StartKraftRoles(brokerId, await StartBrokerSystemAsync(brokerId, NodeHocon(brokerId), persistence: true).ConfigureAwait(false));
    }

    /// <summary>Terminates the node's ActorSystem, whatever it runs: its connections drop as if the process died.</summary>
    public async Task KillAsync(int nodeId)
    {
        ZkNode? zk;
        KraftNode? kraft;
        lock (_zkBrokers) _zkBrokers.Remove(nodeId, out zk);
        lock (_kraftNodes) _kraftNodes.Remove(nodeId, out kraft);
        var system = zk?.System ?? kraft?.System;
        if (system is null) return;
        var address = Cluster.Get(system).SelfAddress;
        await Store.StopMemberAsync(system).ConfigureAwait(false);
        // Its next incarnation comes back on the same port: only once this one is out of the membership can it join.
        await ClusterJoin.AwaitRemovedAsync(Cluster.Get(Store.StoreSystem), address, EmbeddedCluster.JoinTimeout).ConfigureAwait(false);
    }

    /// <summary>A rolling restart of one broker: stopped, then started again in the given mode on the same data.</summary>
    public async Task RollBrokerAsync(int brokerId, BrokerMode mode)
    {
        await KillAsync(brokerId).ConfigureAwait(false);
        switch (mode)
        {
            case BrokerMode.Zk:
                await StartZkBrokerAsync(brokerId, migration: false).ConfigureAwait(false);
                break;
            case BrokerMode.ZkMigrating:
                await StartZkBrokerAsync(brokerId, migration: true).ConfigureAwait(false);
                break;
            default:
                await StartKraftBrokerAsync(brokerId).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Rolls back to zk mode (possible until finalize): the controllers stop, then /migration and
    /// the KRaft controller's /controller go, so the zk-mode controllers elect again and load the
    /// state the KRaft controller dual-wrote.
    /// </summary>
    public async Task<IReadOnlyList<string>> RollBackToZkAsync()
    {
        foreach (var id in ControllerIds) await KillAsync(id).ConfigureAwait(false);
        await using var session = await CoordinationSession.OpenAsync(Store.StoreSystem, Store.ClientSettings()).ConfigureAwait(false);
        return await Controller.ZkAdmin.RollBackMigrationAsync(session).ConfigureAwait(false);
    }

    public static string BrokerDataDir(int brokerId) => $"broker-{brokerId}";

    private string NodeHocon(int nodeId) => $"""
        {_hocon}
        actorkafka.raft.node-id = {nodeId}
        actorkafka.broker.broker-id = {nodeId}
        actorkafka.node.node-id = {nodeId}
        actorkafka.controller.migration.enabled = on
        actorkafka.coordination.client.store-address = "{Store.StoreAddress}"
        {_votersHocon}
        """;

    /// <summary>A broker's node keeps its port across restarts in either mode, so clients and peers find it where it was.</summary>
    private async Task<ActorSystem> StartBrokerSystemAsync(int brokerId, string hocon, bool persistence)
    {
        int port;
        lock (_brokerPorts) port = _brokerPorts.GetValueOrDefault(brokerId);
        var system = await Store.StartMemberAsync(NodeRoles.Broker, hocon, BrokerDataDir(brokerId), port, persistence).ConfigureAwait(false);
        lock (_brokerPorts) _brokerPorts[brokerId] = Cluster.Get(system).SelfAddress.Port!.Value;
        return system;
    }

    private Task<ActorSystem> StartControllerSystemAsync(int nodeId, int port) =>
        Store.StartMemberAsync(NodeRoles.Controller, NodeHocon(nodeId), $"controller-{nodeId}", port, persistence: true);

    private KraftNode StartKraftRoles(int nodeId, ActorSystem system)
    {
        _beforeRoles?.Invoke(nodeId, system);
        var raft = RaftSettings.From(ConfigurationFactory.ParseString(_votersHocon).WithFallback(system.Settings.Config));
        var node = KraftNode.Start(system, raft);
        lock (_kraftNodes) _kraftNodes[nodeId] = node;
        return node;
    }

    public async ValueTask DisposeAsync() => await Store.DisposeAsync().ConfigureAwait(false);
}

/// <summary>How a broker runs during a migration.</summary>
public enum BrokerMode
{
    /// <summary>zk mode, migration off.</summary>
    Zk,

    /// <summary>zk mode, registered with the controller quorum too (zookeeper.metadata.migration.enable).</summary>
    ZkMigrating,

    /// <summary>KRaft mode: a Raft observer.</summary>
    Kraft,
}
