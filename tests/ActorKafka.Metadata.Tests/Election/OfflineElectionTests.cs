using ActorKafka.Metadata;

namespace ActorKafka.Metadata.Tests.Election;

public sealed class OfflineElectionTests
{
    private static HashSet<int> Live(params int[] brokers) => [.. brokers];

    [Fact]
    public void Picks_the_first_replica_in_assignment_order_that_is_live_and_in_the_isr()
    {
        // ISR order is irrelevant: assignment order decides.
        var result = PartitionLeaderElection.Offline([1, 2, 3], [3, 2], Live(2, 3), uncleanLeaderElectionEnabled: false);

        Assert.Equal(2, result.Leader);
        Assert.False(result.Unclean);
    }

    [Fact]
    public void Skips_live_replicas_outside_the_isr_and_isr_members_that_are_dead()
    {
        var result = PartitionLeaderElection.Offline([1, 2, 3], [1, 3], Live(2, 3), uncleanLeaderElectionEnabled: false);

        Assert.Equal(3, result.Leader);
        Assert.Equal([3], result.Isr);
    }

    [Fact]
    public void Clean_election_keeps_the_live_isr_members_in_isr_order()
    {
        var result = PartitionLeaderElection.Offline([1, 2, 3, 4], [4, 1, 3, 2], Live(2, 3, 4), uncleanLeaderElectionEnabled: false);

        Assert.Equal(2, result.Leader);
        Assert.Equal([4, 3, 2], result.Isr);
    }

    [Fact]
    public void Clean_election_is_preferred_even_when_unclean_is_enabled()
    {
        var result = PartitionLeaderElection.Offline([1, 2, 3], [3], Live(1, 2, 3), uncleanLeaderElectionEnabled: true);

        Assert.Equal(3, result.Leader);
        Assert.Equal([3], result.Isr);
        Assert.False(result.Unclean);
    }

    [Fact]
    public void Unclean_election_picks_the_first_live_replica_and_makes_it_the_whole_isr()
    {
        var result = PartitionLeaderElection.Offline([1, 2, 3], [1], Live(3, 2), uncleanLeaderElectionEnabled: true);

        Assert.Equal(2, result.Leader);
        Assert.Equal([2], result.Isr);
        Assert.True(result.Unclean);
    }

    [Fact]
    public void Without_unclean_election_a_partition_whose_isr_is_dead_has_no_leader()
    {
        var result = PartitionLeaderElection.Offline([1, 2, 3], [1], Live(2, 3), uncleanLeaderElectionEnabled: false);

        Assert.Null(result.Leader);
        Assert.False(result.Unclean);
    }

    [Fact]
    public void A_leaderless_partition_keeps_its_last_isr_member_so_a_clean_election_can_restore_it()
    {
        var offline = PartitionLeaderElection.Offline([1, 2, 3], [1], Live(2, 3), uncleanLeaderElectionEnabled: false);
        Assert.Equal([1], offline.Isr);

        // Broker 1 returns: it is the only replica with every committed record, and clean election picks it.
        var recovered = PartitionLeaderElection.Offline([1, 2, 3], offline.Isr, Live(1, 2, 3), uncleanLeaderElectionEnabled: false);
        Assert.Equal(1, recovered.Leader);
        Assert.Equal([1], recovered.Isr);
    }

    [Fact]
    public void When_the_whole_isr_dies_at_once_the_last_member_in_isr_order_is_kept()
    {
        var result = PartitionLeaderElection.Offline([1, 2, 3], [2, 1], Live(3), uncleanLeaderElectionEnabled: false);

        Assert.Null(result.Leader);
        Assert.Equal([1], result.Isr);
    }

    [Fact]
    public void No_live_replica_at_all_means_no_leader_even_with_unclean_election()
    {
        var result = PartitionLeaderElection.Offline([1, 2], [1, 2], Live(5), uncleanLeaderElectionEnabled: true);

        Assert.Null(result.Leader);
        Assert.False(result.Unclean);
        Assert.Equal([2], result.Isr);
    }

    [Fact]
    public void A_live_broker_that_is_not_assigned_is_never_elected()
    {
        var result = PartitionLeaderElection.Offline([1, 2], [1, 2, 9], Live(9), uncleanLeaderElectionEnabled: true);

        Assert.Null(result.Leader);
    }

    [Fact]
    public void Empty_assignment_elects_nobody()
    {
        var result = PartitionLeaderElection.Offline([], [], Live(1), uncleanLeaderElectionEnabled: true);

        Assert.Null(result.Leader);
        Assert.Empty(result.Isr);
    }
}
