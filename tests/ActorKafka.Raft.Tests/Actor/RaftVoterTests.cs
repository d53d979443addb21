using ActorKafka.Raft.Tests.Infrastructure;
using Akka.Actor;

namespace ActorKafka.Raft.Tests.Actor;

/// <summary>Three voters in three ActorSystems over loopback remoting, each durable on its own SQLite file.</summary>
public sealed class RaftVoterTests : RaftClusterSpec
{
    [Fact]
    public async Task Voters_elect_a_leader_and_replicate_committed_batches_to_every_node_in_order()
    {
        await using var cluster = RaftTestCluster.Start(3);
        var leader = AwaitLeader(cluster);
        var probes = cluster.Voters.Keys.ToDictionary(id => id, _ => CreateTestProbe());
        foreach (var (id, probe) in probes) cluster.Voters[id].Tell(new SubscribeCommitted(probe.Ref));
        var offsets = Enumerable.Range(0, 20).Select(i => Commit(cluster, leader, $"r{i}").Offset).ToList();
        Assert.Equal(offsets.Order(), offsets);
        var expected = Enumerable.Range(0, 20).Select(i => $"r{i}").ToList();
        foreach (var probe in probes.Values) Assert.Equal(expected, Collect(probe, 20));
    }

    [Fact]
    public async Task A_follower_rejects_a_proposal_with_NotLeader_and_the_leader_refuses_empty_and_oversized_ones()
    {
        await using var cluster = RaftTestCluster.Start(3);
        var leader = AwaitLeader(cluster);
        var follower = cluster.Voters.Keys.First(id => id != leader);
        var rejected = Assert.IsType<ProposalRejected>(Propose(cluster, follower, "misdirected"));
        Assert.Equal(RaftError.NotLeader, rejected.Error);
        Assert.Equal(leader, rejected.LeaderId);
        Assert.EndsWith($"/user/raft-voter-{leader}", rejected.LeaderPath);
        var client = CreateTestProbe();
        cluster.Voters[leader].Tell(new Propose(7, Array.Empty<byte[]>()), client.Ref);
        var empty = client.ExpectMsg<ProposalRejected>(Bound);
        Assert.Equal((7L, RaftError.InvalidRequest), (empty.RequestId, empty.Error));
        // An entry crosses the network whole in a fetch response: one larger than max-fetch-bytes could never be replicated.
        cluster.Voters[leader].Tell(new Propose(8, [new byte[600 * 1024], new byte[600 * 1024]]), client.Ref);
        var oversized = client.ExpectMsg<ProposalRejected>(Bound);
        Assert.Equal((8L, RaftError.RecordBatchTooLarge), (oversized.RequestId, oversized.Error));
        Assert.Contains("max-fetch-bytes", oversized.Reason);
    }

    [Fact]
    public async Task Killing_the_leader_elects_a_new_one_in_a_newer_epoch_that_keeps_every_committed_batch()
    {
        await using var cluster = RaftTestCluster.Start(3);
        var first = AwaitLeader(cluster);
        var epoch = Status(cluster, first).Epoch;
        for (var i = 0; i < 5; i++) Commit(cluster, first, $"before-{i}");
        await cluster.KillAsync(first);
        var second = AwaitLeader(cluster, not: first);
        Assert.True(Status(cluster, second).Epoch > epoch);
        Commit(cluster, second, "after");
        var probe = CreateTestProbe();
        cluster.Voters[second].Tell(new SubscribeCommitted(probe.Ref));
        Assert.Equal(new[] { "before-0", "before-1", "before-2", "before-3", "before-4", "after" }, Collect(probe, 6));
    }

