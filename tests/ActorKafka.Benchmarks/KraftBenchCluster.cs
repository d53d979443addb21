using System.Diagnostics;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using ActorKafka.Raft;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>What one controller failover took in kraft mode; every time in milliseconds from the kill.</summary>
public sealed record KraftFailover(int OldController, int OldEpoch, int NewEpoch, int NewController, double Terminated, double RaftLeaderElected,
    double LeaderChangeCommitted, double ControllerActive, double WriteServed, double BrokersAtNewEpoch)
{
    public double Total => Math.Max(WriteServed, BrokersAtNewEpoch);
}

/// <summary>What a new broker joining the cluster took; times in milliseconds from its node's start, -1 when it did not happen.</summary>
public sealed record KraftCatchUp(double RolesStarted, double SnapshotLoaded, double Registered, double LogFetched, double CaughtUp, double Unfenced,
    long SnapshotBytes, long SnapshotEndOffset, int BatchesReplayed, long CaughtUpOffset)
{
    public bool ViaSnapshot => SnapshotBytes > 0;
}

/// <summary>
/// A KRaft-mode cluster for benchmarks: three controller nodes (Raft voters) and broker nodes
/// (Raft observers), each its own ActorSystem, with KRaft's default Raft and session timings.
/// Records the low-volume controller and broker events of every node with their arrival time,
/// and what each node's Raft replica delivers (committed batches, snapshots) through a
/// subscription of its own beside the broker's or controller's. Per-partition events
/// (ReplicaRoleChanged, PartitionStateChanged) are not recorded: at a million partitions they are
/// millions of messages.
/// </summary>
public sealed class KraftBenchCluster : IAsyncDisposable
{
    public const int PartitionsPerTopic = 1000;
    private const int CreatesInFlight = 4;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);

    private static readonly Type[] RecordedEvents =
    [
        typeof(ControllerElected), typeof(QuorumLeaderElected), typeof(ControllerResigned), typeof(BrokerRegistered), typeof(BrokerRegistrationRejected),
        typeof(MetadataCaughtUp), typeof(BrokerUnfenced), typeof(BrokerFenced), typeof(BrokerStopped), typeof(StaleEpochRejected),
    ];

    private readonly string _dir;
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = new();
    private readonly List<(long At, object Event)> _events = new();
    private readonly Dictionary<int, long> _rolesStarted = new();
    private readonly Dictionary<int, IActorRef> _replicaRecorders = new();
    private readonly Dictionary<int, List<(long Offset, long At)>> _progress = new();
    private readonly Dictionary<(int Node, int Epoch), long> _leaderChangeApplied = new();
    private readonly Dictionary<int, (long Offset, int Batches)> _delivered = new();
    private readonly Dictionary<int, (long At, long EndOffset, int Bytes)> _snapshotLoaded = new();
    private KraftCluster? _cluster;
    private bool _replicaManagers;
    private long _correlation;

    private KraftBenchCluster(string dir) => _dir = dir;

    public KraftCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public IReadOnlyList<int> BrokerIds => Cluster.Brokers.Select(b => b.NodeId).ToArray();

    /// <summary>
    /// Starts three controllers and <paramref name="brokers"/> brokers (ids 1..n) and waits until a
    /// controller is active and every broker is unfenced. Each Raft node is told SnapshotDue after
    /// <paramref name="snapshotEveryEntries"/> committed entries. <paramref name="extraHocon"/> overrides
    /// the nodes' settings (e.g. Raft timings). Unless <paramref name="replicaManagers"/>, each broker's
    /// replica manager (partition logs and replication: the data plane) is stopped before any
    /// partition exists, so that only the control plane is measured, as in <see cref="ZkBenchCluster"/>.
    /// </summary>
    public static async Task<KraftBenchCluster> StartAsync(int brokers, int snapshotEveryEntries, string extraHocon = "", bool replicaManagers = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-bench", Guid.NewGuid().ToString("N"));
        var bench = new KraftBenchCluster(dir);
        var hocon = $"""
            {StderrLogger.Hocon}
            # A system that logs while shutting down falls back to stdout: keep stdout for the report.
            akka.stdout-loglevel = OFF
            actorkafka.raft.snapshot-every-entries = {snapshotEveryEntries}
            # A node's snapshot at a million partitions is one 72 MB journal event; six nodes write
            # theirs at once to one shared disk, which can outlast the default 10 s call timeout
            # (the voter then stops). Room for that, so that the failover is what gets measured.
            akka.persistence.journal.sql.circuit-breaker.call-timeout = 60s
            akka.persistence.snapshot-store.sql.circuit-breaker.call-timeout = 60s
            {extraHocon}
            """;
        try
        {
            bench._cluster = await KraftCluster.StartAsync(dir, controllers: 3, Enumerable.Range(1, brokers), hocon, fastFailureDetection: true,
                logLevel: "ERROR", beforeRoles: bench.BeforeRoles);
            bench._replicaManagers = replicaManagers;
            foreach (var node in bench.Cluster.Nodes.Values) bench.Started(node);
            var ids = Enumerable.Range(1, brokers).ToArray();
            await bench.WaitFor(() => bench.Has<ControllerElected>(_ => true) && ids.All(id => bench.Has<BrokerUnfenced>(u => u.BrokerId == id)),
                "a controller active and every broker unfenced");
            return bench;
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    private void BeforeRoles(int nodeId, ActorSystem system)
    {
        var recorder = system.ActorOf(Props.Create(() => new TimedEventRecorder(Recorded)), "timed-recorder");
        foreach (var type in RecordedEvents) system.EventStream.Subscribe(recorder, type);
        var replicaRecorder = system.ActorOf(Props.Create(() => new TimedEventRecorder(Recorded)), "replica-recorder");
        lock (_waiters)
        {
            _rolesStarted[nodeId] = Stopwatch.GetTimestamp();
            _replicaRecorders[nodeId] = replicaRecorder;
            _progress[nodeId] = new();
        }
    }

    private void Started(KraftNode node)
    {
        if (!_replicaManagers && node.ReplicaManager is { } replicaManager) node.System.Stop(replicaManager);
        SubscribeReplica(node);
    }

    /// <summary>A second subscriber to the node's Raft replica: it sees each batch and snapshot when the broker or controller does.</summary>
    private void SubscribeReplica(KraftNode node)
    {
        IActorRef recorder;
        lock (_waiters) recorder = _replicaRecorders[node.NodeId];
        node.Raft.Tell(new SubscribeCommitted(recorder));
    }

    private void Recorded(long at, object? message)
    {
        lock (_waiters)
        {
            switch (message)
            {
                case null:
                    break;
                case CommittedBatch b:
                    var (_, batches) = _delivered.GetValueOrDefault(b.NodeId);
                    _delivered[b.NodeId] = (b.Offset, batches + 1);
                    _progress[b.NodeId].Add((b.Offset, at));
                    if (b.Type == EntryType.LeaderChange) _leaderChangeApplied.TryAdd((b.NodeId, b.Epoch), at);
                    break;
                case LoadSnapshot s:
                    _snapshotLoaded[s.NodeId] = (at, s.Snapshot.Id.Offset, s.Snapshot.Data.Length);
                    _delivered[s.NodeId] = (s.Snapshot.Id.Offset - 1, 0);
                    _progress[s.NodeId].Add((s.Snapshot.Id.Offset - 1, at));
                    // A snapshot ending in an epoch holds that epoch's LeaderChange (its first entry).
                    _leaderChangeApplied.TryAdd((s.NodeId, s.Snapshot.Id.Epoch), at);
                    break;
                case RaftLeaderChanged or SnapshotDue:
                    break;
                default:
                    _events.Add((at, message));
                    break;
            }
            foreach (var (condition, done) in _waiters)
                if (!done.Task.IsCompleted && condition()) done.TrySetResult();
        }
    }

    /// <summary>Completes once the condition over the recorded events holds (checked as each event arrives).</summary>
    public async Task WaitFor(Func<bool> condition, string what, TimeSpan? bound = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters) _waiters.Add((condition, done));
        Recorded(0, null);
        var limit = bound ?? Bound;
        try
        {
            await done.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"kraft benchmark: '{what}' did not happen within {limit}; {Progress()}");
        }
        finally
        {
            lock (_waiters) _waiters.RemoveAll(w => w.Done == done);
        }
    }

    /// <summary>What the recorders saw, for a timeout's message.</summary>
    private string Progress()
    {
        lock (_waiters)
        {
            var delivered = string.Join(", ", _delivered.OrderBy(d => d.Key).Select(d => $"{d.Key} at {d.Value.Offset}"));
            var epochs = string.Join(", ", _leaderChangeApplied.Keys.OrderBy(k => k).Select(k => $"{k.Node}@{k.Epoch}"));
            var events = string.Join("; ", _events.TakeLast(20).Select(e => e.Event));
            return $"observers delivered: {delivered}; LeaderChange applied: {epochs}; last events: {events}";
        }
    }

    private bool Has<T>(Func<T, bool> match) => _events.Any(e => e.Event is T t && match(t));

    /// <summary>When the first matching event arrived, or null.</summary>
    public long? FirstAt<T>(Func<T, bool> match)
    {
        lock (_waiters)
        {
            foreach (var (at, e) in _events)
                if (e is T t && match(t)) return at;
            return null;
        }
    }

    public T? First<T>(Func<T, bool> match) where T : class
    {
        lock (_waiters) return _events.Select(e => e.Event).OfType<T>().FirstOrDefault(match);
    }

    public async Task<QuorumControllerStatus> ActiveAsync()
    {
        QuorumControllerStatus? active = null;
        await PollAsync(async () => (active = await Cluster.ActiveControllerAsync(TimeSpan.FromSeconds(10))) is not null,
            TimeSpan.FromMilliseconds(50), () => "no active controller");
        return active!;
    }

    /// <summary>
    /// Asks until <paramref name="done"/> holds, within the bound: for states no event announces (an
    /// active controller, a controller's committed offset, a Raft snapshot taken). Setup only, never
    /// inside a measurement.
    /// </summary>
    private static async Task PollAsync(Func<Task<bool>> done, TimeSpan interval, Func<string> what)
    {
        for (var clock = Stopwatch.StartNew(); ; await Task.Delay(interval))
        {
            if (await done()) return;
            if (clock.Elapsed > Bound) throw new TimeoutException($"kraft benchmark: {what()} within {Bound}");
        }
    }

    /// <summary>
    /// Creates topics of 1,000 partitions at RF 3 through the active controller (a few requests in
    /// flight) until there are this many, then waits until every node has applied them, the
    /// expected Raft snapshots are written and every broker's mailbox is drained.
    /// </summary>
    public async Task CreatePartitionsAsync(int partitions, bool expectSnapshots, string label)
    {
        var topics = (partitions + PartitionsPerTopic - 1) / PartitionsPerTopic;
        var clock = Stopwatch.StartNew();
        var created = 0;
        var lastReport = TimeSpan.Zero;
        using var window = new SemaphoreSlim(CreatesInFlight);
        var inFlight = new List<Task>();
        for (var t = 0; t < topics; t++)
        {
            await window.WaitAsync();
            var count = Math.Min(PartitionsPerTopic, partitions - t * PartitionsPerTopic);
            var name = $"bench-{t:D4}";
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    await CreateTopicAsync(name, count);
                    var done = Interlocked.Add(ref created, count);
                    if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(5))
                    {
                        lastReport = clock.Elapsed;
                        Console.Error.WriteLine($"{label}: {done:N0}/{partitions:N0} partitions created ({clock.Elapsed.TotalSeconds:0}s, " +
                                                $"{done / clock.Elapsed.TotalSeconds:N0}/s)");
                    }
                }
                finally
                {
                    window.Release();
                }
            }));
            inFlight.RemoveAll(task => task.IsCompletedSuccessfully);
            foreach (var failed in inFlight.Where(task => task.IsFaulted)) await failed;
        }
        await Task.WhenAll(inFlight);
        Console.Error.WriteLine($"{label}: {partitions:N0} partitions committed in {clock.Elapsed.TotalSeconds:0.0}s; waiting for every node to apply them");

        var end = (await ActiveAsync()).CommittedOffset;
        var brokers = BrokerIds;
        await WaitFor(() => brokers.All(b => _delivered.GetValueOrDefault(b).Offset >= end), $"every broker's observer delivering offset {end}");
        foreach (var controller in Cluster.Controllers) await AwaitCommittedAsync(controller, end, TimeSpan.FromMilliseconds(100));
        // The broker answers only after every batch before the question: its image and replicas are current.
        foreach (var broker in Cluster.Brokers) await broker.Broker!.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, AskTimeout);
        if (expectSnapshots)
        {
            foreach (var node in Cluster.Nodes.Values.OrderBy(n => n.NodeId))
                await PollAsync(async () => (await node.Raft.Ask<RaftStatus>(GetRaftStatus.Instance, AskTimeout)).LogStartOffset > 0,
                    TimeSpan.FromMilliseconds(100), () => $"node {node.NodeId} took no Raft snapshot");
        }
        await AwaitQuiescentAsync();
        Console.Error.WriteLine($"{label}: set up in {clock.Elapsed.TotalSeconds:0.0}s (metadata log end {end})");
    }

    /// <summary>
    /// Waits until no Raft node has written to its journal for a while: a snapshot's journal write
    /// (tens of MB at a million partitions) lands after the snapshot is taken, and must not land
    /// inside a measurement.
    /// </summary>
    public async Task AwaitQuiescentAsync()
    {
        var clock = Stopwatch.StartNew();
        async Task<long[]> Writes() =>
            await Task.WhenAll(Cluster.Nodes.Values.OrderBy(n => n.NodeId)
                .Select(async n => (await n.Raft.Ask<RaftStatus>(GetRaftStatus.Instance, AskTimeout)).JournalWrites));
        var before = await Writes();
        while (clock.Elapsed < Bound)
        {
            await Task.Delay(500);
            var now = await Writes();
            if (now.SequenceEqual(before)) return;
            before = now;
        }
        throw new TimeoutException($"kraft benchmark: the Raft journals kept being written for {Bound}");
    }

    /// <summary>
    /// Waits until the active controller has stayed the same for a few seconds, longer than any
    /// Raft timeout. A forced full collection of a heap of several GB stops every node at once; with
    /// short Raft timings the followers then hold an election right after it, which must not be
    /// mistaken for a failover the kill caused.
    /// </summary>
    public async Task SettleAsync()
    {
        var settle = TimeSpan.FromSeconds(3);
        var clock = Stopwatch.StartNew();
        // Every controller must still be there: a voter that stopped (a failed journal write) leaves no quorum to fail over to.
        foreach (var controller in Cluster.Controllers)
        {
            try
            {
                await controller.Controller!.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, TimeSpan.FromSeconds(30));
            }
            catch (AskTimeoutException)
            {
                throw new InvalidOperationException($"controller {controller.NodeId} does not answer (its voter or controller stopped)");
            }
        }
        var before = await ActiveAsync();
        while (clock.Elapsed < Bound)
        {
            await Task.Delay(settle);
            var now = await ActiveAsync();
            if (now.NodeId == before.NodeId && now.ActiveEpoch == before.ActiveEpoch) return;
            Console.Error.WriteLine($"controller {before.NodeId} (epoch {before.ActiveEpoch}) gave way to {now.NodeId} (epoch {now.ActiveEpoch}) " +
                                    "while the cluster was idle; waiting for a stable one");
            before = now;
        }
        throw new TimeoutException($"kraft benchmark: no controller stayed active for {settle} within {Bound}");
    }

    private async Task CreateTopicAsync(string name, int partitions)
    {
        for (var attempt = 1; ; attempt++)
        {
            var active = await ActiveAsync();
            var request = new CreateTopicsRequest(Interlocked.Increment(ref _correlation), [new CreatableTopic(name, partitions, 3)]);
            var response = await Cluster[active.NodeId].Controller!.Ask<IQuorumControllerResponse>(request, AskTimeout);
            if (response.Error == ControlError.NotController && attempt < 20) continue;
            if (response is not CreateTopicsResponse { Error: ControlError.None } created)
                throw new InvalidOperationException($"creating {name}: {response.Error}");
            var result = created.Topics.Single();
            // A retry after a failover may find the first attempt committed.
            if (result.Error != ControlError.None && !(attempt > 1 && result.Error == ControlError.TopicAlreadyExists))
                throw new InvalidOperationException($"creating {name}: {result.Error} {result.Message}");
            return;
        }
    }

    /// <summary>
    /// Terminates the active controller's node and times, from that call: a surviving voter winning
    /// the Raft election, its controller becoming active (its LeaderChange committed), that
    /// controller answering a CreateTopics sent the moment it became active (a write, so committed),
    /// and every broker's Raft observer delivering the new epoch's LeaderChange (each broker's image
    /// then names the new controller; its partition metadata never changed).
    /// </summary>
    public async Task<KraftFailover> KillActiveControllerAsync()
    {
        var before = await ActiveAsync();
        var (victim, oldEpoch) = (before.NodeId, before.ActiveEpoch);
        var brokers = BrokerIds;
        var killAt = Stopwatch.GetTimestamp();
        var kill = Cluster.KillAsync(victim).ContinueWith(_ => Stopwatch.GetTimestamp(), TaskScheduler.Default);

        ControllerElected? elected = null;
        await WaitFor(() => (elected = First<ControllerElected>(e => e.Epoch > oldEpoch && e.ControllerId != victim)) is not null,
            $"a controller active after epoch {oldEpoch}");
        var electedAt = FirstAt<ControllerElected>(e => e == elected)!.Value;
        var served = await ProbeWriteAsync(elected!.ControllerId, elected.Epoch);
        await WaitFor(() => brokers.All(b => AtEpoch(b, elected.Epoch) is not null),
            $"every broker applying epoch {elected.Epoch}'s LeaderChange", TimeSpan.FromMinutes(1));
        var terminated = await kill;

        var raftElected = FirstAt<QuorumLeaderElected>(e => e.ControllerId == elected.ControllerId && e.Epoch == elected.Epoch) ?? electedAt;
        var committed = AtEpoch(elected.ControllerId, elected.Epoch) ?? electedAt;
        long brokersAt;
        lock (_waiters) brokersAt = brokers.Max(b => AtEpoch(b, elected.Epoch)!.Value);
        double Ms(long at) => TimestampProbe.Ms(killAt, at);
        return new KraftFailover(victim, oldEpoch, elected.Epoch, elected.ControllerId, Ms(terminated), Ms(raftElected), Ms(committed), Ms(electedAt),
            Ms(served), Ms(brokersAt));
    }

    /// <summary>
    /// Restarts a killed controller on its port and data, and waits until its controller has
    /// replayed everything the active one has committed: the quorum is whole again.
    /// </summary>
    public async Task RestartControllerAsync(int nodeId)
    {
        var clock = Stopwatch.StartNew();
        var node = await Cluster.RestartControllerAsync(nodeId, BeforeRoles);
        Started(node);
        var end = (await ActiveAsync()).CommittedOffset;
        await AwaitCommittedAsync(node, end, TimeSpan.FromMilliseconds(50));
        Console.Error.WriteLine($"controller {nodeId} restarted and caught up to offset {end} in {clock.Elapsed.TotalSeconds:0.0}s");
    }

    private static async Task AwaitCommittedAsync(KraftNode controller, long end, TimeSpan interval)
    {
        var at = -1L;
        await PollAsync(async () => (at = (await controller.Controller!.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, AskTimeout)).CommittedOffset) >= end,
            interval, () => $"controller {controller.NodeId} stuck at {at}, below {end}");
    }

    /// <summary>When the node's Raft replica first delivered a LeaderChange (or a snapshot) of this epoch or a later one.</summary>
    private long? AtEpoch(int node, int epoch)
    {
        lock (_waiters)
        {
            var times = _leaderChangeApplied.Where(e => e.Key.Node == node && e.Key.Epoch >= epoch).Select(e => e.Value).ToArray();
            return times.Length == 0 ? null : times.Min();
        }
    }

    /// <summary>A one-partition CreateTopics to the new controller; the time its answer (sent at commit) arrived.</summary>
    private async Task<long> ProbeWriteAsync(int controllerId, int epoch)
    {
        var request = new CreateTopicsRequest(Interlocked.Increment(ref _correlation), [new CreatableTopic($"failover-probe-{epoch}", 1, 3)]);
        var response = await Cluster[controllerId].Controller!.Ask<IQuorumControllerResponse>(request, AskTimeout);
        var at = Stopwatch.GetTimestamp();
        if (response is not CreateTopicsResponse { Error: ControlError.None } created || created.Topics.Single().Error != ControlError.None)
            throw new InvalidOperationException($"the new controller {controllerId} did not serve the probe write: {response}");
        return at;
    }

    /// <summary>
    /// Starts a new broker node with a fresh id and data directory and times, from the start of its
    /// node (ActorSystem and cluster join included): its roles starting, its observer installing
    /// the leader's snapshot (when the log it needs was compacted), its registration, the
    /// controller saying it has caught up, and its unfencing.
    /// </summary>
    public async Task<KraftCatchUp> JoinBrokerAsync(int brokerId)
    {
        var startAt = Stopwatch.GetTimestamp();
        var node = await Cluster.StartBrokerAsync(brokerId, BeforeRoles);
        Started(node);
        await WaitFor(() => Has<BrokerUnfenced>(u => u.BrokerId == brokerId) && Has<MetadataCaughtUp>(c => c.BrokerId == brokerId),
            $"broker {brokerId} caught up and unfenced");
        double Since(long? at) => at is { } t ? TimestampProbe.Ms(startAt, t) : -1;
        lock (_waiters)
        {
            var snapshot = _snapshotLoaded.TryGetValue(brokerId, out var s) ? s : default;
            var caughtUp = First<MetadataCaughtUp>(c => c.BrokerId == brokerId)!;
            var registration = First<BrokerRegistered>(r => r.BrokerId == brokerId)!.BrokerEpoch;
            // Its observer has fetched and committed the log up to its own registration: the rest is the broker's replay.
            var fetched = _progress[brokerId].First(p => p.Offset >= registration).At;
            return new KraftCatchUp(Since(_rolesStarted[brokerId]), snapshot.At == 0 ? -1 : Since(snapshot.At),
                Since(FirstAt<BrokerRegistered>(r => r.BrokerId == brokerId)), Since(fetched), Since(FirstAt<MetadataCaughtUp>(c => c.BrokerId == brokerId)),
                Since(FirstAt<BrokerUnfenced>(u => u.BrokerId == brokerId)), snapshot.Bytes, snapshot.EndOffset,
                _delivered.GetValueOrDefault(brokerId).Batches, caughtUp.Offset);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
