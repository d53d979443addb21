using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using static ActorKafka.Metadata.Tests.Image.Records;

namespace ActorKafka.Metadata.Tests.Image;

public class EpochRuleTests
{
    private static readonly Guid T = TopicId(7);

    private static MetadataImage WithPartition() =>
        ReplayAll(new TopicRecord("t", T), new PartitionRecord(0, T, [1, 2, 3], [1, 2, 3], 1, 10, 20));

    private static PartitionRegistration After(params PartitionChangeRecord[] changes) =>
        Replay(WithPartition(), 2, changes).Partition(new("t", 0))!;

    [Fact]
    public void A_new_leader_bumps_the_leader_epoch_and_the_partition_epoch()
    {
        var p = After(new PartitionChangeRecord(0, T, Leader: 2));
        Assert.Equal((2, 11, 21), (p.Leader, p.LeaderEpoch, p.PartitionEpoch));
    }

    [Fact]
    public void Naming_the_current_leader_still_bumps_the_leader_epoch()
    {
        var p = After(new PartitionChangeRecord(0, T, Isr: [1, 2], Leader: 1));
        Assert.Equal((1, 11, 21), (p.Leader, p.LeaderEpoch, p.PartitionEpoch));
    }

    [Fact]
    public void An_isr_only_change_moves_only_the_partition_epoch()
    {
        var p = After(new PartitionChangeRecord(0, T, Isr: [1, 3]), new PartitionChangeRecord(0, T, Isr: [1, 2, 3]));
        Assert.Equal((1, 10, 22), (p.Leader, p.LeaderEpoch, p.PartitionEpoch));
        Assert.Equal(BrokerIdList.Of(1, 2, 3), p.Isr);
    }

    [Fact]
    public void Going_offline_bumps_the_leader_epoch()
    {
        var p = After(new PartitionChangeRecord(0, T, Isr: [1], Leader: PartitionChangeRecord.NoLeader));
        Assert.Equal((-1, 11, 21), (p.Leader, p.LeaderEpoch, p.PartitionEpoch));
        Assert.False(p.HasLeader);
    }

    [Fact]
    public void The_builder_bumps_on_a_leader_change_or_an_isr_shrink_but_not_on_an_expansion()
    {
        var p = WithPartition().Partition(new("t", 0))!;
        Assert.Null(PartitionChanges.Build(T, 0, p, 1, [1, 2, 3]));
        Assert.Equal(new PartitionChangeRecord(0, T, Leader: 2), PartitionChanges.Build(T, 0, p, 2, [1, 2, 3]));
        Assert.Equal(new PartitionChangeRecord(0, T, Isr: [1, 2], Leader: 1), PartitionChanges.Build(T, 0, p, 1, [1, 2]));

        var shrunk = p with { Isr = [1] };
        Assert.Equal(new PartitionChangeRecord(0, T, Isr: [1, 2]), PartitionChanges.Build(T, 0, shrunk, 1, [1, 2]));
        Assert.Equal(new PartitionChangeRecord(0, T, Leader: 1, Replicas: [1, 2]), PartitionChanges.Build(T, 0, shrunk, 1, [1], [1, 2]));
    }

    [Fact]
    public void The_image_carries_the_offset_and_epoch_of_the_last_record_and_the_raft_leader()
    {
        var result = MetadataReplay.Replay(MetadataImage.Empty, [
            new MetadataBatch(0, 1, [new LeaderChangeRecord(1, [1, 2, 3]), new NoOpRecord()]),
            new MetadataBatch(1, 3, [new LeaderChangeRecord(2, [1, 2, 3])]),
        ]);
        Assert.True(result.IsOk);
        Assert.Equal((1L, 3, new LeaderAndEpoch(2, 3)), (result.Image.Offset, result.Image.Epoch, result.Image.Leader));
    }
}
