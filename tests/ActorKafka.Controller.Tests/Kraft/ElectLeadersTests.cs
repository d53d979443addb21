using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>ElectLeaders: preferred and unclean elections, per partition or for all of them.</summary>
public sealed class ElectLeadersTests
{
    private static TopicPartition Tp(int p) => new("t", p);

    private static CoreHarness Harness() =>
        new(new KraftImageBuilder()
            .Brokers(1, 2, 3)
            .Broker(4, fenced: true)
            .Partition("t", 0, [1, 2, 3], [1, 2, 3], 2) // preferred 1 can lead again
            .Partition("t", 1, [1, 2, 3], [1, 2, 3], 1) // already led by its preferred replica
            .Partition("t", 2, [3, 1, 2], [1, 2], 1) // preferred 3 is out of the ISR
            .Partition("t", 3, [4, 1], [4, 1], 1) // preferred 4 is fenced
            .Partition("t", 4, [4, 2], [4], PartitionChangeRecord.NoLeader) // leaderless, a live replica outside the ISR
            .Partition("t", 5, [4], [4], PartitionChangeRecord.NoLeader) // leaderless, nobody can lead
            .Partition("t", 6, [4, 3, 2], [4, 2], PartitionChangeRecord.NoLeader) // leaderless, a live ISR member
            .Build());

    private static ElectLeaderResult Single(CoreHarness h, ElectionType type, int partition) =>
        Assert.Single(h.Elect(type, Tp(partition)).Response.Partitions);

    [Fact]
    public void A_preferred_election_hands_leadership_back_to_the_first_replica()
    {
        var h = Harness();
        var result = h.Elect(ElectionType.Preferred, Tp(0));
        var elected = Assert.Single(result.Response.Partitions);
        Assert.Equal(ControlError.None, elected.Error);
        Assert.Equal(1, elected.Leader);
        Assert.Equal(1, h.Partition("t", 0).Leader);
        Assert.Equal([1, 2, 3], h.Partition("t", 0).Isr.ToArray());
        Assert.Equal(1, h.Partition("t", 0).LeaderEpoch);
        Assert.Single(CoreHarness.Changes(result));
    }

    [Fact]
    public void A_partition_already_led_by_its_preferred_replica_needs_no_election()
    {
        var h = Harness();
        var result = h.Elect(ElectionType.Preferred, Tp(1));
        Assert.Equal(ControlError.ElectionNotNeeded, Assert.Single(result.Response.Partitions).Error);
        Assert.Empty(result.Batches);
    }

    [Fact]
    public void A_preferred_replica_out_of_the_isr_or_fenced_is_not_available()
    {
        var h = Harness();
        Assert.Equal(ControlError.PreferredLeaderNotAvailable, Single(h, ElectionType.Preferred, 2).Error);
        Assert.Equal(ControlError.PreferredLeaderNotAvailable, Single(h, ElectionType.Preferred, 3).Error);
        Assert.Equal(h.Start, h.Image);
    }

    [Fact]
    public void An_unclean_election_prefers_a_live_isr_member()
    {
        var h = Harness();
        var elected = Single(h, ElectionType.Unclean, 6);
        Assert.Equal(ControlError.None, elected.Error);
        Assert.Equal(2, elected.Leader);
        Assert.Equal([2], h.Partition("t", 6).Isr.ToArray()); // fenced 4 leaves the ISR with the election
    }

    [Fact]
    public void An_unclean_election_takes_any_live_replica_when_no_isr_member_can_lead_and_makes_it_the_whole_isr()
    {
        var h = Harness();
        var elected = Single(h, ElectionType.Unclean, 4);
        Assert.Equal(ControlError.None, elected.Error);
        Assert.Equal(2, elected.Leader);
        Assert.Equal(2, h.Partition("t", 4).Leader);
        Assert.Equal([2], h.Partition("t", 4).Isr.ToArray());
    }

    [Fact]
    public void An_unclean_election_with_no_live_replica_has_no_eligible_leader_and_one_with_a_leader_is_not_needed()
    {
        var h = Harness();
        Assert.Equal(ControlError.EligibleLeadersNotAvailable, Single(h, ElectionType.Unclean, 5).Error);
        Assert.Equal(ControlError.ElectionNotNeeded, Single(h, ElectionType.Unclean, 0).Error);
        Assert.Equal(h.Start, h.Image);
    }

    [Fact]
    public void Unknown_partitions_are_reported()
    {
        var h = Harness();
        var result = h.Elect(ElectionType.Preferred, new TopicPartition("t", 9), new TopicPartition("nope", 0));
        Assert.All(result.Response.Partitions, p => Assert.Equal(ControlError.UnknownTopicOrPartition, p.Error));
    }

    [Fact]
    public void Null_partitions_means_every_partition_and_those_needing_no_election_are_left_out()
    {
        var h = Harness();
        var preferred = h.Elect(ElectionType.Preferred, null).Response.Partitions;
        // t-1 needs nothing; t-0 is elected; t-2, t-3 cannot be; t-4..6 have no preferred leader to hand back to.
        Assert.Equal([0, 2, 3, 4, 5, 6], preferred.Select(p => p.Partition));
        Assert.Equal(ControlError.None, preferred[0].Error);

        var unclean = h.Elect(ElectionType.Unclean, null).Response.Partitions;
        Assert.Equal([(4, ControlError.None), (5, ControlError.EligibleLeadersNotAvailable), (6, ControlError.None)],
            unclean.Select(p => (p.Partition, p.Error)));
    }

    [Fact]
    public void An_unknown_election_type_is_an_invalid_request()
    {
        var h = Harness();
        var result = h.Do(c => c.ElectLeaders(new ElectLeadersRequest(1, (ElectionType)9, null)));
        Assert.Equal(ControlError.InvalidRequest, result.Response.Error);
        Assert.Empty(result.Batches);
    }
}
