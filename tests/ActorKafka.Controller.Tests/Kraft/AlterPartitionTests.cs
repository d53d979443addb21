using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>AlterPartition: a leader's ISR change, fenced by broker, leader and partition epochs.</summary>
public sealed class AlterPartitionTests
{
    private static CoreHarness Harness() =>
        new(new KraftImageBuilder()
            .Brokers(1, 2, 3)
            .Broker(4, fenced: true)
            .Broker(5, shuttingDown: true)
            .Partition("t", 0, [1, 2, 3, 4, 5], [1, 2], 1, leaderEpoch: 3, partitionEpoch: 8)
            .Build());

    private static AlterPartitionResult Alter(CoreHarness h, int[] newIsr, int? leaderEpoch = null, int? partitionEpoch = null, int broker = 1) =>
        Assert.Single(h.AlterIsr(broker, "t", 0, newIsr, leaderEpoch, partitionEpoch).Response.Partitions);

    [Fact]
    public void The_leader_expands_the_isr_and_gets_the_new_state_back()
    {
        var h = Harness();
        var result = h.AlterIsr(1, "t", 0, [1, 2, 3]);

        var change = Assert.IsType<PartitionChangeRecord>(Assert.Single(CoreHarness.Records(result)));
        Assert.Equal(BrokerIdList.Of(1, 2, 3), change.Isr);
        Assert.Equal(PartitionChangeRecord.NoLeaderChange, change.Leader); // growing the ISR keeps the leader epoch
        var state = Assert.Single(result.Response.Partitions);
        Assert.Equal(ControlError.None, state.Error);
        Assert.Equal([1, 2, 3], state.Isr);
        Assert.Equal(1, state.Leader);
        Assert.Equal(3, state.LeaderEpoch);
        Assert.Equal(9, state.PartitionEpoch);
        Assert.Equal(9, h.Partition("t", 0).PartitionEpoch);
    }

    [Fact]
    public void A_shrink_bumps_the_leader_epoch_and_says_so()
    {
        var h = Harness();
        var state = Alter(h, [1]);
        Assert.Equal(ControlError.None, state.Error);
        Assert.Equal(4, state.LeaderEpoch);
        Assert.Equal(9, state.PartitionEpoch);
        Assert.Equal(h.Partition("t", 0).ToLeaderAndIsr(0).LeaderEpoch, state.LeaderEpoch);
    }

    [Fact]
    public void An_unchanged_isr_returns_the_current_state_without_a_record()
    {
        var h = Harness();
        var result = h.AlterIsr(1, "t", 0, [1, 2]);
        Assert.Empty(result.Batches);
        var state = Assert.Single(result.Response.Partitions);
        Assert.Equal(ControlError.None, state.Error);
        Assert.Equal(8, state.PartitionEpoch);
    }

    [Fact]
    public void An_unknown_broker_or_a_stale_broker_epoch_refuses_the_whole_request()
    {
        var h = Harness();
        var item = new AlterPartitionItem("t", 0, 3, 8, [1, 2, 3]);
        var stale = h.Do(c => c.AlterPartition(new AlterPartitionRequest(1, 1, h.Broker(1).Epoch + 1, [item])));
        var unknown = h.Do(c => c.AlterPartition(new AlterPartitionRequest(1, 9, 0, [item])));
        Assert.Equal(ControlError.StaleBrokerEpoch, stale.Response.Error);
        Assert.Equal(ControlError.StaleBrokerEpoch, unknown.Response.Error);
        Assert.Empty(stale.Response.Partitions);
        Assert.Empty(stale.Batches);
        Assert.Empty(unknown.Batches);
    }

    [Fact]
    public void An_unknown_partition_is_reported_per_partition()
    {
        var h = Harness();
        var result = h.Do(c => c.AlterPartition(new AlterPartitionRequest(1, 1, h.Broker(1).Epoch,
            [new AlterPartitionItem("t", 7, 0, 0, [1]), new AlterPartitionItem("nope", 0, 0, 0, [1])])));
        Assert.All(result.Response.Partitions, p => Assert.Equal(ControlError.UnknownTopicOrPartition, p.Error));
        Assert.Empty(result.Batches);
    }

    [Fact]
    public void A_leader_epoch_from_before_the_last_election_is_fenced()
    {
        var h = Harness();
        var state = Alter(h, [1, 2, 3], leaderEpoch: 2);
        Assert.Equal(ControlError.FencedLeaderEpoch, state.Error);
        Assert.Equal(3, state.LeaderEpoch);
        Assert.Equal([1, 2], state.Isr);
    }

    [Fact]
    public void Epochs_newer_than_this_controller_knows_mean_it_is_no_longer_the_controller()
    {
        var h = Harness();
        Assert.Equal(ControlError.NotController, Alter(h, [1, 2, 3], leaderEpoch: 4).Error);
        Assert.Equal(ControlError.NotController, Alter(h, [1, 2, 3], partitionEpoch: 9).Error);
    }

    [Fact]
    public void A_broker_that_is_not_the_leader_is_refused()
    {
        var h = Harness();
        Assert.Equal(ControlError.NotLeaderOrFollower, Alter(h, [1, 2], broker: 2).Error);
    }

    [Fact]
    public void A_partition_epoch_from_before_the_last_change_is_refused()
    {
        var h = Harness();
        Assert.Equal(ControlError.None, Alter(h, [1, 2, 3]).Error);
        var stale = Alter(h, [1, 2], partitionEpoch: 8);
        Assert.Equal(ControlError.InvalidUpdateVersion, stale.Error);
        Assert.Equal(9, stale.PartitionEpoch);
    }

    [Fact]
    public void A_malformed_isr_is_an_invalid_request()
    {
        var h = Harness();
        Assert.Equal(ControlError.InvalidRequest, Alter(h, [1, 2, 6]).Error); // 6 is not a replica
        Assert.Equal(ControlError.InvalidRequest, Alter(h, [2, 3]).Error); // without the leader
        Assert.Equal(ControlError.InvalidRequest, Alter(h, [1, 2, 2]).Error);
        Assert.Equal(ControlError.InvalidRequest, Alter(h, []).Error);
        Assert.Equal(8, h.Partition("t", 0).PartitionEpoch);
    }

    [Fact]
    public void Fenced_and_shutting_down_brokers_may_not_join_the_isr()
    {
        var h = Harness();
        Assert.Equal(ControlError.IneligibleReplica, Alter(h, [1, 2, 4]).Error);
        Assert.Equal(ControlError.IneligibleReplica, Alter(h, [1, 2, 5]).Error);
        Assert.Equal(8, h.Partition("t", 0).PartitionEpoch);
    }

    [Fact]
    public void A_request_naming_a_partition_twice_sees_its_own_first_change()
    {
        var h = Harness();
        var result = h.Do(c => c.AlterPartition(new AlterPartitionRequest(1, 1, h.Broker(1).Epoch,
            [new AlterPartitionItem("t", 0, 3, 8, [1, 2, 3]), new AlterPartitionItem("t", 0, 3, 8, [1, 3]), new AlterPartitionItem("t", 0, 3, 9, [1, 3])])));
        Assert.Equal([ControlError.None, ControlError.InvalidUpdateVersion, ControlError.None], result.Response.Partitions.Select(p => p.Error));
        Assert.Equal([1, 3], h.Partition("t", 0).Isr.ToArray());
        Assert.Equal(10, h.Partition("t", 0).PartitionEpoch);
    }
}
