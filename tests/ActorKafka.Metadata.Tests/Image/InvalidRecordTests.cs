using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using static ActorKafka.Metadata.Tests.Image.Records;

namespace ActorKafka.Metadata.Tests.Image;

public class InvalidRecordTests
{
    private static readonly Guid T = TopicId(1);

    private static readonly MetadataImage Base = ReplayAll(
        Register(1, 1), Register(2, 2), new UnfenceBrokerRecord(1, 1),
        new TopicRecord("t", T), new PartitionRecord(0, T, [1, 2], [1, 2], 1));

    public static TheoryData<MetadataRecord, ReplayErrorCode> Invalid => new()
    {
        { new PartitionChangeRecord(0, TopicId(9), Leader: 2), ReplayErrorCode.UnknownTopicId },
        { new PartitionChangeRecord(5, T, Leader: 2), ReplayErrorCode.UnknownTopicOrPartition },
        { new PartitionChangeRecord(0, T, Leader: 3), ReplayErrorCode.InvalidPartitionState },
        { new PartitionChangeRecord(0, T, Isr: [1, 3]), ReplayErrorCode.InvalidPartitionState },
        { new PartitionChangeRecord(0, T, Leader: -3), ReplayErrorCode.InvalidPartitionState },
        { new PartitionChangeRecord(0, T, Isr: [2]), ReplayErrorCode.InvalidPartitionState },
        { new PartitionRecord(0, TopicId(9), [1], [1], 1), ReplayErrorCode.UnknownTopicId },
        { new PartitionRecord(0, T, [1], [1], 1), ReplayErrorCode.PartitionAlreadyExists },
        { new PartitionRecord(1, T, [], [], -1), ReplayErrorCode.InvalidPartitionState },
        { new PartitionRecord(1, T, [1, 1], [1], 1), ReplayErrorCode.InvalidPartitionState },
        { new PartitionRecord(1, T, [1, 2], [1], 2), ReplayErrorCode.InvalidPartitionState },
        { new PartitionRecord(-1, T, [1], [1], 1), ReplayErrorCode.InvalidPartitionState },
        { new TopicRecord("t", TopicId(2)), ReplayErrorCode.TopicAlreadyExists },
        { new TopicRecord("u", T), ReplayErrorCode.DuplicateTopicId },
        { new RemoveTopicRecord(TopicId(9)), ReplayErrorCode.UnknownTopicId },
        { new UnfenceBrokerRecord(2, 1), ReplayErrorCode.StaleBrokerEpoch },
        { new FenceBrokerRecord(1, 0), ReplayErrorCode.StaleBrokerEpoch },
        { new FenceBrokerRecord(4, 1), ReplayErrorCode.UnknownBroker },
        { new BrokerRegistrationChangeRecord(2, 7, Fenced: false), ReplayErrorCode.StaleBrokerEpoch },
        { new UnregisterBrokerRecord(1, 2), ReplayErrorCode.StaleBrokerEpoch },
        { new UnregisterBrokerRecord(3, 3), ReplayErrorCode.UnknownBroker },
        { Register(2, 2), ReplayErrorCode.StaleBrokerEpoch },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_record_is_a_typed_error_and_leaves_the_image_unchanged(MetadataRecord record, ReplayErrorCode code)
    {
        var result = MetadataReplay.Apply(Base, record, 100, 1);
        Assert.False(result.IsOk);
        Assert.Equal(code, result.Error!.Code);
        Assert.Equal(100, result.Error.Offset);
        Assert.Same(record, result.Error.Record);
        Assert.Equal(Base, result.Image);
        Assert.Equal(Base.Offset, result.Image.Offset);
    }

    [Fact]
    public void A_record_behind_the_image_is_out_of_order()
    {
        var atOffset = MetadataReplay.Apply(Base, new NoOpRecord(), Base.Offset - 1, 1);
        Assert.Equal(ReplayErrorCode.OutOfOrder, atOffset.Error!.Code);
        var atEpoch = MetadataReplay.Apply(Base, new NoOpRecord(), Base.Offset + 1, 0);
        Assert.Equal(ReplayErrorCode.OutOfOrder, atEpoch.Error!.Code);
        Assert.Equal(Base, atEpoch.Image);
    }

    [Fact]
    public void A_batch_skips_its_invalid_records_and_applies_the_rest()
    {
        var result = MetadataReplay.Apply(Base, new MetadataBatch(50, 2, [
            new PartitionChangeRecord(0, T, Leader: 7),
            new PartitionChangeRecord(0, T, Isr: [1]),
            new RemoveTopicRecord(TopicId(3)),
        ]));
        Assert.Equal([ReplayErrorCode.InvalidPartitionState, ReplayErrorCode.UnknownTopicId], result.Errors.Select(e => e.Code));
        Assert.Equal(new PartitionRegistration([1, 2], [1], 1, 0, 1), result.Image.Partition(new("t", 0)));
        Assert.Equal((50L, 2), (result.Image.Offset, result.Image.Epoch));
    }

    [Fact]
    public void A_partition_record_for_a_removed_topic_is_rejected()
    {
        var removed = Replay(Base, 10, new RemoveTopicRecord(T));
        var result = MetadataReplay.Apply(removed, new PartitionRecord(1, T, [1], [1], 1), 11, 1);
        Assert.Equal(ReplayErrorCode.UnknownTopicId, result.Error!.Code);
    }
}
