using System.Text;
using ActorKafka.Raft.Tests.Infrastructure;
using Akka.Actor;
using Akka.TestKit;

namespace ActorKafka.Raft.Tests.Actor;

/// <summary>
/// KIP-630 snapshots through the voter actors: three voters (and an observer) in their own
/// ActorSystems over loopback, each on its own SQLite file. The state machine is a list of texts;
/// its snapshot is that list, so what a subscriber rebuilds can be compared entry for entry.
/// </summary>
public sealed class SnapshotTests : RaftClusterSpec
{
    [Fact]
    public async Task Snapshots_move_the_log_start_and_restarted_voters_recover_the_snapshot_plus_the_log_tail_exactly()
    {
        // Small thresholds: SnapshotDue after 6 committed entries, and the journal itself is compacted into
        // an Akka snapshot every 4 writes, so recovery starts from a journal snapshot that holds the Raft snapshot.
        await using var cluster = RaftTestCluster.Start(3, extra: "actorkafka.raft { snapshot-every-entries = 6, journal-snapshot-every = 4 }");
        var leader = AwaitLeader(cluster);
        var machines = cluster.Voters.Keys.ToDictionary(id => id, id => Subscribe(cluster, id));
        var first = Texts("c", 10);
        foreach (var text in first) Commit(cluster, leader, text);

        var snapshots = new Dictionary<int, OffsetAndEpoch>();
        foreach (var (id, machine) in machines)
        {
            machine.RunUntil(() => machine.Due is not null);
            Assert.Equal(machine.Due!.HighWatermark, machine.AppliedEnd);
            snapshots[id] = TakeSnapshot(cluster, id, machine);
            machine.RunUntil(() => machine.Texts.Count == first.Count);
            Assert.Equal(first, machine.Texts);
            var status = Status(cluster, id);
            Assert.Equal(snapshots[id].Offset, status.LogStartOffset);
            Assert.True(status.LogStartOffset >= 6, $"node {id}: log start {status.LogStartOffset} did not move past the snapshotted entries");
        }
        // Below the log start a snapshot is refused, as is one above what was committed.
        var rejecter = CreateTestProbe();
        cluster.Voters[leader].Tell(new TakeSnapshot(snapshots[leader].Offset, Array.Empty<byte>()), rejecter.Ref);
        rejecter.ExpectMsg<SnapshotRejected>(Bound);
        cluster.Voters[leader].Tell(new TakeSnapshot(Status(cluster, leader).HighWatermark + 1, Array.Empty<byte>()), rejecter.Ref);
        rejecter.ExpectMsg<SnapshotRejected>(Bound);

        var tail = Texts("t", 5);
        foreach (var text in tail) Commit(cluster, leader, text);
        var follower = cluster.Voters.Keys.First(id => id != leader);
        AwaitCaughtUp(cluster, follower, leader);
        await cluster.KillAsync(follower);
        var whileDown = Texts("w", 3);
        foreach (var text in whileDown) Commit(cluster, leader, text);
        cluster.Restart(follower);
        AwaitCaughtUp(cluster, follower, leader);

        var all = first.Concat(tail).Concat(whileDown).ToList();
        var recovered = Subscribe(cluster, follower);
        recovered.RunUntil(() => recovered.Texts.Count == all.Count);
        Assert.Equal(all, recovered.Texts);
        Assert.Equal(snapshots[follower], Assert.Single(recovered.Loaded).Id);
        Assert.Equal(snapshots[follower].Offset, Status(cluster, follower).LogStartOffset);

        // Every node down at once, then back: each recovers its own snapshot and the entries after it.
        foreach (var id in cluster.Voters.Keys) AwaitCaughtUp(cluster, id, leader);
        foreach (var id in cluster.Voters.Keys.ToList()) await cluster.KillAsync(id);
        foreach (var id in new[] { 1, 2, 3 }) cluster.Restart(id);
        var next = AwaitLeader(cluster);
        Commit(cluster, next, "after-restart");
        all.Add("after-restart");
        foreach (var id in new[] { 1, 2, 3 })
        {
            AwaitCaughtUp(cluster, id, next);
            var machine = Subscribe(cluster, id);
            machine.RunUntil(() => machine.Texts.Count == all.Count);
            Assert.Equal(all, machine.Texts);
            Assert.Equal(snapshots[id], Assert.Single(machine.Loaded).Id);
            Assert.Equal(snapshots[id].Offset, Status(cluster, id).LogStartOffset);
        }
    }

