using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>CreateTopics: validation in Kafka's order, placement over active brokers, batching.</summary>
public sealed class CreateTopicsTests
{
    private static CoreHarness Harness(int maxRecordsPerBatch = 5000, int seed = 1) =>
        new(new KraftImageBuilder()
            .Brokers(1, 2, 3)
            .Broker(4, fenced: true)
            .Broker(5, shuttingDown: true)
            .Partition("existing", 0, [1], [1], 1)
            .Partition("a_b", 0, [1], [1], 1)
            .Build(), maxRecordsPerBatch: maxRecordsPerBatch, seed: seed);

    [Fact]
    public void A_topic_is_a_TopicRecord_then_one_PartitionRecord_per_partition_on_active_brokers()
    {
        var h = Harness();
        var result = h.CreateTopics(new CreatableTopic("orders", 6, 3));

        var topic = Assert.Single(result.Response.Topics);
        Assert.Equal(ControlError.None, topic.Error);
        Assert.NotEqual(Guid.Empty, topic.TopicId);
        var records = CoreHarness.Records(result);
        Assert.Equal(new TopicRecord("orders", topic.TopicId), records[0]);
        var partitions = records.Skip(1).Cast<PartitionRecord>().ToList();
        Assert.Equal(Enumerable.Range(0, 6), partitions.Select(p => p.PartitionId));
        Assert.All(partitions, p =>
        {
            Assert.Equal(topic.TopicId, p.TopicId);
            Assert.Equal(3, p.Replicas.Count);
            Assert.Equal(3, p.Replicas.Distinct().Count());
            Assert.All(p.Replicas, id => Assert.Contains(id, new[] { 1, 2, 3 }));
            Assert.Equal(p.Replicas, p.Isr);
            Assert.Equal(p.Replicas[0], p.Leader);
            Assert.Equal(0, p.LeaderEpoch);
            Assert.Equal(0, p.PartitionEpoch);
        });
        // Leaders are spread round-robin.
        Assert.Equal(2, partitions.GroupBy(p => p.Leader).Min(g => g.Count()));
        Assert.Equal(topic.TopicId, h.Image.Topics.Topic("orders")!.Id);
    }

    [Fact]
    public void Each_invalid_topic_gets_its_own_error_and_the_valid_ones_are_created()
    {
        var h = Harness();
        var result = h.CreateTopics(
            new CreatableTopic("bad name!", 1, 1),
            new CreatableTopic("existing", 1, 1),
            new CreatableTopic("fresh", 1, 1),
            new CreatableTopic("fresh", 1, 1),
            new CreatableTopic("a.b", 1, 1),
            new CreatableTopic("no-partitions", 0, 1),
            new CreatableTopic("no-replicas", 1, 0),
            new CreatableTopic("too-many-replicas", 1, 4));

        Assert.Equal(
            [
                ControlError.InvalidTopic, ControlError.TopicAlreadyExists, ControlError.None, ControlError.TopicAlreadyExists,
                ControlError.InvalidTopic, ControlError.InvalidPartitions, ControlError.InvalidReplicationFactor, ControlError.InvalidReplicationFactor,
            ],
            result.Response.Topics.Select(t => t.Error));
        Assert.Contains("a_b", result.Response.Topics[4].Message);
        // Fenced and shutting-down brokers do not count towards the replication factor.
        Assert.Contains("only 3 broker(s)", result.Response.Topics[7].Message);
        Assert.All(result.Response.Topics.Where(t => t.Error != ControlError.None), t => Assert.Equal(Guid.Empty, t.TopicId));
        Assert.Equal(2, CoreHarness.Records(result).Count);
        Assert.Equal(["a_b", "existing", "fresh"], h.Image.Topics.TopicsByName.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_topic_colliding_with_one_created_earlier_in_the_request_is_refused()
    {
        var h = Harness();
        var result = h.CreateTopics(new CreatableTopic("x.y", 1, 1), new CreatableTopic("x_y", 1, 1));
        Assert.Equal([ControlError.None, ControlError.InvalidTopic], result.Response.Topics.Select(t => t.Error));
    }

    [Fact]
    public void Records_are_split_into_batches_of_at_most_MaxRecordsPerBatch_in_order()
    {
        var h = Harness(maxRecordsPerBatch: 4);
        var result = h.CreateTopics(new CreatableTopic("first", 5, 2), new CreatableTopic("second", 2, 1));

        Assert.Equal([4, 4, 1], result.Batches.Select(b => b.Count));
        var records = CoreHarness.Records(result);
        Assert.IsType<TopicRecord>(records[0]);
        Assert.IsType<TopicRecord>(records[6]);
        Assert.Equal(9, records.Count);
        // A topic's records may span batches: "second" starts in the second batch and ends in the third.
        Assert.Equal(h.Image.Offset, h.Log[^1].Offset);
        Assert.Equal(5, h.Image.Topics.Topic("first")!.Partitions.Count);
        Assert.Equal(2, h.Image.Topics.Topic("second")!.Partitions.Count);
    }

    [Fact]
    public void With_racks_on_every_active_broker_replicas_spread_over_racks()
    {
        var start = new KraftImageBuilder()
            .Broker(1, rack: "a").Broker(2, rack: "a").Broker(3, rack: "b").Broker(4, rack: "b").Broker(5, rack: "c").Broker(6, rack: "c")
            .Build();
        var h = new CoreHarness(start);
        var result = h.CreateTopics(new CreatableTopic("racked", 12, 3));
        var rackOf = start.Cluster.Brokers.Values.ToDictionary(b => b.Id, b => b.Rack);
        Assert.All(CoreHarness.Records(result).OfType<PartitionRecord>(),
            p => Assert.Equal(3, p.Replicas.Select(id => rackOf[id]).Distinct().Count()));
    }

    [Fact]
    public void The_same_seed_places_the_same_replicas()
    {
        List<MetadataRecord> Place(int seed) => CoreHarness.Records(Harness(seed: seed).CreateTopics(new CreatableTopic("t", 8, 2)));
        Assert.Equal(Place(42), Place(42));
    }

    [Fact]
    public void A_topic_id_already_in_use_is_refused_rather_than_written()
    {
        var image = Harness().Image;
        var core = new QuorumControllerCore(1, new QuorumControllerConfig(9_000, false), () => KraftImageBuilder.TopicId(1), new Random(1));
        core.Activate(image, 3, 0);
        var result = core.CreateTopics(new CreateTopicsRequest(1, [new CreatableTopic("fresh", 1, 1)]));
        Assert.Equal(ControlError.UnknownServerError, result.Response.Topics[0].Error);
        Assert.Empty(result.Batches);
    }
}
