using ActorKafka.Broker.Examples;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Examples;

/// <summary>The lag monitor's pure core: what counts as unhealthy, and when a change is reported (virtual time).</summary>
public sealed class LagMonitorCoreTests
{
    private const int Me = 2;
    private static readonly TopicPartition A = new("orders", 0);
    private static readonly TopicPartition B = new("orders", 1);

    private static ReplicaStatus Leader(TopicPartition tp, params int[] isr) => new(tp, ReplicaRole.Leader, Me, 3, 7, isr, 10, 0, 12, 12);

    private static ReplicaStatus Follower(TopicPartition tp, int leader, params int[] isr) => new(tp, ReplicaRole.Follower, leader, 3, 7, isr, 10, 0, 10, 10);

    private static ReplicaStates States(params ReplicaStatus[] replicas) => new(Me, replicas);

    [Fact]
    public void A_follower_out_of_the_isr_a_leader_below_min_isr_and_a_follower_without_leader_are_unhealthy()
    {
        Assert.Equal(ReplicaHealth.Healthy, LagMonitorCore.Judge(Follower(A, 1, 1, Me), Me, 2));
        Assert.Equal(ReplicaHealth.OutOfSync, LagMonitorCore.Judge(Follower(A, 1, 1), Me, 2));
        Assert.Equal(ReplicaHealth.Leaderless, LagMonitorCore.Judge(Follower(A, -1, Me), Me, 2));
        Assert.Equal(ReplicaHealth.Healthy, LagMonitorCore.Judge(Leader(A, Me, 1), Me, 2));
        Assert.Equal(ReplicaHealth.UnderMinIsr, LagMonitorCore.Judge(Leader(A, Me), Me, 2));
        Assert.Equal(ReplicaHealth.Healthy, LagMonitorCore.Judge(Leader(A, Me), Me, 1));
        Assert.Equal(ReplicaHealth.NotHosted, LagMonitorCore.Judge(Follower(A, 1, 1, Me) with { Role = ReplicaRole.None }, Me, 2));
    }

    [Fact]
    public void A_condition_is_reported_once_it_has_lasted_report_after_and_a_recovery_at_once()
    {
        var core = new LagMonitorCore(minInsyncReplicas: 2, reportAfterMs: 1000);
        Assert.Empty(core.Observe(States(Follower(A, 1, 1, Me), Leader(B, Me, 1)), 0));

        Assert.Empty(core.Observe(States(Follower(A, 1, 1), Leader(B, Me, 1)), 100));
        Assert.Empty(core.Observe(States(Follower(A, 1, 1), Leader(B, Me, 1)), 900));
        var change = Assert.Single(core.Observe(States(Follower(A, 1, 1), Leader(B, Me, 1)), 1100));
        Assert.Equal((Me, A, ReplicaHealth.OutOfSync, ReplicaHealth.Healthy, 1, 3, 7), (change.BrokerId, change.Partition, change.Health,
            change.Previous, change.LeaderId, change.LeaderEpoch, change.PartitionEpoch));
        Assert.Equal([1], change.Isr);
        Assert.Equal([new ReportedReplica(A, ReplicaHealth.OutOfSync)], core.Reported);
        // Said once, not at every poll.
        Assert.Empty(core.Observe(States(Follower(A, 1, 1), Leader(B, Me, 1)), 5000));

        var back = Assert.Single(core.Observe(States(Follower(A, 1, 1, Me), Leader(B, Me, 1)), 5100));
        Assert.Equal((ReplicaHealth.Healthy, ReplicaHealth.OutOfSync), (back.Health, back.Previous));
        Assert.Empty(core.Reported);
    }

    [Fact]
    public void A_condition_that_clears_before_report_after_raises_nothing_and_a_new_one_starts_the_clock_again()
    {
        var core = new LagMonitorCore(minInsyncReplicas: 2, reportAfterMs: 1000);
        Assert.Empty(core.Observe(States(Leader(A, Me)), 0));
        Assert.Empty(core.Observe(States(Leader(A, Me, 1)), 800));
        Assert.Empty(core.Observe(States(Leader(A, Me)), 1200));
        Assert.Empty(core.Observe(States(Leader(A, Me)), 2100));
        Assert.Equal(ReplicaHealth.UnderMinIsr, Assert.Single(core.Observe(States(Leader(A, Me)), 2200)).Health);

        // Leadership moves and the new leader is unknown: another condition, on its own clock; the old report stands meanwhile.
        Assert.Empty(core.Observe(States(Follower(A, -1, Me)), 2300));
        Assert.Equal([new ReportedReplica(A, ReplicaHealth.UnderMinIsr)], core.Reported);
        var leaderless = Assert.Single(core.Observe(States(Follower(A, -1, Me)), 3300));
        Assert.Equal((ReplicaHealth.Leaderless, ReplicaHealth.UnderMinIsr), (leaderless.Health, leaderless.Previous));
    }

    [Fact]
    public void With_report_after_zero_the_first_poll_reports_and_a_replica_no_longer_hosted_ends_its_report()
    {
        var core = new LagMonitorCore(minInsyncReplicas: 1, reportAfterMs: 0);
        Assert.Equal([A, B], core.Observe(States(Follower(A, 1, 1), Follower(B, -1, Me)), 0).Select(c => c.Partition));
        Assert.Equal([new ReportedReplica(A, ReplicaHealth.OutOfSync), new ReportedReplica(B, ReplicaHealth.Leaderless)], core.Reported);

        // A stopped and B gone from the answer.
        var changes = core.Observe(States(Follower(A, 1, 1) with { Role = ReplicaRole.None }), 10);
        Assert.Equal([(A, ReplicaHealth.NotHosted, ReplicaHealth.OutOfSync), (B, ReplicaHealth.NotHosted, ReplicaHealth.Leaderless)],
            changes.Select(c => (c.Partition, c.Health, c.Previous)));
        Assert.Empty(core.Reported);
        // Nothing is said about a replica that was never reported.
        Assert.Empty(core.Observe(States(), 20));
    }
}
