using System.Diagnostics;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Migration;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Benchmarks;

/// <summary>
/// A zk-mode cluster ready to be migrated, for benchmarks: the store, three zk-mode brokers
/// (each also a zk controller candidate) configured for migration, and a KRaft controller quorum
/// in migration mode that is down until <see cref="StartQuorumAsync"/>. Every node's broker,
/// controller and migration events are timestamped into <see cref="Log"/>.
/// <para>
/// Why the quorum is down while the zk cluster is set up: the brokers must run with migration on
/// before the migration starts, and Kafka's way there is a rolling restart; but with the data plane
/// stopped (as in every control-plane benchmark here) nothing grows an ISR back, so each roll would
/// shrink every ISR by one broker and the third would leave every partition offline. The quorum
/// is started once so that the brokers know its voters, stopped before any broker starts, and
/// restarted on its data when the migration is to begin: the brokers then register with it as
/// they would after their roll, and everything timed starts from that.
/// </para>
/// </summary>
public sealed class MigrationBenchCluster : IAsyncDisposable
{
    public const int PartitionsPerTopic = 1000;

    // Store timings as in ZkBenchCluster; KRaft's heartbeat and session shortened so that a killed
    // broker is fenced in seconds (the dual-write measurement starts at the fence, not the kill).
    private const string Timings = """
        akka.stdout-loglevel = OFF
        actorkafka.coordination.client.session-timeout = 4s
        actorkafka.coordination.store.min-session-timeout = 1s
        actorkafka.controller.leader-imbalance-check-interval = 3600s
        actorkafka.broker.kraft.heartbeat-interval = 500ms
        actorkafka.controller.kraft.broker-session-timeout = 3s
        # A migration batch of 100,000 partitions is one journal event on a shared disk.
        akka.persistence.journal.sql.circuit-breaker.call-timeout = 60s
        """;

    private readonly string _dir;

    private MigrationBenchCluster(string dir, MigrationCluster cluster, CoordinationSession admin, MigrationEventLog log)
    {
        _dir = dir;
        Cluster = cluster;
        Admin = admin;
        Log = log;
    }

    public MigrationCluster Cluster { get; }
    public CoordinationSession Admin { get; }
    public MigrationEventLog Log { get; }

    public IReadOnlyList<int> BrokerIds => Cluster.ZkBrokers.Keys.Order().ToArray();

    /// <param name="extraHocon">Overrides for every node (e.g. the driver's max-partitions-per-multi).</param>
    public static async Task<MigrationBenchCluster> StartAsync(int brokers, string extraHocon = "")
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-bench", Guid.NewGuid().ToString("N"));
        var log = new MigrationEventLog();
        var hocon = StderrLogger.Hocon + "\n" + Timings + "\n" + extraHocon;
        var cluster = await MigrationCluster.StartAsync(dir, [], hocon, fastFailureDetection: true, logLevel: "ERROR",
            beforeRoles: (_, system) => Attach(system, log));
        var admin = await CoordinationSession.OpenAsync(cluster.Store.StoreSystem, cluster.Store.ClientSettings());
        var bench = new MigrationBenchCluster(dir, cluster, admin, log);
        try
        {
            await cluster.StartControllersAsync();
            await log.WaitFor(() => log.Has<MigrationDriverStateChanged>(s => s.To == MigrationDriverState.WaitForBrokers), "the quorum in PRE_MIGRATION");
            foreach (var id in cluster.ControllerIds) await cluster.KillAsync(id);

            for (var id = 1; id <= brokers; id++)
            {
                var node = await cluster.StartZkBrokerAsync(id, migration: true);
                // The control plane alone, as in ZkBenchCluster: stopped before any partition exists.
                if (node.ReplicaManager is { } replicaManager) node.System.Stop(replicaManager);
            }
            await log.WaitFor(() => log.Has<ControllerFailoverCompleted>(_ => true) && log.Of<BrokerRegistered>().Select(r => r.Event.BrokerId).Distinct().Count() >= brokers,
                "a zk controller elected and every broker registered");
            return bench;
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    private static void Attach(ActorSystem system, MigrationEventLog log)
    {
        var recorder = system.ActorOf(Props.Create(() => new TimedEventRecorder(log.Record)), "timed-recorder");
        system.EventStream.Subscribe(recorder, typeof(BrokerEvent));
        system.EventStream.Subscribe(recorder, typeof(ControllerEvent));
        system.EventStream.Subscribe(recorder, typeof(MigrationEvent));
    }

    /// <summary>Topics of 1,000 partitions (RF 3) written to the store as kafka-topics --zookeeper did, until every broker hosts them all.</summary>
    public async Task CreatePartitionsAsync(int partitions)
    {
        var random = new Random(42);
        var topics = (partitions + PartitionsPerTopic - 1) / PartitionsPerTopic;
        for (var t = 0; t < topics; t++)
        {
            var count = Math.Min(PartitionsPerTopic, partitions - t * PartitionsPerTopic);
            var (_, error) = await ZkAdmin.CreateTopicAsync(Admin, $"bench-{t:D4}", count, 3, random);
            if (error is not null) throw new InvalidOperationException($"creating bench-{t:D4}: {error}");
        }
        var brokers = BrokerIds;
        await Log.WaitFor(() => Log.ZkOnline >= partitions && brokers.All(b => Log.HostedBy(b) >= partitions), $"{partitions} partitions online on every broker");
    }

    /// <summary>The latest zk-mode controller election (controller candidates are the broker nodes).</summary>
    public ControllerElected ZkController =>
        Log.Of<ControllerElected>().Select(e => e.Event).Where(e => e.ControllerId < MigrationCluster.FirstControllerId).MaxBy(e => e.Epoch)
        ?? throw new InvalidOperationException("no zk controller was elected");

    /// <summary>Restarts every controller on its port and data; returns when the last was started.</summary>
    public async Task<long> StartQuorumAsync()
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var id in Cluster.ControllerIds) await Cluster.RestartControllerAsync(id);
        return started;
    }

    /// <summary>What the controllers' drivers say, for a run that got stuck: each answers with its state, the active one without an error.</summary>
    public async Task<string> DescribeMigrationAsync()
    {
        var answers = new List<string>();
        foreach (var node in Cluster.Controllers)
        {
            try
            {
                var d = await node.MigrationDriver!.Ask<MigrationDescription>(new DescribeMigrationRequest(node.NodeId), TimeSpan.FromSeconds(3));
                if (d.Error == ControlError.None) answers.Add($"active driver {node.NodeId}: {d.DriverState}, log {d.State}, migrated offset {d.MigratedOffset}");
            }
            catch (AskTimeoutException)
            {
                answers.Add($"driver {node.NodeId}: no answer");
            }
        }
        return answers.Count == 0 ? "no driver answers as active" : string.Join("; ", answers);
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Cluster.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
