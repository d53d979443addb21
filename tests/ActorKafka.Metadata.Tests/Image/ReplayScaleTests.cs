using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using static ActorKafka.Metadata.Tests.Image.Records;

namespace ActorKafka.Metadata.Tests.Image;

public class ReplayScaleTests
{
    [Fact]
    public void A_hundred_thousand_partitions_replay_in_batches_and_one_by_one()
    {
        const int Partitions = 100_000;
        var topics = Enumerable.Range(0, 10).Select(n => new TopicRecord($"t{n}", TopicId(n))).ToArray();
        var records = Enumerable.Range(0, Partitions)
            .Select(i => (MetadataRecord)new PartitionRecord(i / 10, TopicId(i % 10), [1, 2, 3], [1, 2, 3], 1 + i % 3))
            .ToArray();
        var batches = new List<MetadataBatch> { new(0, 1, topics) };
        batches.AddRange(records.Chunk(1000).Select((chunk, i) => new MetadataBatch(1 + i, 1, chunk)));

        var batched = MetadataReplay.Replay(MetadataImage.Empty, batches);
        Assert.True(batched.IsOk);
        Assert.Equal(Partitions, batched.Image.Topics.PartitionCount());

        // One record per replay: each must cost O(log n), not a copy of the image.
        var single = MetadataReplay.Apply(MetadataImage.Empty, batches[0]).Image;
        foreach (var record in records.Take(Partitions / 10)) single = MetadataReplay.Apply(single, record, 1, 1).Image;
        Assert.Equal(Partitions / 10, single.Topics.PartitionCount());
    }
}
