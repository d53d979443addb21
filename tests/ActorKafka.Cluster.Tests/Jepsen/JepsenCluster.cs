using System.Collections.Concurrent;
using ActorKafka.Broker;
using ActorKafka.Broker.Replication;
using ActorKafka.Cluster.Tests.Kraft;
using ActorKafka.Controller;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Cluster.Tests.Jepsen;

/// <summary>
/// What the Jepsen runner needs from a cluster, whatever its metadata mode: its brokers (ids 1..3),
/// its controller nodes (kraft only: zk-mode controllers live on the brokers), kills and restarts
/// on the same data directory, the active controller, topics, and each broker's replica manager.
/// </summary>
public interface IJepsenCluster : IAsyncDisposable
{
    string Mode { get; }

    TestKit Kit { get; }

    IReadOnlyList<int> BrokerIds { get; }

    /// <summary>Controller nodes that are not brokers (kraft's quorum); empty in zk mode.</summary>
    IReadOnlyList<int> ControllerNodeIds { get; }

    bool IsAlive(int nodeId);

    Task KillAsync(int nodeId);

    /// <summary>Starts a killed node again on its data directory, once the cluster has let go of its previous incarnation.</summary>
    Task RestartAsync(int nodeId);

    /// <summary>The node that is the active controller now, or null when none is.</summary>
    Task<int?> ActiveControllerAsync();

    Task CreateTopicAsync(string topic, int partitions, int replicationFactor);

    /// <summary>The partition's leader and ISR as the controller has them (null: unknown now).</summary>
    Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp);

    /// <summary>Addresses of the live brokers' ActorSystems, for a client's bootstrap list.</summary>
    IReadOnlyList<string> BootstrapAddresses { get; }

    /// <summary>The broker's replica states, or null when it is dead or does not answer.</summary>
    Task<ReplicaStates?> ReplicaStatesAsync(int brokerId);

    /// <summary>Where the broker keeps its partition logs (the same for every incarnation).</summary>
    string LogDir(int brokerId);

    void AssertSafety();
}

