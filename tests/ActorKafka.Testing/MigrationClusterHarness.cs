using System.Collections.Concurrent;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Testing;

/// <summary>
/// A cluster on its way from zk mode to KRaft in one process (<see cref="MigrationCluster"/>),
/// with short timings, an admin session on the store, and every broker, controller and migration
/// event recorded for the checks.
/// </summary>
public sealed class MigrationClusterHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly string _dataDir;
    private long _correlation;

    private MigrationClusterHarness(string dataDir, MigrationCluster cluster, CoordinationSession admin, ConcurrentQueue<object> events)
    {
        _dataDir = dataDir;
        Cluster = cluster;
        Admin = admin;
        Events = events;
        // A system of its own: the kit must outlive any node a test kills.
        Kit = new TestKit();
    }

    public MigrationCluster Cluster { get; }
    public CoordinationSession Admin { get; }
    public TestKit Kit { get; }
    public ConcurrentQueue<object> Events { get; }

    /// <summary>A zk-mode cluster with brokers 1..n, migration off, its controller elected.</summary>
    public static async Task<MigrationClusterHarness> StartAsync(int brokers, string? extraHocon = null, bool awaitController = true)
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        var events = new ConcurrentQueue<object>();
        var hocon = ZkClusterHarness.FastTimings + "\n" + (extraHocon ?? "");
        var cluster = await MigrationCluster.StartAsync(dir, Enumerable.Range(1, brokers), hocon,
            beforeRoles: (_, system) => EventRecording.Attach(system, events));
        var admin = await CoordinationSession.OpenAsync(cluster.Store.StoreSystem, cluster.Store.ClientSettings());
        var harness = new MigrationClusterHarness(dir, cluster, admin, events);
        if (brokers > 0) harness.AwaitZkRegistered(Enumerable.Range(1, brokers).ToArray());
        if (awaitController) harness.AwaitZkController();
        return harness;
    }

    /// <summary>
    /// A shortcut to the hybrid phase: the controllers first, then brokers 1..n in zk mode with
    /// migration on from their first start (a zk controller is elected among them as usual).
    /// </summary>
    public static async Task<MigrationClusterHarness> StartMigratingAsync(int brokers, string? extraHocon = null)
    {
        var h = await StartAsync(0, extraHocon, awaitController: false);
        await h.Cluster.StartControllersAsync();
        for (var id = 1; id <= brokers; id++) await h.Cluster.StartZkBrokerAsync(id, migration: true);
        h.AwaitQuorumBrokers(brokers);
        return h;
    }

    public IEnumerable<T> EventsOf<T>() => Events.OfType<T>();

    /// <summary>The node of a zk-mode broker (or controller candidate) by id.</summary>
    public Node.Hosting.ZkNode ZkBroker(int id) => Cluster.ZkBrokers[id];

    /// <summary>The zk-mode controller elected after <paramref name="afterEpoch"/>, once its failover has completed.</summary>
    public ControllerElected AwaitZkController(int afterEpoch = 0)
    {
        ControllerElected? elected = null;
        Kit.AwaitAssert(() =>
        {
            elected = EventsOf<ControllerElected>().Where(e => e.Epoch > afterEpoch && e.ControllerId < MigrationCluster.FirstControllerId)
                .MaxBy(e => e.Epoch);
            Assert.NotNull(elected);
            Assert.Contains(EventsOf<ControllerFailoverCompleted>(), f => f.Epoch == elected!.Epoch);
        }, Bound, Poll);
        return elected!;
    }

    public async Task CreateTopicAsync(string topic, int partitions, int replicationFactor)
    {
        var (assignment, error) = await ZkAdmin.CreateTopicAsync(Admin, topic, partitions, replicationFactor, new Random(7));
        Assert.True(error is null, $"create {topic}: {error}");
        Assert.NotNull(assignment);
    }

    /// <summary>
    /// Creates a topic through the active KRaft controller (the only way once it runs the cluster,
    /// as in Kafka): its dual-write puts it in the store, and zk brokers hear of it by LeaderAndIsr.
    /// </summary>
    public async Task CreateTopicThroughQuorumAsync(string topic, int partitions, short replicationFactor)
    {
        // Asked again while no controller is active or the one asked has just stepped down (a Raft election under load).
        CreateTopicsResponse? response = null;
        await Kit.AwaitAssertAsync(async () =>
        {
            var active = DescribeMigration();
            var controller = Cluster.Controllers.Single(c => c.NodeId == active.ControllerId).Controller!;
            response = await controller.Ask<CreateTopicsResponse>(
                new CreateTopicsRequest(Interlocked.Increment(ref _correlation), [new CreatableTopic(topic, partitions, replicationFactor)]), Bound);
            Assert.NotEqual(ControlError.NotController, response.Error);
        }, Bound, Poll);
        Assert.True(response!.Error == ControlError.None && response.Topics.All(t => t.Error == ControlError.None),
            $"create {topic}: {response.Error} " + string.Join("; ", response.Topics.Select(t => $"{t.Error} {t.Message}")));
    }

    /// <summary>Waits until this many brokers, of either mode, are registered with the quorum and unfenced.</summary>
    public void AwaitQuorumBrokers(int count) =>
        Kit.AwaitAssert(() => Assert.Equal(count, DescribeMigration().Brokers.Count(b => !b.Fenced)), Bound, Poll);

    /// <summary>Waits until these brokers are registered in the store (/brokers/ids).</summary>
    public void AwaitZkRegistered(params int[] brokerIds) =>
        Kit.AwaitAssert(() =>
        {
            var registered = Admin.GetChildrenAsync(Metadata.Zk.ZkPaths.BrokerIds).GetAwaiter().GetResult();
            Assert.All(brokerIds, id => Assert.Contains(id.ToString(System.Globalization.CultureInfo.InvariantCulture), registered));
        }, Bound, Poll);

    public async Task<IReadOnlyList<PartitionDescription>> DescribeZkAsync(string topic)
    {
        var (partitions, error) = await ZkAdmin.DescribeTopicAsync(Admin, topic);
        Assert.True(error is null, $"describe {topic}: {error}");
        return partitions!;
    }

    /// <summary>Waits until every partition of the topic in the store has a leader and a full ISR.</summary>
    public void AwaitFullIsrInStore(string topic, int replicas) =>
        Kit.AwaitAssert(() =>
        {
            var partitions = DescribeZkAsync(topic).GetAwaiter().GetResult();
            Assert.All(partitions, p => Assert.True(p.State is { HasLeader: true } s && s.Isr.Count == replicas, $"{p.Partition}: {p.State}"));
        }, Bound, Poll);

    /// <summary>Asks every controller's driver; the answer of the active one (Error None).</summary>
    public MigrationDescription DescribeMigration()
    {
        foreach (var node in Cluster.Controllers)
        {
            try
            {
                var answer = node.MigrationDriver!.Ask<MigrationDescription>(new DescribeMigrationRequest(Interlocked.Increment(ref _correlation)),
                    TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
                if (answer.Error == ControlError.None) return answer;
            }
            catch (AskTimeoutException)
            {
                // A busy or stopping driver: ask the next.
            }
        }
        throw new Xunit.Sdk.XunitException("no migration driver answers as active");
    }

    /// <summary>Waits for the active driver to report <paramref name="state"/> and returns its description.</summary>
    public MigrationDescription AwaitMigrationState(ZkMigrationState state, string? driverState = null)
    {
        MigrationDescription? seen = null;
        Kit.AwaitAssert(() =>
        {
            seen = DescribeMigration();
            Assert.Equal(state, seen.State);
            if (driverState is not null) Assert.Equal(driverState, seen.DriverState);
        }, Bound, Poll);
        return seen!;
    }

    /// <summary>Asks the active driver to finalize; a NotController answer (the quorum moved meanwhile) is asked again of the new one.</summary>
    public async Task<FinalizeMigrationResponse> FinalizeAsync()
    {
        FinalizeMigrationResponse? answer = null;
        await Kit.AwaitAssertAsync(async () =>
        {
            var active = DescribeMigration();
            var driver = Cluster.Controllers.Single(c => c.NodeId == active.ControllerId).MigrationDriver!;
            answer = await driver.Ask<FinalizeMigrationResponse>(new FinalizeMigrationRequest(Interlocked.Increment(ref _correlation)), Bound);
            Assert.NotEqual(ControlError.NotController, answer.Error);
        }, Bound, Poll);
        return answer!;
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Cluster.DisposeAsync();
        await Kit.Sys.Terminate();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }
}