    [Fact]
    public async Task A_lagging_voter_and_a_wiped_observer_below_the_leaders_log_start_catch_up_through_FetchSnapshot()
    {
        await using var cluster = RaftTestCluster.Start(3, observers: 1);
        const int observer = 4;
        var leader = AwaitLeader(cluster);
        var lagging = cluster.Voters.Keys.First(id => id != leader && id <= cluster.VoterCount);
        var early = Texts("a", 3);
        foreach (var text in early) Commit(cluster, leader, text);
        AwaitCaughtUp(cluster, lagging, leader);
        AwaitCaughtUp(cluster, observer, leader);
        var laggingEnd = Status(cluster, lagging).LogEndOffset;
        await cluster.KillAsync(lagging);
        await cluster.WipeAsync(observer);

        var more = Texts("b", 6);
        foreach (var text in more) Commit(cluster, leader, text);
        var leaderMachine = Subscribe(cluster, leader);
        leaderMachine.RunUntil(() => leaderMachine.Texts.Count == early.Count + more.Count);
        var snapshot = TakeSnapshot(cluster, leader, leaderMachine);
        Assert.Equal(snapshot.Offset, Status(cluster, leader).LogStartOffset);
        Assert.True(laggingEnd < snapshot.Offset, $"the lagging voter's log end {laggingEnd} must be below the leader's log start {snapshot.Offset}");

        var tail = Texts("c", 3);
        foreach (var text in tail) Commit(cluster, leader, text);
        var all = early.Concat(more).Concat(tail).ToList();

        cluster.Restart(lagging);
        cluster.Restart(observer);
        var catchingUp = new[] { lagging, observer }.ToDictionary(id => id, id => Subscribe(cluster, id));
        foreach (var (id, machine) in catchingUp)
        {
            machine.RunUntil(() => machine.Texts.Count == all.Count);
            Assert.Equal(all, machine.Texts);
            Assert.Equal(snapshot, Assert.Single(machine.Loaded).Id);
            AwaitCaughtUp(cluster, id, leader);
            Assert.Equal(snapshot.Offset, Status(cluster, id).LogStartOffset);
        }
        var observerStatus = Status(cluster, observer);
        Assert.Equal((RaftRole.Follower, (int?)leader, (int?)null), (observerStatus.Role, observerStatus.LeaderId, observerStatus.VotedFor));

        // Caught up through the snapshot, both keep following the live log.
        Commit(cluster, leader, "live");
        foreach (var machine in catchingUp.Values)
        {
            machine.RunUntil(() => machine.Texts.Count == all.Count + 1);
            Assert.Equal("live", machine.Texts[^1]);
        }
    }

    private static List<string> Texts(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}{i}").ToList();

    private StateMachine Subscribe(RaftTestCluster cluster, int id)
    {
        var machine = new StateMachine(CreateTestProbe());
        cluster.Voters[id].Tell(new SubscribeCommitted(machine.Probe.Ref));
        return machine;
    }

    /// <summary>The state machine snapshots everything it has applied; the voter must accept it at exactly that offset.</summary>
    private OffsetAndEpoch TakeSnapshot(RaftTestCluster cluster, int id, StateMachine machine)
    {
        var client = CreateTestProbe();
        cluster.Voters[id].Tell(new TakeSnapshot(machine.AppliedEnd, StateMachine.Encode(machine.Texts)), client.Ref);
        var accepted = client.ExpectMsg<SnapshotAccepted>(Bound);
        Assert.Equal(machine.AppliedEnd, accepted.Id.Offset);
        return accepted.Id;
    }

    private void AwaitCaughtUp(RaftTestCluster cluster, int id, int leader) => AwaitAssert(() =>
    {
        var mine = Status(cluster, id);
        var theirs = Status(cluster, leader);
        Assert.Equal((theirs.HighWatermark, theirs.LogEndOffset), (mine.HighWatermark, mine.LogEndOffset));
    }, Bound, TimeSpan.FromMilliseconds(50));

    /// <summary>A subscriber that applies what its voter delivers, checking that batches arrive gap-free and in order.</summary>
    private sealed class StateMachine(TestProbe probe)
    {
        public TestProbe Probe { get; } = probe;
        public List<string> Texts { get; private set; } = new();
        public List<RaftSnapshot> Loaded { get; } = new();
        public long AppliedEnd { get; private set; }
        public SnapshotDue? Due { get; private set; }

        public static byte[] Encode(List<string> texts) => Encoding.UTF8.GetBytes(string.Join("\n", texts));

        private static List<string> Decode(byte[] data) =>
            data.Length == 0 ? new List<string>() : Encoding.UTF8.GetString(data).Split('\n').ToList();

        public void RunUntil(Func<bool> done)
        {
            while (!done()) Apply(Probe.FishForMessage(m => m is CommittedBatch or LoadSnapshot or SnapshotDue, Bound));
        }

        private void Apply(object message)
        {
            switch (message)
            {
                case LoadSnapshot l:
                    Loaded.Add(l.Snapshot);
                    Texts = Decode(l.Snapshot.Data);
                    AppliedEnd = l.Snapshot.Id.Offset;
                    break;
                case CommittedBatch b:
                    Assert.Equal(AppliedEnd, b.Offset);
                    AppliedEnd = b.Offset + 1;
                    if (b.Type == EntryType.Data) Texts.Add(Encoding.UTF8.GetString(b.Records[0]));
                    break;
                case SnapshotDue d:
                    Due = d;
                    break;
            }
        }
    }
}