    [Fact]
    public async Task A_restarted_voter_recovers_its_log_and_catches_up()
    {
        await using var cluster = RaftTestCluster.Start(3);
        var leader = AwaitLeader(cluster);
        var follower = cluster.Voters.Keys.First(id => id != leader);
        Commit(cluster, leader, "one");
        await cluster.KillAsync(follower);
        for (var i = 0; i < 10; i++) Commit(cluster, leader, $"while-down-{i}");
        cluster.Restart(follower);
        AwaitAssert(() =>
        {
            var mine = Status(cluster, follower);
            var theirs = Status(cluster, leader);
            Assert.Equal(theirs.HighWatermark, mine.HighWatermark);
            Assert.Equal(theirs.LogEndOffset, mine.LogEndOffset);
        }, Bound, TimeSpan.FromMilliseconds(50));
        var probe = CreateTestProbe();
        cluster.Voters[follower].Tell(new SubscribeCommitted(probe.Ref));
        Assert.Equal(new[] { "one" }.Concat(Enumerable.Range(0, 10).Select(i => $"while-down-{i}")), Collect(probe, 11));
    }

    [Fact]
    public async Task Killing_every_voter_and_restarting_them_recovers_every_committed_batch()
    {
        await using var cluster = RaftTestCluster.Start(3);
        var leader = AwaitLeader(cluster);
        var committed = Enumerable.Range(0, 15).Select(i => $"durable-{i}").ToList();
        foreach (var text in committed) Commit(cluster, leader, text);
        foreach (var id in cluster.Voters.Keys.ToList()) await cluster.KillAsync(id);
        foreach (var id in new[] { 1, 2, 3 }) cluster.Restart(id);
        var next = AwaitLeader(cluster);
        Commit(cluster, next, "after-restart");
        foreach (var id in new[] { 1, 2, 3 })
        {
            var probe = CreateTestProbe();
            cluster.Voters[id].Tell(new SubscribeCommitted(probe.Ref));
            Assert.Equal(committed.Append("after-restart"), Collect(probe, 16));
        }
    }

    [Fact]
    public async Task A_paused_leader_is_replaced_and_its_writes_are_fenced_by_the_newer_epoch()
    {
        await using var cluster = RaftTestCluster.Start(3);
        var zombie = AwaitLeader(cluster);
        Commit(cluster, zombie, "before-pause");
        cluster.Voters[zombie].Tell(PauseVoter.Instance);
        var successor = -1;
        AwaitAssert(() =>
        {
            var others = cluster.Voters.Keys.Where(id => id != zombie).Select(id => Status(cluster, id)).ToList();
            var leader = Assert.Single(others, s => s.Role == RaftRole.Leader);
            successor = leader.NodeId;
        }, Bound, TimeSpan.FromMilliseconds(50));
        Commit(cluster, successor, "new-epoch");

        // The zombie's client still believes in it: the write queues behind the pause, then meets the newer epoch.
        var client = CreateTestProbe();
        cluster.Voters[zombie].Tell(new Propose(99, new[] { "zombie-write"u8.ToArray() }), client.Ref);
        cluster.Voters[zombie].Tell(ResumeVoter.Instance);
        var rejected = client.ExpectMsg<ProposalRejected>(Bound);
        Assert.Contains(rejected.Error, new[] { RaftError.NotLeader, RaftError.FencedLeaderEpoch });
        AwaitLeader(cluster);
        Commit(cluster, successor, "after-resume");

        var probe = CreateTestProbe();
        cluster.Voters[zombie].Tell(new SubscribeCommitted(probe.Ref));
        Assert.Equal(new[] { "before-pause", "new-epoch", "after-resume" }, Collect(probe, 3));
    }

    [Fact]
    public async Task An_observer_fetches_the_committed_log_and_never_votes()
    {
        await using var cluster = RaftTestCluster.Start(3, observers: 1);
        var leader = AwaitLeader(cluster);
        var probe = CreateTestProbe();
        cluster.Voters[4].Tell(new SubscribeCommitted(probe.Ref));
        for (var i = 0; i < 10; i++) Commit(cluster, leader, $"observed-{i}");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"observed-{i}"), Collect(probe, 10));
        var observer = Status(cluster, 4);
        Assert.Equal(RaftRole.Follower, observer.Role);
        Assert.Equal(leader, observer.LeaderId);
        Assert.Null(observer.VotedFor);
    }
}
