using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using Xunit.Abstractions;

namespace ActorKafka.Metadata.Tests.Image;

public class DeterminismTests(ITestOutputHelper output)
{
    [Fact]
    public void The_same_records_give_equal_images_that_share_nothing()
    {
        var log = new RandomLog(7).Batches(200);
        var a = MetadataReplay.Replay(MetadataImage.Empty, log);
        var b = MetadataReplay.Replay(MetadataImage.Empty, log.Select(Copy));
        Assert.True(a.IsOk);
        Assert.Equal(a.Image, b.Image);
        Assert.NotSame(a.Image.Topics.TopicsById, b.Image.Topics.TopicsById);
        Assert.Equal(a.Image.GetHashCode(), b.Image.GetHashCode());
    }

    [Fact]
    public void Images_that_differ_in_one_partition_are_not_equal()
    {
        var log = new RandomLog(11).Batches(100);
        var image = MetadataReplay.Replay(MetadataImage.Empty, log).Image;
        var (topic, partition) = image.Topics.TopicsById.Values.SelectMany(t => t.Partitions.Keys.Select(p => (t.Id, p))).First();
        var changed = MetadataReplay.Apply(image, new PartitionChangeRecord(partition, topic, Leader: image.Topics.Topic(topic)!.Partitions[partition].Leader), image.Offset, image.Epoch);
        Assert.True(changed.IsOk);
        Assert.NotEqual(image, changed.Image);
    }

    [Fact]
    public void Replay_in_one_go_equals_replay_in_any_batch_split_and_record_by_record()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (var round = 0; round < 20; round++)
        {
            var roundSeed = random.Next();
            var log = new RandomLog(roundSeed).Batches(150);
            var whole = MetadataReplay.Replay(MetadataImage.Empty, log);
            Assert.True(whole.IsOk, $"seed {seed} round seed {roundSeed}: {string.Join("; ", whole.Errors)}");

            var split = MetadataImage.Empty;
            var splits = new Random(roundSeed);
            for (var i = 0; i < log.Count;)
            {
                var take = 1 + splits.Next(20);
                var part = MetadataReplay.Replay(split, log.Skip(i).Take(take));
                Assert.True(part.IsOk, $"seed {seed} round seed {roundSeed}: {string.Join("; ", part.Errors)}");
                split = part.Image;
                i += take;
            }

            var single = MetadataImage.Empty;
            foreach (var batch in log)
            {
                foreach (var record in batch.Records) single = MetadataReplay.Apply(single, record, batch.Offset, batch.Epoch).Image;
            }

            Assert.True(whole.Image.Equals(split), $"seed {seed} round seed {roundSeed}: batch splits differ");
            Assert.True(whole.Image.Equals(single), $"seed {seed} round seed {roundSeed}: record by record differs");
        }
    }

    private static MetadataBatch Copy(MetadataBatch batch) =>
        batch with { Records = batch.Records.Select(r => RecordCodec.Decode(RecordCodec.Encode(r))).ToArray() };
}
