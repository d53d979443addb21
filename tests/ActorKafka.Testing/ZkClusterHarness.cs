using System.Collections.Concurrent;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Testing;

/// <summary>
/// A zk-mode cluster in one process: the store node plus one ActorSystem per broker, all on
/// 127.0.0.1 with free ports and short timeouts. Records every event for the safety checks.
/// </summary>
public sealed class ZkClusterHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Short store and session timings so expiry-driven scenarios take a few seconds.</summary>
    public static readonly string FastTimings = NodeConfig.FastSessionsHocon + """

        # Sessions outlive the scheduling delays of a loaded CI machine; zombie scenarios still expire in seconds.
        actorkafka.coordination.client.session-timeout = 3s
        """;

    private readonly string _dataDir;
    private readonly string _nodeHocon;
    private readonly bool _replicaManagers;

    private ZkClusterHarness(string dataDir, EmbeddedCluster cluster, CoordinationSession admin, string nodeHocon, bool replicaManagers)
    {
        _dataDir = dataDir;
        Cluster = cluster;
        Admin = admin;
        _nodeHocon = nodeHocon;
        _replicaManagers = replicaManagers;
        Kit = new TestKit(cluster.StoreSystem);
    }

    public EmbeddedCluster Cluster { get; }
    public CoordinationSession Admin { get; }
    public TestKit Kit { get; }
    public List<ZkNode> Nodes { get; } = new();
    public ConcurrentQueue<object> Events { get; } = new();

    /// <summary>
    /// <paramref name="replicaManagers"/> false: every broker node's replica manager is stopped as
    /// soon as it starts, for tests that play the leaders' replica managers themselves (their ISR
    /// proposals) and must not race real ones.
    /// </summary>
    public static async Task<ZkClusterHarness> StartAsync(int brokers, string? extraHocon = null, bool replicaManagers = true)
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        var hocon = FastTimings + "\n" + (extraHocon ?? "");
        var cluster = await EmbeddedCluster.StartAsync(dir, fastFailureDetection: true, storeHocon: hocon);
        var admin = await CoordinationSession.OpenAsync(cluster.StoreSystem, cluster.ClientSettings());
        var harness = new ZkClusterHarness(dir, cluster, admin, hocon, replicaManagers);
        for (var id = 1; id <= brokers; id++) await harness.StartBrokerAsync(id);
        return harness;
    }

    public async Task<ZkNode> StartBrokerAsync(int brokerId, string? hocon = null)
    {
        bool Mine(BrokerEvent e) => brokerId < 0 ? e.BrokerId > 1000 : e.BrokerId == brokerId;
        var registrations = EventsOf<BrokerRegistered>().Count(Mine);
        var node = await ZkNode.StartAsync(Cluster, brokerId, (hocon ?? "") + "\n" + _nodeHocon,
            beforeStart: system => EventRecording.Attach(system, Events));
        if (!_replicaManagers && node.ReplicaManager is { } replicaManager) await replicaManager.GracefulStop(Bound);
        Nodes.Add(node);
        Kit.AwaitCondition(() => EventsOf<BrokerRegistered>().Count(Mine) > registrations
                                 || EventsOf<BrokerRegistrationRejected>().Any(Mine), Bound, TimeSpan.FromMilliseconds(50));
        return node;
    }

    public ZkNode Node(int brokerId) => Nodes.Last(n => n.BrokerId == brokerId);

    public async Task KillAsync(ZkNode node)
    {
        Nodes.Remove(node);
        await Cluster.StopMemberAsync(node.System);
    }

    public IEnumerable<T> EventsOf<T>() => Events.OfType<T>();

    /// <summary>Waits for a controller elected after <paramref name="afterEpoch"/> and returns its election.</summary>
    public ControllerElected AwaitController(int afterEpoch = 0)
    {
        ControllerElected? elected = null;
        Kit.AwaitAssert(() =>
        {
            elected = EventsOf<ControllerElected>().Where(e => e.Epoch > afterEpoch).MaxBy(e => e.Epoch);
            Assert.NotNull(elected);
            Assert.Contains(EventsOf<ControllerFailoverCompleted>(), f => f.Epoch == elected!.Epoch);
        }, Bound, TimeSpan.FromMilliseconds(100));
        return elected!;
    }

    public async Task<IReadOnlyDictionary<int, IReadOnlyList<int>>> CreateTopicAsync(string topic, int partitions, int replicationFactor,
        IReadOnlyDictionary<string, string>? config = null)
    {
        var (assignment, error) = await ZkAdmin.CreateTopicAsync(Admin, topic, partitions, replicationFactor, new Random(7), config);
        Assert.True(error is null, $"creating {topic}: {error}");
        return assignment!;
    }

    public async Task<IReadOnlyList<PartitionDescription>> DescribeAsync(string topic)
    {
        var (partitions, error) = await ZkAdmin.DescribeTopicAsync(Admin, topic);
        Assert.True(error is null, $"describing {topic}: {error}");
        return partitions!;
    }

    /// <summary>Waits until the condition holds for the topic's partitions as the store has them.</summary>
    public void AwaitPartitions(string topic, Func<IReadOnlyList<PartitionDescription>, bool> condition, string what)
    {
        Kit.AwaitAssert(() =>
        {
            var partitions = DescribeAsync(topic).GetAwaiter().GetResult();
            Assert.True(condition(partitions), $"{what}: " + string.Join("; ", partitions.Select(p => $"{p.Partition} {p.State}")));
        }, Bound, TimeSpan.FromMilliseconds(100));
    }

    public BrokerStateSnapshot BrokerState(ZkNode node) =>
        node.Broker.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, Bound).GetAwaiter().GetResult();

    public IReadOnlySet<int> LiveBrokerIds => Nodes.Select(n => n.BrokerId).ToHashSet();

    /// <summary>
    /// The leader's ISR change as its replica manager asks for it: the proposal carries the leader
    /// and partition epochs the leader's broker holds for the partition.
    /// </summary>
    public IsrChangeResult ProposeIsr(ZkNode leader, TopicPartition partition, Func<int[], int[]> newIsr)
    {
        var view = BrokerState(leader).Replicas.Single(r => r.Partition == partition);
        return leader.Broker.Ask<IsrChangeResult>(new ProposeIsrChange(partition, view.LeaderEpoch, view.PartitionEpoch, newIsr(view.Isr)), Bound)
            .GetAwaiter().GetResult();
    }

    /// <summary>
    /// Brings <paramref name="brokerId"/> back into the ISR of every partition of the topic it
    /// replicates, as each leader's replica manager does once the follower has caught up: the
    /// controller never does it by itself. Retried until the store shows it, since a
    /// leader may still be waiting for its newest LeaderAndIsr.
    /// </summary>
    public void AwaitIsrRejoined(string topic, int brokerId) =>
        Kit.AwaitAssert(() =>
        {
            foreach (var p in DescribeAsync(topic).GetAwaiter().GetResult())
            {
                if (!p.Replicas.Contains(brokerId) || p.State is not { HasLeader: true } state || state.Isr.Contains(brokerId)) continue;
                var result = ProposeIsr(Node(state.Leader), p.Partition, isr => isr.Contains(brokerId) ? isr : [.. isr, brokerId]);
                Assert.True(result.Error == ControlError.None, $"{p.Partition}: leader {state.Leader} could not add {brokerId}: {result}");
            }
            Assert.All(DescribeAsync(topic).GetAwaiter().GetResult().Where(p => p.Replicas.Contains(brokerId)),
                p => Assert.Contains(brokerId, p.State!.Isr));
        }, Bound, TimeSpan.FromMilliseconds(100));

    /// <summary>
    /// The safety properties every run must keep: controller epochs strictly increase, at most
    /// one controller per epoch, and no broker applies a request from an epoch below one it saw.
    /// </summary>
    public void AssertSafety() => ControllerSafety.Assert(Events.ToArray());

    /// <summary>After a failover every partition that has a live in-ISR replica has a live leader.</summary>
    public void AwaitLiveLeaders(string topic) => AwaitPartitions(topic, partitions => partitions.All(p =>
            p.State is { } s && (!s.Isr.Any(LiveBrokerIds.Contains) || LiveBrokerIds.Contains(s.Leader))),
        "every partition with a live ISR replica has a live leader");

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Cluster.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }
}