/// <summary>Shared by both modes.</summary>
internal static class JepsenClusters
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public static async Task<ReplicaStates?> AskStates(IActorRef? replicaManager)
    {
        if (replicaManager is null) return null;
        try
        {
            return await replicaManager.Ask<ReplicaStates>(GetReplicaStates.Instance, AskTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    public static string LogDirOf(ActorSystem system, int brokerId)
    {
        var config = system.Settings.Config;
        return ReplicaManagerSettings.From(config, brokerId, config.GetString("actorkafka.node.data-dir")).LogDir;
    }
}

/// <summary>
/// zk mode: the store node plus three brokers, each a controller candidate. A killed broker
/// restarts as a process would: same id, same data directory, same port. Nodes are tracked here
/// (not in the harness's list) so that several can restart at once.
/// </summary>
public sealed class ZkJepsenCluster : IJepsenCluster
{
    private readonly ZkClusterHarness _h;
    private readonly string _nodeHocon;
    private readonly ConcurrentDictionary<int, ZkNode> _live = new();
    private readonly Dictionary<int, int> _ports;
    private readonly Dictionary<int, string> _logDirs;

    private ZkJepsenCluster(ZkClusterHarness h, string nodeHocon)
    {
        _h = h;
        _nodeHocon = nodeHocon;
        foreach (var node in h.Nodes) _live[node.BrokerId] = node;
        _ports = h.Nodes.ToDictionary(n => n.BrokerId, n => Akka.Cluster.Cluster.Get(n.System).SelfAddress.Port!.Value);
        _logDirs = h.Nodes.ToDictionary(n => n.BrokerId, n => JepsenClusters.LogDirOf(n.System, n.BrokerId));
    }

    public static async Task<ZkJepsenCluster> StartAsync(string hocon)
    {
        var h = await ZkClusterHarness.StartAsync(3, hocon);
        try
        {
            h.AwaitController();
            // What the harness gives its own brokers, so restarted ones run with the same settings.
            return new ZkJepsenCluster(h, ZkClusterHarness.FastTimings + "\n" + hocon);
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    public string Mode => "zk";

    public TestKit Kit => _h.Kit;

    public IReadOnlyList<int> BrokerIds { get; } = [1, 2, 3];

    public IReadOnlyList<int> ControllerNodeIds { get; } = [];

    public bool IsAlive(int nodeId) => _live.ContainsKey(nodeId);

    public async Task KillAsync(int nodeId)
    {
        if (!_live.TryRemove(nodeId, out var node)) return;
        await _h.Cluster.StopMemberAsync(node.System);
    }

    public async Task RestartAsync(int nodeId)
    {
        // Its old registration (an ephemeral of the dead session) must be gone first, or the new one is refused as a duplicate.
        await Kit.AwaitAssertAsync(async () =>
        {
            var brokers = await ZkAdmin.DescribeBrokersAsync(_h.Admin);
            Assert.DoesNotContain(brokers, b => b.BrokerId == nodeId);
        }, JepsenClusters.Bound, TimeSpan.FromMilliseconds(50));
        var registrations = _h.EventsOf<BrokerRegistered>().Count(r => r.BrokerId == nodeId);
        var rejections = _h.EventsOf<BrokerRegistrationRejected>().Count(r => r.BrokerId == nodeId);
        var node = await ZkNode.StartAsync(_h.Cluster, nodeId, $"akka.remote.dot-netty.tcp.port = {_ports[nodeId]}\n" + _nodeHocon,
            beforeStart: system => EventRecording.Attach(system, _h.Events));
        _live[nodeId] = node;
        await Kit.AwaitAssertAsync(() =>
        {
            if (_h.EventsOf<BrokerRegistrationRejected>().Where(r => r.BrokerId == nodeId).Skip(rejections).FirstOrDefault() is { } rejected)
                throw new InvalidOperationException($"broker {nodeId} was refused at restart: {rejected.Error}");
            Assert.True(_h.EventsOf<BrokerRegistered>().Count(r => r.BrokerId == nodeId) > registrations, $"broker {nodeId} has not registered yet");
        }, JepsenClusters.Bound, TimeSpan.FromMilliseconds(50));
    }

    public async Task<int?> ActiveControllerAsync() => (await ZkAdmin.DescribeClusterAsync(_h.Admin)).ControllerId;

    public async Task CreateTopicAsync(string topic, int partitions, int replicationFactor) =>
        await _h.CreateTopicAsync(topic, partitions, replicationFactor);

    public async Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp)
    {
        var (partitions, error) = await ZkAdmin.DescribeTopicAsync(_h.Admin, tp.Topic);
        if (error is not null || partitions!.FirstOrDefault(p => p.Partition == tp) is not { State: { } state }) return null;
        return (state.Leader, state.Isr.ToArray());
    }

    public IReadOnlyList<string> BootstrapAddresses =>
        _live.Values.Select(n => Akka.Cluster.Cluster.Get(n.System).SelfAddress.ToString()).ToArray();

    public Task<ReplicaStates?> ReplicaStatesAsync(int brokerId) =>
        JepsenClusters.AskStates(_live.TryGetValue(brokerId, out var node) ? node.ReplicaManager : null);

    public string LogDir(int brokerId) => _logDirs[brokerId];

    public void AssertSafety() => _h.AssertSafety();

    public ValueTask DisposeAsync() => _h.DisposeAsync();
}

/// <summary>kraft mode: three quorum controllers (3000..3002) and three brokers (1..3), each its own node.</summary>
public sealed class KraftJepsenCluster : IJepsenCluster
{
    private readonly KraftClusterHarness _h;
    private readonly Dictionary<int, string> _logDirs;

    private KraftJepsenCluster(KraftClusterHarness h)
    {
        _h = h;
        _logDirs = h.Cluster.Brokers.ToDictionary(n => n.NodeId, n => JepsenClusters.LogDirOf(n.System, n.NodeId));
        ControllerNodeIds = h.Cluster.ControllerIds.ToArray();
    }

    public static async Task<KraftJepsenCluster> StartAsync(string hocon) => new(await KraftClusterHarness.StartAsync(3, hocon));

    public string Mode => "kraft";

    public TestKit Kit => _h.Kit;

    public IReadOnlyList<int> BrokerIds { get; } = [1, 2, 3];

    public IReadOnlyList<int> ControllerNodeIds { get; }

    public bool IsAlive(int nodeId) => _h.Cluster.Nodes.ContainsKey(nodeId);

    public Task KillAsync(int nodeId) => _h.Cluster.KillAsync(nodeId);

    public async Task RestartAsync(int nodeId)
    {
        if (ControllerNodeIds.Contains(nodeId))
        {
            await _h.Cluster.RestartControllerAsync(nodeId, _h.Recording);
            return;
        }
        // The controller refuses a new incarnation while the old one's session is live: wait until it has fenced it.
        await Kit.AwaitAssertAsync(async () =>
        {
            var active = await _h.Cluster.ActiveControllerAsync(TimeSpan.FromSeconds(1));
            Assert.NotNull(active);
            var response = await _h.Cluster[active!.NodeId].Controller!.Ask<IQuorumControllerResponse>(
                new DescribeClusterRequest(Environment.TickCount64, 0), TimeSpan.FromSeconds(2));
            var cluster = Assert.IsType<DescribeClusterResponse>(response);
            Assert.True(cluster.Brokers.FirstOrDefault(b => b.BrokerId == nodeId) is not { Fenced: false },
                $"broker {nodeId}'s old incarnation is not fenced yet");
        }, JepsenClusters.Bound, TimeSpan.FromMilliseconds(50));
        await _h.StartBrokerAsync(nodeId);
    }

    public async Task<int?> ActiveControllerAsync() => (await _h.Cluster.ActiveControllerAsync(TimeSpan.FromSeconds(1)))?.NodeId;

    public Task CreateTopicAsync(string topic, int partitions, int replicationFactor)
    {
        var result = _h.CreateTopic(topic, partitions, (short)replicationFactor);
        Assert.True(result.Error == ControlError.None, $"creating {topic}: {result.Error} {result.Message}");
        return Task.CompletedTask;
    }

    public Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp)
    {
        var partition = _h.Partitions(tp.Topic).FirstOrDefault(p => p.Partition == tp.Partition);
        return Task.FromResult<(int, int[])?>(partition is null ? null : (partition.Leader, partition.Isr.ToArray()));
    }

    public IReadOnlyList<string> BootstrapAddresses =>
        _h.Cluster.Brokers.Select(b => Akka.Cluster.Cluster.Get(b.System).SelfAddress.ToString()).ToArray();

    public Task<ReplicaStates?> ReplicaStatesAsync(int brokerId) =>
        JepsenClusters.AskStates(_h.Cluster.Nodes.TryGetValue(brokerId, out var node) ? node.ReplicaManager : null);

    public string LogDir(int brokerId) => _logDirs[brokerId];

    public void AssertSafety() => _h.AssertSafety();

    public ValueTask DisposeAsync() => _h.DisposeAsync();
}
