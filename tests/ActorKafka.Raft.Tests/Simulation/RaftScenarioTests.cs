using ActorKafka.Raft;

namespace ActorKafka.Raft.Tests.Simulation;

/// <summary>Kafka's RaftEventSimulationTest scenarios, each over several seeds, every invariant checked throughout.</summary>
public sealed class RaftScenarioTests
{
    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4, 5, 6, 7, 8 };

    private static SimCluster Cluster(int seed, int voters = 3, double drop = 0) =>
        new(seed, new SimOptions { Voters = voters }) { DropRate = drop };

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_elects_an_initial_leader(int seed)
    {
        var cluster = Cluster(seed);
        var leader = cluster.AwaitLeader();
        Assert.Equal(RaftRole.Leader, leader.Core!.Role);
        cluster.AwaitCommits(10);
        cluster.AwaitConvergence();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_elects_a_new_leader_after_the_leader_fails(int seed)
    {
        var cluster = Cluster(seed, voters: 5, drop: 0.02);
        var first = cluster.AwaitLeader();
        cluster.AwaitCommits(20);
        cluster.Crash(first.Id);
        var second = cluster.AwaitLeader();
        Assert.NotEqual(first.Id, second.Id);
        Assert.True(second.Core!.Epoch > cluster.Nodes[second.Id].LastEpoch - 1);
        cluster.AwaitCommits(20);
        cluster.AwaitConvergence();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_recovers_after_all_nodes_are_killed(int seed)
    {
        var cluster = Cluster(seed);
        cluster.AwaitLeader();
        cluster.AwaitCommits(30);
        var committed = cluster.CommittedEnd;
        foreach (var id in cluster.Nodes.Keys) cluster.Crash(id);
        cluster.RunFor(500);
        foreach (var id in cluster.Nodes.Keys) cluster.Restart(id);
        cluster.AwaitLeader();
        cluster.AwaitCommits(10);
        Assert.True(cluster.CommittedEnd >= committed + 10);
        cluster.AwaitConvergence();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_a_leader_partitioned_away_is_replaced_and_fenced(int seed)
    {
        var cluster = Cluster(seed, voters: 5);
        var old = cluster.AwaitLeader();
        cluster.AwaitCommits(10);
        cluster.Isolate(old.Id);
        // The isolated leader keeps taking proposals it can never commit; check-quorum makes it resign.
        Assert.True(cluster.RunUntil(() => cluster.Leader is { } l && l.Id != old.Id && l.Core!.HighWatermark > l.Core.EpochStartOffset, 5_000),
            "no new leader on the majority side");
        cluster.AwaitCommits(10);
        Assert.True(cluster.RunUntil(() => old.Core!.Role != RaftRole.Leader, 5_000), "the isolated leader never resigned");
        cluster.AwaitConvergence();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_makes_progress_while_a_majority_is_reachable(int seed)
    {
        var cluster = Cluster(seed, voters: 5, drop: 0.05);
        cluster.AwaitLeader();
        var random = new Random(seed);
        for (var round = 0; round < 5; round++)
        {
            var minority = cluster.Nodes.Keys.OrderBy(_ => random.Next()).Take(2).ToArray();
            cluster.Partition(minority);
            cluster.AwaitCommits(10, timeoutMs: 10_000);
            cluster.Heal();
        }
        cluster.AwaitConvergence();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_survives_back_to_back_leader_failures(int seed)
    {
        var cluster = Cluster(seed, voters: 5);
        for (var round = 0; round < 3; round++)
        {
            var leader = cluster.AwaitLeader();
            cluster.AwaitCommits(5);
            cluster.Crash(leader.Id);
            var next = cluster.AwaitLeader();
            cluster.Crash(next.Id);
            cluster.RunFor(100);
            cluster.Restart(leader.Id);
            cluster.Restart(next.Id);
        }
        cluster.AwaitCommits(10);
        cluster.AwaitConvergence();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_recovers_from_one_nodes_loss_of_committed_unflushed_data(int seed)
    {
        var cluster = Cluster(seed);
        var leader = cluster.AwaitLeader();
        var victim = cluster.Nodes.Keys.First(id => id != leader.Id);
        cluster.AwaitCommits(10);
        // The victim's disk stalls: it keeps receiving (and learning the commit of) entries it never flushes.
        cluster.SetSlowDisk(victim, true);
        var node = cluster.Nodes[victim];
        Assert.True(cluster.RunUntil(() => node.Unflushed.Count > 0 && node.AppliedEnd > node.Disk.EndOffset, 5_000),
            "the victim never held committed entries that were not on its disk");
        var lostFrom = node.Disk.EndOffset;
        cluster.Crash(victim);
        cluster.SetSlowDisk(victim, false);
        Assert.True(cluster.CommittedEnd > lostFrom);
        cluster.Restart(victim);
        cluster.AwaitCommits(10);
        cluster.AwaitConvergence();
    }

    [Theory, MemberData(nameof(Seeds))]
    public void RaftSimulation_an_observer_follows_the_log_and_never_votes(int seed)
    {
        var cluster = new SimCluster(seed, new SimOptions { Voters = 3, Observers = 1, SnapshotEvery = 15 });
        cluster.AwaitLeader();
        cluster.AwaitCommits(60);
        var observer = cluster.Nodes[4];
        Assert.NotEqual(RaftRole.Leader, observer.Core!.Role);
        Assert.Null(observer.Core.VotedFor);
        cluster.AwaitConvergence();
        Assert.Equal(cluster.Leader!.Core!.HighWatermark, observer.AppliedEnd);
    }
}
