using System.Collections.Concurrent;
using ActorKafka.Broker;
using ActorKafka.Broker.Replication;
using ActorKafka.Controller;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Testing.Jepsen;

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

    /// <summary>Waits (bounded) until the killed node's ActorSystem has terminated.</summary>
    public static async Task AwaitDeathAsync(ConcurrentDictionary<int, Task> dying, int nodeId)
    {
        if (!dying.TryRemove(nodeId, out var death)) return;
        try
        {
            await death.WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"node {nodeId}'s ActorSystem did not terminate within {Bound.TotalSeconds} s of its kill");
        }
    }

    /// <summary>
    /// Waits (bounded) until the cluster as a live <paramref name="observer"/> sees it has no member on the killed
    /// node's address: its next incarnation joins on the same address, which goes wrong while
    /// the old one is still leaving (the join stalls for the leave's timeout, or longer).
    /// </summary>
    public static Task AwaitLeftAsync(TestKit kit, Func<ActorSystem> observer, string what, int port) =>
        kit.AwaitAssertAsync(() =>
        {
            var system = observer();
            var cluster = Akka.Cluster.Cluster.Get(system);
            var state = cluster.State;
            // The observer's own state goes in the message: a view from a node that was itself downed is frozen.
            Assert.True(state.Members.All(m => m.Address.Port != port) && state.Unreachable.All(m => m.Address.Port != port),
                $"{what}'s old incarnation is still a member: " + string.Join(", ", state.Members.Where(m => m.Address.Port == port)) +
                $" (seen by {cluster.SelfAddress}, {(system.WhenTerminated.IsCompleted ? "terminated" : "running")} as {cluster.SelfMember.Status}, " +
                $"leader {state.Leader}, unreachable [{string.Join(", ", state.Unreachable.Select(m => $"{m.Address} {m.Status}"))}])");
        }, Bound, TimeSpan.FromMilliseconds(50));

    public static async Task<BrokerStateSnapshot?> AskBrokerState(IActorRef? broker)
    {
        if (broker is null) return null;
        try
        {
            return await broker.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, AskTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Everything that helps to see why a partition is stuck: each broker's own view, its replica manager's, and the controller's.</summary>
    public static async Task<string> DiagnoseAsync(IJepsenCluster cluster, string topic, int partitions)
    {
        var lines = new List<string>();
        foreach (var id in cluster.BrokerIds)
        {
            if (!cluster.IsAlive(id))
            {
                lines.Add($"broker {id}: dead");
                continue;
            }
            var state = await cluster.BrokerStateAsync(id);
            var replicas = await cluster.ReplicaStatesAsync(id);
            lines.Add($"broker {id}: " + (state is null
                ? "the broker does not answer"
                : $"registered {state.Registered} (epoch {state.BrokerEpoch}), controller {state.ControllerId} of epoch {state.ControllerEpoch}, live [{string.Join(",", state.LiveBrokers)}], " +
                  "told: " + string.Join("; ", state.Replicas.Where(r => r.Partition.Topic == topic)
                      .Select(r => $"{r.Partition} leader {r.Leader} epoch {r.LeaderEpoch} isr [{string.Join(",", r.Isr)}] partitionEpoch {r.PartitionEpoch}"))));
            lines.Add($"broker {id} replica manager: " + (replicas is null
                ? "does not answer"
                : string.Join("; ", replicas.Replicas.Where(r => r.Partition.Topic == topic).Select(r => new HostedReplica(id, r).ToString()))));
        }
        for (var p = 0; p < partitions; p++)
        {
            var tp = new TopicPartition(topic, p);
            try
            {
                var controller = await cluster.PartitionStateAsync(tp);
                lines.Add($"controller: {tp} " + (controller is { } c ? $"leader {c.Leader} isr [{string.Join(",", c.Isr)}]" : "unknown"));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                lines.Add($"controller: {tp} not readable: {e.Message}");
            }
        }
        return string.Join("\n      ", lines);
    }

    public static string LogDirOf(ActorSystem system, int brokerId)
    {
        var config = system.Settings.Config;
        return ReplicaManagerSettings.From(config, brokerId, config.GetString("actorkafka.node.data-dir")).LogDir;
    }
}

/// <summary>
/// zk mode: the store node plus three brokers, each a controller candidate, started together. A
/// killed broker restarts as a process would: same id, same data directory, same port. Nodes are
/// tracked here (not in the harness's list) so that several can start or restart at once.
/// </summary>
public sealed class ZkJepsenCluster : IJepsenCluster
{
    private readonly ZkClusterHarness _h;
    private readonly string _nodeHocon;
    private readonly ConcurrentDictionary<int, ZkNode> _live = new();
    private readonly ConcurrentDictionary<int, Task> _dying = new();
    private readonly ConcurrentDictionary<int, int> _ports = new();
    private readonly ConcurrentDictionary<int, string> _logDirs = new();

    private ZkJepsenCluster(ZkClusterHarness h, string nodeHocon)
    {
        _h = h;
        _nodeHocon = nodeHocon;
    }

    public static async Task<ZkJepsenCluster> StartAsync(string hocon)
    {
        var h = await ZkClusterHarness.StartAsync(0, hocon);
        // What the harness gives its own brokers, so these run with the same settings.
        var cluster = new ZkJepsenCluster(h, ZkClusterHarness.FastTimings + "\n" + hocon);
        try
        {
            await Task.WhenAll(cluster.BrokerIds.Select(cluster.StartBrokerAsync));
            h.AwaitController();
            return cluster;
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    public string Mode => "zk";

    public TestKit Kit => _h.Kit;

    public Action<string> Log { get; set; } = _ => { };

    public IReadOnlyList<int> BrokerIds { get; } = [1, 2, 3];

    public IReadOnlyList<int> ControllerNodeIds { get; } = [];

    public bool IsAlive(int nodeId) => _live.ContainsKey(nodeId);

    public IReadOnlyList<int> StoppedOnTheirOwn() => _live.Where(kv => kv.Value.System.WhenTerminated.IsCompleted).Select(kv => kv.Key).Order().ToList();

    public void Kill(int nodeId)
    {
        if (_live.TryRemove(nodeId, out var node)) _dying[nodeId] = _h.Cluster.StopMemberAsync(node.System);
    }

    public async Task RestartAsync(int nodeId)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await JepsenClusters.AwaitDeathAsync(_dying, nodeId);
        var terminated = clock.ElapsedMilliseconds;
        await JepsenClusters.AwaitLeftAsync(Kit, () => _h.Cluster.StoreSystem, $"broker {nodeId}", _ports[nodeId]);
        var removed = clock.ElapsedMilliseconds;
        // Its old registration (an ephemeral of the dead session) must be gone first, or the new one is refused as a duplicate.
        await Kit.AwaitAssertAsync(async () =>
        {
            var brokers = await ZkAdmin.DescribeBrokersAsync(_h.Admin);
            Assert.DoesNotContain(brokers, b => b.BrokerId == nodeId);
        }, JepsenClusters.Bound, TimeSpan.FromMilliseconds(50));
        var deregistered = clock.ElapsedMilliseconds;
        await StartBrokerAsync(nodeId);
        Log($"broker {nodeId}: old system gone after {terminated} ms, out of the membership after {removed} ms, old registration after {deregistered} ms, " +
            $"registered after {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>Starts the broker node (on its earlier port, if it had one) and waits until it has registered.</summary>
    private async Task StartBrokerAsync(int nodeId)
    {
        var registrations = _h.EventsOf<BrokerRegistered>().Count(r => r.BrokerId == nodeId);
        var rejections = _h.EventsOf<BrokerRegistrationRejected>().Count(r => r.BrokerId == nodeId);
        var port = _ports.TryGetValue(nodeId, out var p) ? p : 0;
        ZkNode node;
        try
        {
            node = await ZkNode.StartAsync(_h.Cluster, nodeId, $"akka.remote.dot-netty.tcp.port = {port}\n" + _nodeHocon,
                beforeStart: system => EventRecording.Attach(system, _h.Events));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"broker {nodeId}'s node did not join the cluster within {EmbeddedCluster.JoinTimeout.TotalSeconds} s");
        }
        _ports[nodeId] = Akka.Cluster.Cluster.Get(node.System).SelfAddress.Port!.Value;
        _logDirs[nodeId] = JepsenClusters.LogDirOf(node.System, nodeId);
        _live[nodeId] = node;
        await Kit.AwaitAssertAsync(() =>
        {
            if (_h.EventsOf<BrokerRegistrationRejected>().Where(r => r.BrokerId == nodeId).Skip(rejections).FirstOrDefault() is { } rejected)
                throw new InvalidOperationException($"broker {nodeId} was refused at start: {rejected.Error}");
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

    public Task<BrokerStateSnapshot?> BrokerStateAsync(int brokerId) =>
        JepsenClusters.AskBrokerState(_live.TryGetValue(brokerId, out var node) ? node.Broker : null);

    public string LogDir(int brokerId) => _logDirs[brokerId];

    public void AssertSafety() => _h.AssertSafety();

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_dying.Values).WaitAsync(JepsenClusters.Bound).ContinueWith(_ => { });
        await _h.DisposeAsync();
    }
}

/// <summary>
/// kraft mode: three quorum controllers (3000..3002) and three brokers (1..3), each its own node;
/// a killed node restarts on its port and data directory.
/// </summary>
public sealed class KraftJepsenCluster : IJepsenCluster
{
    /// <summary>A broker that refuses to start is started again this many times, as a process supervisor would.</summary>
    private const int StartAttempts = 5;

    private readonly KraftClusterHarness _h;
    private readonly ConcurrentDictionary<int, Task> _dying = new();
    private readonly Dictionary<int, string> _logDirs;

    /// <summary>Every node's port: KraftCluster restarts a node on it.</summary>
    private readonly Dictionary<int, int> _ports;

    private KraftJepsenCluster(KraftClusterHarness h)
    {
        _h = h;
        _logDirs = h.Cluster.Brokers.ToDictionary(n => n.NodeId, n => JepsenClusters.LogDirOf(n.System, n.NodeId));
        _ports = h.Cluster.Nodes.ToDictionary(n => n.Key, n => Akka.Cluster.Cluster.Get(n.Value.System).SelfAddress.Port!.Value);
        ControllerNodeIds = h.Cluster.ControllerIds.ToArray();
    }

    public static async Task<KraftJepsenCluster> StartAsync(string hocon) => new(await KraftClusterHarness.StartAsync(3, hocon));

    public string Mode => "kraft";

    public TestKit Kit => _h.Kit;

    public Action<string> Log { get; set; } = _ => { };

    public IReadOnlyList<int> BrokerIds { get; } = [1, 2, 3];

    public IReadOnlyList<int> ControllerNodeIds { get; }

    public bool IsAlive(int nodeId) => _h.Cluster.Nodes.ContainsKey(nodeId);

    public IReadOnlyList<int> StoppedOnTheirOwn() =>
        _h.Cluster.Nodes.Where(kv => kv.Value.System.WhenTerminated.IsCompleted).Select(kv => kv.Key).Order().ToList();

    // KillAsync takes the node out of the cluster's table before its first await.
    public void Kill(int nodeId) => _dying[nodeId] = _h.Cluster.KillAsync(nodeId);

    public async Task RestartAsync(int nodeId)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await JepsenClusters.AwaitDeathAsync(_dying, nodeId);
        var terminated = clock.ElapsedMilliseconds;
        await AwaitLeftAsync(nodeId);
        var removed = clock.ElapsedMilliseconds;
        if (ControllerNodeIds.Contains(nodeId))
        {
            await _h.Cluster.RestartControllerAsync(nodeId, _h.Recording);
            Log($"controller {nodeId}: old system gone after {terminated} ms, out of the membership after {removed} ms, started after {clock.ElapsedMilliseconds} ms");
            return;
        }
        for (var attempt = 1; ; attempt++)
        {
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
            var fenced = clock.ElapsedMilliseconds;
            var registrations = _h.EventsOf<BrokerRegistered>().Count(r => r.BrokerId == nodeId);
            var rejections = _h.EventsOf<BrokerRegistrationRejected>().Count(r => r.BrokerId == nodeId);
            await _h.StartBrokerAsync(nodeId);
            BrokerRegistrationRejected? rejected = null;
            await Kit.AwaitAssertAsync(() =>
            {
                rejected = _h.EventsOf<BrokerRegistrationRejected>().Where(r => r.BrokerId == nodeId).Skip(rejections).FirstOrDefault();
                Assert.True(rejected is not null || _h.EventsOf<BrokerRegistered>().Count(r => r.BrokerId == nodeId) > registrations,
                    $"broker {nodeId} has not registered yet");
            }, JepsenClusters.Bound, TimeSpan.FromMilliseconds(50));
            if (rejected is null)
            {
                Log($"broker {nodeId}: old system gone after {terminated} ms, out of the membership after {removed} ms, old incarnation fenced after {fenced} ms, " +
                    $"registered after {clock.ElapsedMilliseconds} ms");
                return;
            }
            // A refused broker stops for good (Kafka's would retry): start its process again, as a supervisor would.
            Log($"broker {nodeId} refused to start (attempt {attempt}): {rejected.Error}");
            await _h.Cluster.KillAsync(nodeId);
            await AwaitLeftAsync(nodeId);
            if (attempt == StartAttempts) throw new InvalidOperationException($"broker {nodeId} refused to start {attempt} times: {rejected.Error}");
        }
    }

    /// <summary>A running controller node sees the membership (they are the cluster's seeds); asked anew each time, as one may be killed meanwhile.</summary>
    private Task AwaitLeftAsync(int nodeId) =>
        JepsenClusters.AwaitLeftAsync(Kit, () =>
        {
            var systems = _h.Cluster.Controllers.Select(c => c.System).ToList();
            return systems.FirstOrDefault(s => !s.WhenTerminated.IsCompleted) ?? systems.First();
        }, $"node {nodeId}", _ports[nodeId]);

    public async Task<int?> ActiveControllerAsync() => (await _h.Cluster.ActiveControllerAsync(TimeSpan.FromSeconds(1)))?.NodeId;

    public Task CreateTopicAsync(string topic, int partitions, int replicationFactor)
    {
        var result = _h.CreateTopic(topic, partitions, (short)replicationFactor);
        // The harness asks again when an answer does not come (a controller failing over between its
        // commit and its reply); each run's topic name is new, so "already exists" is this create's own earlier attempt.
        Assert.True(result.Error is ControlError.None or ControlError.TopicAlreadyExists, $"creating {topic}: {result.Error} {result.Message}");
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

    public Task<BrokerStateSnapshot?> BrokerStateAsync(int brokerId) =>
        JepsenClusters.AskBrokerState(_h.Cluster.Nodes.TryGetValue(brokerId, out var node) ? node.Broker : null);

    public string LogDir(int brokerId) => _logDirs[brokerId];

    public void AssertSafety() => _h.AssertSafety();

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_dying.Values).WaitAsync(JepsenClusters.Bound).ContinueWith(_ => { });
        await _h.DisposeAsync();
    }
}
