using ActorKafka.Raft;

namespace ActorKafka.Raft.Tests.Simulation;

/// <summary>
/// A deterministic cluster of <see cref="RaftCore"/>s: virtual time, one seeded random source, an
/// in-memory network that delays, drops, duplicates, reorders and partitions, disks that flush
/// late, crashes that lose whatever was not flushed. The invariants run after every event.
/// </summary>
internal sealed partial class SimCluster
{
    private readonly PriorityQueue<Action, (long Time, long Seq)> _events = new();
    private readonly HashSet<(int, int)> _cut = new();
    private long _eventSeq;
    private long _nextProposal;

    public SimCluster(int seed, SimOptions options)
    {
        Seed = seed;
        Options = options;
        Random = new Random(seed);
        for (var id = 1; id <= options.Voters + options.Observers; id++) Nodes[id] = new SimNode(id, id <= options.Voters);
        foreach (var node in Nodes.Values) Start(node);
        StartTicking();
    }

    public int Seed { get; }
    public SimOptions Options { get; }
    public Random Random { get; }
    public long Now { get; private set; }
    public long Steps { get; private set; }
    public SortedDictionary<int, SimNode> Nodes { get; } = new();
    public double DropRate { get; set; }
    public double DuplicateRate { get; set; }
    public long Acknowledged { get; private set; }
    public List<string> Trace { get; } = new();

    public IEnumerable<SimNode> Live => Nodes.Values.Where(n => n.Up);

    public SimNode? Leader => Live.Where(n => n.Core!.Role == RaftRole.Leader).OrderByDescending(n => n.Core!.Epoch).FirstOrDefault();

    private void At(long time, Action action) => _events.Enqueue(action, (Math.Max(time, Now), _eventSeq++));

    private void StartTicking() => At(Now + Options.TickMs, TickAll);

    private void TickAll()
    {
        foreach (var node in Live.ToList())
        {
            node.Core!.Tick(Now);
            Process(node);
        }
        At(Now + Options.TickMs, TickAll);
    }

    /// <summary>Runs events until <paramref name="until"/> holds or <paramref name="timeoutMs"/> of virtual time pass.</summary>
    public bool RunUntil(Func<bool> until, long timeoutMs)
    {
        var deadline = Now + timeoutMs;
        while (!until())
        {
            if (!_events.TryPeek(out _, out var key) || key.Time > deadline)
            {
                Now = deadline;
                return until();
            }
            _events.Dequeue().Invoke();
            Now = key.Time;
            Steps++;
        }
        return true;
    }

    public void RunFor(long ms) => RunUntil(() => false, ms);

    // ---- node lifecycle ------------------------------------------------------------------------

    private void Start(SimNode node)
    {
        node.ResetVolatile();
        node.Core = new RaftCore(Options.CoreConfig(node.Id), node.Disk.Copy(), Now, new Random(Random.Next()));
        node.LastDurableEpoch = Math.Max(node.LastDurableEpoch, node.Disk.Quorum.Epoch);
        Process(node);
    }

    public void Crash(int id)
    {
        var node = Nodes[id];
        if (!node.Up) return;
        Log($"crash {id} (losing {node.Unflushed.Sum(u => u.Ops.Count)} unflushed writes)");
        node.ResetVolatile();
    }

    public void Restart(int id)
    {
        var node = Nodes[id];
        if (node.Up) return;
        Log($"restart {id}");
        Start(node);
    }

    public void Partition(IEnumerable<int> side)
    {
        var a = side.ToHashSet();
        Log($"partition [{string.Join(",", a.Order())}] from the rest");
        foreach (var x in Nodes.Keys)
            foreach (var y in Nodes.Keys)
                if (a.Contains(x) != a.Contains(y)) _cut.Add((x, y));
    }

    public void Isolate(int id) => Partition(new[] { id });

    public void Heal()
    {
        Log("heal");
        _cut.Clear();
    }

    public void SetSlowDisk(int id, bool slow) => Nodes[id].SlowDisk = slow;

    public void HintLeaderUnreachable(int id)
    {
        var node = Nodes[id];
        if (node.Core?.LeaderId is not int leader) return;
        node.Core.LeaderUnreachable(leader, Now);
        Process(node);
    }

    // ---- the client ----------------------------------------------------------------------------

    /// <summary>Proposes a unique record to every node that believes it leads (stale leaders included).</summary>
    public void ProposeToLeaders()
    {
        foreach (var node in Live.Where(n => n.Core!.Role == RaftRole.Leader).ToList())
        {
            var id = ++_nextProposal;
            var record = BitConverter.GetBytes(id);
            if (node.Core!.Propose(new[] { record }, Now) is ProposeResult.Appended a) node.Proposals.Add(a.Offset, a.Epoch, id);
            Process(node);
        }
    }

    // ---- the shell: persist, then send --------------------------------------------------------

