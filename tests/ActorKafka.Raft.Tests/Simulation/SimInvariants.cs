using ActorKafka.Raft;

namespace ActorKafka.Raft.Tests.Simulation;

public sealed class SimulationFailure(string message) : Exception(message);

/// <summary>
/// The safety properties of shared/REFERENCE.md §5, checked after every event: SingleLeader,
/// MonotonicEpoch, MonotonicHighWatermark, MajorityReachedHighWatermark, log matching, leader
/// completeness, ConsistentCommittedData, SnapshotAtLogStart, LeaderNeverLoadSnapshot, and one vote
/// per epoch on disk.
/// </summary>
internal sealed partial class SimCluster
{
    private const int LogMatchingEverySteps = 400;
    private readonly Dictionary<int, int> _leaderOfEpoch = new();
    private readonly Dictionary<long, LogEntry> _committed = new();
    private readonly Dictionary<long, ulong> _hashAt = new();
    private readonly Dictionary<(long, int), LogEntry> _entries = new();
    private readonly Dictionary<(int Node, int Epoch), int> _durableVote = new();
    private long _lastLogMatchingCheck;

    public long CommittedEnd { get; private set; }

    public void Fail(string message)
    {
        var trace = string.Join("\n", Trace.TakeLast(30));
        throw new SimulationFailure(
            $"Raft simulation seed {Seed} failed at t={Now}ms, step {Steps}: {message}\n" +
            $"replay: ACTORKAFKA_RAFT_SEED={Seed} dotnet test tests/ActorKafka.Raft.Tests --filter RaftSimulation\n" +
            $"nodes: {string.Join("; ", Nodes.Values.Select(Describe))}\nlast events:\n{trace}");
    }

    public static string Describe(SimNode n) => n.Core is not RaftCore c
        ? $"{n.Id}: down (disk epoch {n.Disk.Quorum.Epoch}, end {n.Disk.EndOffset})"
        : $"{n.Id}: {c.Role} epoch {c.Epoch} leader {c.LeaderId?.ToString() ?? "-"} voted {c.VotedFor?.ToString() ?? "-"} log [{c.LogStartOffset},{c.LogEndOffset}) hw {c.HighWatermark}";

    private void CheckReady(SimNode node, Ready ready)
    {
        if (ready.LoadSnapshot is not null && node.Core!.Role == RaftRole.Leader)
            Fail($"LeaderNeverLoadSnapshot: leader {node.Id} loaded snapshot {ready.LoadSnapshot.Id}");
    }

    /// <summary>
    /// Log matching per entry, on what reaches a disk: one leader per epoch means one entry per
    /// (offset, epoch) anywhere. Entries a crash discarded before they were written or sent are exempt.
    /// </summary>
    private void CheckFlushed(SimNode node, IEnumerable<IPersistOp> ops)
    {
        foreach (var op in ops)
        {
            if (op is not EntriesAppended appended) continue;
            foreach (var entry in appended.Entries)
            {
                if (_entries.TryGetValue((entry.Offset, entry.Epoch), out var known))
                {
                    if (!known.SameAs(entry)) Fail($"log matching: node {node.Id} wrote a different entry at offset {entry.Offset} epoch {entry.Epoch}");
                }
                else _entries[(entry.Offset, entry.Epoch)] = entry;
            }
        }
    }

    private void CheckNode(SimNode node)
    {
        var core = node.Core!;
        if (core.Role == RaftRole.Leader)
        {
            if (_leaderOfEpoch.TryGetValue(core.Epoch, out var other) && other != node.Id)
                Fail($"SingleLeader: nodes {other} and {node.Id} both led epoch {core.Epoch}");
            _leaderOfEpoch[core.Epoch] = node.Id;
            if (node.LastRole != RaftRole.Leader)
            {
                Log($"node {node.Id} leads epoch {core.Epoch} from offset {core.LogEndOffset - 1}");
                CheckLeaderCompleteness(node);
            }
            CheckMajorityReachedHighWatermark(node);
        }
        if (core.Epoch < node.LastEpoch) Fail($"MonotonicEpoch: node {node.Id} went from epoch {node.LastEpoch} to {core.Epoch}");
        if (core.HighWatermark < node.LastHighWatermark)
            Fail($"MonotonicHighWatermark: node {node.Id} went from {node.LastHighWatermark} to {core.HighWatermark}");
        if (core.LogStartOffset != (core.Snapshot?.Id.Offset ?? 0))
            Fail($"SnapshotAtLogStart: node {node.Id} starts its log at {core.LogStartOffset} but its snapshot ends at {core.Snapshot?.Id.Offset ?? 0}");
        if (core.HighWatermark > core.LogEndOffset) Fail($"node {node.Id} has high watermark {core.HighWatermark} beyond its log end {core.LogEndOffset}");
        node.LastEpoch = core.Epoch;
        node.LastHighWatermark = core.HighWatermark;
        node.LastRole = core.Role;
        if (Steps - _lastLogMatchingCheck >= LogMatchingEverySteps)
        {
            _lastLogMatchingCheck = Steps;
            CheckLogMatching();
        }
    }

