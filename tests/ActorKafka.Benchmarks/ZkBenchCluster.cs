using System.Collections.Concurrent;
using System.Diagnostics;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>Records every broker and controller event of a node with its arrival time.</summary>
public sealed class TimedEventRecorder : ReceiveActor
{
    public TimedEventRecorder(Action<long, object> recorded)
    {
        ReceiveAny(e => recorded(Stopwatch.GetTimestamp(), e));
    }
}

/// <summary>A zk-mode cluster for benchmarks: store node plus broker nodes, every event timestamped.</summary>
public sealed class ZkBenchCluster : IAsyncDisposable
{
    public const int PartitionsPerTopic = 1000;
    private const string Timings = """
        actorkafka.coordination.client.session-timeout = 4s
        actorkafka.coordination.store.min-session-timeout = 1s
        actorkafka.controller.leader-imbalance-check-interval = 3600s
        akka.stdout-loglevel = OFF
        """;

    private readonly string _dir;
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = new();
    private readonly HashSet<Metadata.TopicPartition> _online = new();
    private readonly Dictionary<int, (long At, int ControllerId)> _elections = new();
    private readonly Dictionary<int, HashSet<Metadata.TopicPartition>> _hosted = new();
    private readonly Dictionary<(int Broker, int Epoch), (int Partitions, long LastAt)> _metadata = new();
    private readonly Dictionary<Metadata.TopicPartition, (long At, int Leader, int LeaderEpoch)> _leaders = new();

    private ZkBenchCluster(string dir, EmbeddedCluster cluster, CoordinationSession admin)
    {
        _dir = dir;
        Cluster = cluster;
        Admin = admin;
    }

    public EmbeddedCluster Cluster { get; }
    public CoordinationSession Admin { get; }
    public List<ZkNode> Nodes { get; } = new();
    public ConcurrentQueue<(long At, object Event)> Events { get; } = new();

    /// <summary>
    /// Unless <paramref name="replicaManagers"/>, each broker's replica manager (partition logs and
    /// replication, the data plane) is stopped before any partition exists: the control plane alone.
    /// </summary>
    public static async Task<ZkBenchCluster> StartAsync(int brokers, bool replicaManagers = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-bench", Guid.NewGuid().ToString("N"));
        var cluster = await EmbeddedCluster.StartAsync(dir, fastFailureDetection: true, logLevel: "ERROR", storeHocon: StderrLogger.Hocon + "\n" + Timings);
        var admin = await CoordinationSession.OpenAsync(cluster.StoreSystem, cluster.ClientSettings());
        var bench = new ZkBenchCluster(dir, cluster, admin);
        for (var id = 1; id <= brokers; id++)
        {
            var node = await ZkNode.StartAsync(cluster, id, StderrLogger.Hocon + "\n" + Timings, beforeStart: system =>
            {
                var recorder = system.ActorOf(Props.Create(() => new TimedEventRecorder(bench.Recorded)), "timed-recorder");
                system.EventStream.Subscribe(recorder, typeof(BrokerEvent));
                system.EventStream.Subscribe(recorder, typeof(ControllerEvent));
            });
            if (!replicaManagers && node.ReplicaManager is { } replicaManager) node.System.Stop(replicaManager);
            bench.Nodes.Add(node);
        }
        await bench.WaitFor(() => bench.Events.Any(e => e.Event is ControllerFailoverCompleted) && bench.Events.Count(e => e.Event is BrokerRegistered) >= brokers,
            "controller elected");
        return bench;
    }

    public IEnumerable<(long At, T Event)> Of<T>() => Events.Where(e => e.Event is T).Select(e => (e.At, (T)e.Event));

    /// <summary>Completes once the condition over the recorded events holds (checked as each event arrives).</summary>
    public async Task WaitFor(Func<bool> condition, string what, TimeSpan? bound = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters) _waiters.Add((condition, done));
        Recorded(0, null);
        var limit = bound ?? TimeSpan.FromMinutes(5);
        try
        {
            await done.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"benchmark setup: '{what}' did not happen within {limit}");
        }
        finally
        {
            lock (_waiters) _waiters.RemoveAll(w => w.Done == done);
        }
    }

    /// <summary>Keeps the counters the waits need up to date, so each check is cheap.</summary>
    private void Recorded(long at, object? evt)
    {
        lock (_waiters)
        {
            switch (evt)
            {
                case null: break;
                case LeaderElected e: _online.Add(e.Partition); break;
                case ControllerElected c: _elections[c.Epoch] = (at, c.ControllerId); break;
                case ControlRequestApplied { Request: "UpdateMetadataRequest" } m:
                    var key = (m.BrokerId, m.ControllerEpoch);
                    _metadata[key] = (_metadata.GetValueOrDefault(key).Partitions + m.Partitions, at);
                    break;
                case ReplicaRoleChanged r:
                    if (!_hosted.TryGetValue(r.BrokerId, out var hosted)) _hosted[r.BrokerId] = hosted = new();
                    hosted.Add(r.Partition);
                    if (r.IsLeader) _leaders[r.Partition] = (at, r.BrokerId, r.LeaderEpoch);
                    break;
            }
            if (evt is not null) Events.Enqueue((at, evt));
            foreach (var (condition, done) in _waiters)
                if (!done.Task.IsCompleted && condition()) done.TrySetResult();
        }
    }

    public (long At, int ControllerId)? Election(int epoch)
    {
        lock (_waiters) return _elections.TryGetValue(epoch, out var e) ? e : null;
    }

    public (int Epoch, int ControllerId) LatestController
    {
        get { lock (_waiters) return _elections.Select(e => (e.Key, e.Value.ControllerId)).MaxBy(e => e.Key); }
    }

    public int OnlinePartitions
    {
        get { lock (_waiters) return _online.Count; }
    }

    /// <summary>How many partitions' metadata a broker has applied at an epoch, and when the last arrived.</summary>
    public (int Partitions, long LastAt) MetadataAt(int brokerId, int epoch)
    {
        lock (_waiters) return _metadata.GetValueOrDefault((brokerId, epoch));
    }

    /// <summary>When a broker last became leader of the partition, and with which leader epoch.</summary>
    public (long At, int Leader, int LeaderEpoch) LeaderOf(Metadata.TopicPartition partition)
    {
        lock (_waiters) return _leaders.GetValueOrDefault(partition);
    }

    /// <summary>Creates topics of 1,000 partitions (RF 3) until there are this many, and waits for every leader.</summary>
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
        var brokers = Nodes.Select(n => n.BrokerId).ToArray();
        await WaitFor(() => _online.Count >= partitions && brokers.All(b => _hosted.TryGetValue(b, out var h) && h.Count >= partitions),
            $"{partitions} partitions online on every broker");
    }

    public ZkNode Controller => Nodes.Single(n => n.BrokerId == LatestController.ControllerId);

    public async Task KillAsync(ZkNode node)
    {
        Nodes.Remove(node);
        await Cluster.StopMemberAsync(node.System);
    }

    /// <summary>A store-side watch; completes with the arrival time of the first matching event.</summary>
    public async Task<Task<long>> WatchAsync(ZkRequest watchRequest, Func<WatchedEvent, bool> match)
    {
        var (probe, fired) = TimestampProbe.Start(Cluster.StoreSystem, m => m is WatchedEvent e && match(e));
        var client = Cluster.StoreSystem.ActorOf(CoordinationClient.Props(Cluster.ClientSettings(), watcher: probe));
        await client.Ask<ZkResponse>(watchRequest, TimeSpan.FromSeconds(30));
        return fired;
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Cluster.DisposeAsync();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