    private void Process(SimNode node)
    {
        while (node.Up)
        {
            var core = node.Core!;
            var ready = core.TakeReady();
            if (ready.IsEmpty) break;
            CheckReady(node, ready);
            if (ready.Persist.Count > 0)
            {
                node.Unflushed.Add((ready.Seq, ready.Persist));
                node.LastPersistSeq = ready.Seq;
                ScheduleFlush(node);
            }
            if (ready.LoadSnapshot is not null) LoadSnapshot(node, ready.LoadSnapshot);
            foreach (var entry in ready.Committed) Apply(node, entry);
            foreach (var (_, committed, _) in node.Proposals.Settle(ready))
                if (committed) Acknowledged++;
            foreach (var message in ready.Messages)
            {
                if (message.AfterPersist && node.LastPersistSeq > node.DurableSeq) node.Held.Add((node.LastPersistSeq, message));
                else Transmit(node.Id, message);
            }
            MaybeSnapshot(node);
        }
        if (node.Up) CheckNode(node);
    }

    private void ScheduleFlush(SimNode node)
    {
        if (node.FlushScheduled) return;
        node.FlushScheduled = true;
        var generation = node.Generation;
        var delay = node.SlowDisk ? Options.SlowDiskMs : Options.MinDiskMs + Random.NextInt64(Options.MaxDiskMs - Options.MinDiskMs + 1);
        At(Now + delay, () =>
        {
            if (node.Generation != generation) return;
            node.FlushScheduled = false;
            // Group commit: everything queued by now goes down in one write.
            var batch = node.Unflushed.ToList();
            node.Unflushed.Clear();
            CheckFlushed(node, batch.SelectMany(b => b.Ops));
            foreach (var op in batch.SelectMany(b => b.Ops)) node.Disk.Apply(op);
            node.DurableSeq = batch[^1].Seq;
            node.LastDurableEpoch = CheckDurableEpoch(node);
            node.Core!.OnDurable(node.DurableSeq);
            foreach (var held in node.Held.Where(h => h.DependsOn <= node.DurableSeq).ToList())
            {
                node.Held.Remove(held);
                Transmit(node.Id, held.Message);
            }
            Process(node);
            if (node.Unflushed.Count > 0) ScheduleFlush(node);
        });
    }

    private void Transmit(int from, Outgoing message)
    {
        var copies = Random.NextDouble() < DuplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            if (_cut.Contains((from, message.To)) || Random.NextDouble() < DropRate) continue;
            var delay = Options.MinLatencyMs + Random.NextInt64(Options.MaxLatencyMs - Options.MinLatencyMs + 1);
            At(Now + delay, () =>
            {
                var target = Nodes[message.To];
                if (!target.Up || _cut.Contains((from, message.To))) return;
                target.Core!.Handle(from, message.Message, Now);
                Process(target);
            });
        }
    }

    private void Apply(SimNode node, LogEntry entry)
    {
        if (entry.Offset != node.AppliedEnd)
            Fail($"node {node.Id} was handed committed offset {entry.Offset} but had applied up to {node.AppliedEnd}");
        CheckCommitted(node, entry);
        node.StateHash = SimNode.Mix(node.StateHash, entry);
        node.AppliedEnd = entry.Offset + 1;
        node.AppliedSinceSnapshot++;
    }

    private void LoadSnapshot(SimNode node, RaftSnapshot snapshot)
    {
        var hash = BitConverter.ToUInt64(snapshot.Data);
        if (!snapshot.Data.AsSpan().SequenceEqual(SnapshotBytes(hash))) Fail($"node {node.Id} loaded a snapshot whose bytes were mangled in transfer");
        CheckSnapshot(node, snapshot, hash);
        node.StateHash = hash;
        node.AppliedEnd = snapshot.Id.Offset;
        node.AppliedSinceSnapshot = 0;
    }

    private void MaybeSnapshot(SimNode node)
    {
        if (Options.SnapshotEvery <= 0 || node.AppliedSinceSnapshot < Options.SnapshotEvery) return;
        var error = node.Core!.TakeSnapshot(node.AppliedEnd, SnapshotBytes(node.StateHash), Now);
        if (error is not null) Fail($"node {node.Id} could not snapshot at {node.AppliedEnd}: {error}");
        node.AppliedSinceSnapshot = 0;
        RecordSnapshotHash(node.AppliedEnd, node.StateHash);
    }

    /// <summary>The state hash, then filler derived from it: several fetch chunks long, and any misplaced chunk changes it.</summary>
    private static byte[] SnapshotBytes(ulong hash)
    {
        var data = new byte[8 + 150];
        BitConverter.TryWriteBytes(data, hash);
        for (var i = 8; i < data.Length; i++) data[i] = (byte)(hash >> (i % 8 * 8) ^ (ulong)i);
        return data;
    }

    public void Log(string line)
    {
        Trace.Add($"t={Now} {line}");
        if (Trace.Count > 200) Trace.RemoveAt(0);
    }
}