    private void CheckLeaderCompleteness(SimNode node)
    {
        var log = node.Core!.Log;
        for (var offset = log.StartOffset; offset < CommittedEnd; offset++)
        {
            if (!_committed.TryGetValue(offset, out var committed)) continue;
            if (!log.Contains(offset) || !log[offset].SameAs(committed))
                Fail($"leader completeness: new leader {node.Id} (epoch {node.Core.Epoch}) lacks committed offset {offset}");
        }
    }

    private void CheckMajorityReachedHighWatermark(SimNode leader)
    {
        var hw = leader.Core!.HighWatermark;
        if (hw == 0) return;
        var log = leader.Core.Log;
        var epoch = log.EpochAt(hw - 1);
        var holders = 0;
        foreach (var node in Nodes.Values.Where(n => n.Voter))
        {
            var disk = node.Disk;
            if (disk.StartOffset >= hw) holders++;
            else if (hw - 1 >= disk.StartOffset && hw - 1 < disk.EndOffset && disk.Entries[(int)(hw - 1 - disk.StartOffset)].Epoch == epoch) holders++;
        }
        if (holders < Options.CoreConfig(leader.Id).Majority)
            Fail($"MajorityReachedHighWatermark: leader {leader.Id} has high watermark {hw} but only {holders} voters hold offset {hw - 1} on disk");
    }

    private void CheckCommitted(SimNode node, LogEntry entry)
    {
        if (_committed.TryGetValue(entry.Offset, out var known))
        {
            if (!known.SameAs(entry))
                Fail($"ConsistentCommittedData: node {node.Id} committed epoch {entry.Epoch} at offset {entry.Offset}, others epoch {known.Epoch}");
        }
        else _committed[entry.Offset] = entry;
        CommittedEnd = Math.Max(CommittedEnd, entry.Offset + 1);
        var hash = SimNode.Mix(node.StateHash, entry);
        if (_hashAt.TryGetValue(entry.Offset + 1, out var expected) && expected != hash)
            Fail($"ConsistentCommittedData: node {node.Id}'s state after offset {entry.Offset} differs from another node's");
        _hashAt[entry.Offset + 1] = hash;
    }

    private void CheckSnapshot(SimNode node, RaftSnapshot snapshot, ulong hash)
    {
        if (_hashAt.TryGetValue(snapshot.Id.Offset, out var expected) && expected != hash)
            Fail($"node {node.Id} loaded snapshot {snapshot.Id} whose state differs from the committed log's");
    }

    private void RecordSnapshotHash(long offset, ulong hash)
    {
        if (_hashAt.TryGetValue(offset, out var expected) && expected != hash) Fail($"snapshot at {offset} differs from the committed state");
        _hashAt[offset] = hash;
    }

    /// <summary>MonotonicEpoch on disk, and a vote once written stays the vote of that epoch.</summary>
    private int CheckDurableEpoch(SimNode node)
    {
        var q = node.Disk.Quorum;
        if (q.Epoch < node.LastDurableEpoch) Fail($"MonotonicEpoch: node {node.Id} wrote epoch {q.Epoch} after {node.LastDurableEpoch}");
        if (q.VotedFor is int vote)
        {
            if (_durableVote.TryGetValue((node.Id, q.Epoch), out var earlier) && earlier != vote)
                Fail($"node {node.Id} voted for {earlier} and then {vote} in epoch {q.Epoch}");
            _durableVote[(node.Id, q.Epoch)] = vote;
        }
        return q.Epoch;
    }

    /// <summary>Log matching: two logs with the same epoch at an offset agree on everything before it.</summary>
    public void CheckLogMatching()
    {
        var logs = Live.Select(n => (n.Id, n.Core!.Log)).ToList();
        for (var i = 0; i < logs.Count; i++)
            for (var j = i + 1; j < logs.Count; j++)
            {
                var (a, la) = logs[i];
                var (b, lb) = logs[j];
                var start = Math.Max(la.StartOffset, lb.StartOffset);
                var end = Math.Min(la.EndOffset, lb.EndOffset);
                var match = end - 1;
                while (match >= start && la[match].Epoch != lb[match].Epoch) match--;
                for (var o = start; o <= match; o++)
                    if (!la[o].SameAs(lb[o])) Fail($"log matching: nodes {a} and {b} agree at offset {match} but differ at {o}");
            }
    }
}
