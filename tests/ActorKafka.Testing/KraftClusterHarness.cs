using System.Collections.Concurrent;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Testing;

/// <summary>
/// A KRaft-mode cluster in one process: three controller nodes (Raft voters) and broker nodes
/// (observers), each its own ActorSystem on 127.0.0.1, with short Raft and session timings.
/// Records every broker and controller event for the safety checks.
/// </summary>
public sealed class KraftClusterHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly string _dataDir;
    private readonly TestKit _kitOwner;

    private long _correlation;

    private KraftClusterHarness(string dataDir, KraftCluster cluster, ConcurrentQueue<object> events)
    {
        _dataDir = dataDir;
        Cluster = cluster;
        Events = events;
        // A system of its own: the kit must outlive any node a test kills.
        _kitOwner = new TestKit();
    }

    public KraftCluster Cluster { get; }
    public TestKit Kit => _kitOwner;

    /// <summary>Every broker and controller event of every node, in arrival order.</summary>
    public ConcurrentQueue<object> Events { get; }

    public static async Task<KraftClusterHarness> StartAsync(int brokers, string? extraHocon = null, int controllers = 3)
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        var events = new ConcurrentQueue<object>();
        var hocon = NodeConfig.FastSessionsHocon + "\n" + (extraHocon ?? "");
        var cluster = await KraftCluster.StartAsync(dir, controllers, Enumerable.Range(1, brokers), hocon,
            beforeRoles: (_, system) => EventRecording.Attach(system, events));
        var harness = new KraftClusterHarness(dir, cluster, events);
        harness.AwaitActiveController();
        for (var id = 1; id <= brokers; id++) harness.AwaitUnfenced(id);
        return harness;
    }

    public IEnumerable<T> EventsOf<T>() => Events.OfType<T>();

    public Action<int, ActorSystem> Recording => (_, system) => EventRecording.Attach(system, Events);

    public async Task<KraftNode> StartBrokerAsync(int brokerId) => await Cluster.StartBrokerAsync(brokerId, Recording);

    public QuorumControllerStatus AwaitActiveController(int afterEpoch = 0)
    {
        QuorumControllerStatus? active = null;
        Kit.AwaitAssert(() =>
        {
            active = Cluster.ActiveControllerAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
            Assert.NotNull(active);
            Assert.True(active!.ActiveEpoch > afterEpoch, $"active controller {active.NodeId} is in epoch {active.ActiveEpoch}, waiting for one after {afterEpoch}");
        }, Bound, TimeSpan.FromMilliseconds(100));
        return active!;
    }

    public void AwaitUnfenced(int brokerId) =>
        Kit.AwaitAssert(() =>
        {
            var cluster = DescribeCluster();
            var broker = Assert.Single(cluster.Brokers, b => b.BrokerId == brokerId);
            Assert.False(broker.Fenced, $"broker {brokerId} is still fenced");
        }, Bound, TimeSpan.FromMilliseconds(100));

    /// <summary>Sends a request to the active controller, following NotController redirects.</summary>
    public T Request<T>(Func<long, IQuorumControllerRequest> build) where T : IQuorumControllerResponse
    {
        T? answer = default;
        Kit.AwaitAssert(() =>
        {
            var active = Cluster.ActiveControllerAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
            Assert.NotNull(active);
            var response = Cluster[active!.NodeId].Controller!.Ask<IQuorumControllerResponse>(build(Interlocked.Increment(ref _correlation)),
                TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            Assert.NotEqual(ControlError.NotController, response.Error);
            answer = Assert.IsType<T>(response);
        }, Bound, TimeSpan.FromMilliseconds(100));
        return answer!;
    }

    public DescribeClusterResponse DescribeCluster(int maxPartitions = 0) =>
        Request<DescribeClusterResponse>(id => new DescribeClusterRequest(id, maxPartitions));

    public CreatableTopicResult CreateTopic(string name, int partitions, short replicationFactor)
    {
        var response = Request<CreateTopicsResponse>(id => new CreateTopicsRequest(id, [new CreatableTopic(name, partitions, replicationFactor)]));
        return Assert.Single(response.Topics);
    }

    public IReadOnlyList<PartitionStateInfo> Partitions(string topic) =>
        DescribeCluster(100_000).Partitions.Where(p => p.Topic == topic).OrderBy(p => p.Partition).ToList();

    public void AwaitPartitions(string topic, Func<IReadOnlyList<PartitionStateInfo>, bool> condition, string what) =>
        Kit.AwaitAssert(() =>
        {
            var partitions = Partitions(topic);
            Assert.True(condition(partitions), $"{what}: " + string.Join("; ", partitions.Select(p => $"{p.Partition} leader {p.Leader} isr [{string.Join(",", p.Isr)}]")));
        }, Bound, TimeSpan.FromMilliseconds(100));

    public BrokerStateSnapshot BrokerState(int brokerId) =>
        Cluster[brokerId].Broker!.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, Bound).GetAwaiter().GetResult();

    /// <summary>
    /// The safety properties every run must keep: at most one active controller per epoch, epochs
    /// strictly increasing across elections, and no broker accepting a controller response from an
    /// epoch below one it has seen (it reports those as stale instead).
    /// </summary>
    public void AssertSafety()
    {
        var elections = EventsOf<ControllerElected>().ToList();
        foreach (var epoch in elections.GroupBy(e => e.Epoch))
            Assert.True(epoch.Select(e => e.ControllerId).Distinct().Count() == 1,
                $"epoch {epoch.Key} had several active controllers: {string.Join(", ", epoch.Select(e => e.ControllerId))}");
        foreach (var stale in EventsOf<StaleEpochRejected>())
            Assert.True(stale.StaleEpoch < stale.CurrentEpoch, $"broker {stale.BrokerId} rejected epoch {stale.StaleEpoch} while at {stale.CurrentEpoch}");
    }

    public async ValueTask DisposeAsync()
    {
        _kitOwner.Shutdown();
        await Cluster.DisposeAsync();
        try
        {
            if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
