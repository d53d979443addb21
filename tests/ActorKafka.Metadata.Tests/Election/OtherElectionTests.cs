using ActorKafka.Metadata;

namespace ActorKafka.Metadata.Tests.Election;

public sealed class OtherElectionTests
{
    private static HashSet<int> Set(params int[] brokers) => [.. brokers];

    [Fact]
    public void Preferred_replica_election_elects_the_first_assigned_replica_and_keeps_the_isr()
    {
        var result = PartitionLeaderElection.PreferredReplica([2, 1, 3], [1, 3, 2], Set(1, 2, 3));

        Assert.Equal(2, result.Leader);
        Assert.Equal([1, 3, 2], result.Isr);
    }

    [Theory]
    [InlineData(new[] { 1, 3 }, new[] { 1, 2, 3 })] // preferred replica not in the ISR
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 3 })] // preferred replica not live
    public void Preferred_replica_election_never_falls_back_to_another_replica(int[] isr, int[] live)
    {
        var result = PartitionLeaderElection.PreferredReplica([2, 1, 3], isr, Set(live));

        Assert.Null(result.Leader);
        Assert.Equal(isr, result.Isr);
    }

    [Fact]
    public void Preferred_replica_election_with_no_assignment_elects_nobody()
    {
        Assert.Null(PartitionLeaderElection.PreferredReplica([], [1], Set(1)).Leader);
    }

    [Fact]
    public void Controlled_shutdown_moves_leadership_to_the_next_isr_replica_and_drops_shutting_down_brokers_from_the_isr()
    {
        var result = PartitionLeaderElection.ControlledShutdown([1, 2, 3], [1, 2, 3], Set(1, 2, 3), Set(1));

        Assert.Equal(2, result.Leader);
        Assert.Equal([2, 3], result.Isr);
    }

    [Fact]
    public void Controlled_shutdown_skips_every_shutting_down_broker_and_dead_ones()
    {
        var result = PartitionLeaderElection.ControlledShutdown([1, 2, 3, 4], [4, 3, 2, 1], Set(1, 2, 4), Set(1, 2));

        Assert.Equal(4, result.Leader);
        Assert.Equal([4, 3], result.Isr);
    }

    [Fact]
    public void Controlled_shutdown_with_no_other_isr_replica_fails_and_leaves_the_isr_alone()
    {
        var result = PartitionLeaderElection.ControlledShutdown([1, 2], [1], Set(1, 2), Set(1));

        Assert.Null(result.Leader);
        Assert.Equal([1], result.Isr);
    }

    [Fact]
    public void Reassign_elects_the_first_target_replica_that_is_live_and_in_the_isr()
    {
        var result = PartitionLeaderElection.Reassign([4, 5, 6], [1, 5, 6, 4], Set(1, 5, 6));

        Assert.Equal(5, result.Leader);
        Assert.Equal([1, 5, 6, 4], result.Isr);
    }

    [Fact]
    public void Reassign_does_not_elect_a_replica_outside_the_target_assignment()
    {
        var result = PartitionLeaderElection.Reassign([4, 5], [1, 4, 5], Set(1));

        Assert.Null(result.Leader);
        Assert.Equal([1, 4, 5], result.Isr);
    }

    [Fact]
    public void Shrink_isr_removes_members_and_keeps_order()
    {
        Assert.Equal([3, 1], PartitionLeaderElection.ShrinkIsr([3, 2, 1], Set(2)));
    }

    [Fact]
    public void Shrink_isr_ignores_brokers_that_are_not_members()
    {
        Assert.Equal([1, 2], PartitionLeaderElection.ShrinkIsr([1, 2], Set(7)));
    }

    [Fact]
    public void Shrink_isr_never_removes_the_only_member()
    {
        Assert.Equal([1], PartitionLeaderElection.ShrinkIsr([1], Set(1)));
    }

    [Fact]
    public void Shrink_isr_removing_everyone_keeps_the_last_member()
    {
        Assert.Equal([1], PartitionLeaderElection.ShrinkIsr([3, 2, 1], Set(1, 2, 3)));
    }

    [Fact]
    public void Shrink_isr_removing_everyone_matches_removing_them_one_at_a_time_in_isr_order()
    {
        IReadOnlyList<int> isr = [3, 2, 1];
        foreach (var replica in isr.ToArray())
            isr = PartitionLeaderElection.ShrinkIsr(isr, Set(replica));

        Assert.Equal(PartitionLeaderElection.ShrinkIsr([3, 2, 1], Set(1, 2, 3)), isr);
    }

    [Fact]
    public void Shrink_isr_of_an_empty_isr_is_empty()
    {
        Assert.Empty(PartitionLeaderElection.ShrinkIsr([], Set(1)));
    }
}
