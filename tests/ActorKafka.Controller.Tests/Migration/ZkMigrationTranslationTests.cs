using ActorKafka.Controller.Migration;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Controller.Tests.Migration;

public sealed class ZkMigrationTranslationTests
{
    private static readonly Guid OrdersId = Guid.Parse("0b7c2c2c-5b8e-4a63-9a55-3a4a4c1f1e2d");

    private static ZkTopicData Orders() => new("orders",
        new TopicZNode(OrdersId.ToString(), new Dictionary<int, IReadOnlyList<int>> { [0] = [1, 2, 3], [1] = [2, 3, 1] }),
        new Dictionary<int, LeaderAndIsr?>
        {
            [0] = new LeaderAndIsr(2, 5, [2, 1], 7, 9),
            [1] = new LeaderAndIsr(3, 1, [3, 1, 2], 7, 2),
        });

    private static Guid NoNewIds() => throw new InvalidOperationException("no id should be generated");

    [Fact]
    public void Topics_and_partition_states_become_records_ending_with_the_Migration_record()
    {
        var batch = ZkMetadataMigration.Translate([Orders()], MetadataImage.Empty, NoNewIds);

        Assert.Equal(
        [
            new TopicRecord("orders", OrdersId),
            new PartitionRecord(0, OrdersId, BrokerIdList.Of(1, 2, 3), BrokerIdList.Of(2, 1), 2, LeaderEpoch: 5, PartitionEpoch: 9),
            new PartitionRecord(1, OrdersId, BrokerIdList.Of(2, 3, 1), BrokerIdList.Of(3, 1, 2), 3, LeaderEpoch: 1, PartitionEpoch: 2),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
        ], batch.Records);
        Assert.Equal((1, 2), (batch.Topics, batch.Partitions));
        Assert.Empty(batch.Problems);
    }

    [Fact]
    public void A_large_copy_goes_in_entries_in_order_with_the_Migration_record_last()
    {
        var batch = ZkMetadataMigration.Translate([Orders()], MetadataImage.Empty, NoNewIds);

        var chunks = ZkMetadataMigration.Chunk(batch.Records, maxRecords: 3);

        Assert.Equal([3, 1], chunks.Select(c => c.Count));
        Assert.Equal(batch.Records, chunks.SelectMany(c => c));
        Assert.IsType<ZkMigrationStateRecord>(chunks[^1][^1]);
        Assert.Single(ZkMetadataMigration.Chunk(batch.Records, maxRecords: 100));
    }

    [Fact]
    public void A_copy_cut_short_by_a_failover_is_completed_by_the_next_one()
    {
        // The first entry committed the topic and partition 0, then the controller failed over.
        var first = ZkMetadataMigration.Chunk(ZkMetadataMigration.Translate([Orders()], MetadataImage.Empty, NoNewIds).Records, maxRecords: 2)[0];
        var delta = new MetadataDelta(MetadataImage.Empty);
        foreach (var record in first) Assert.Null(delta.Replay(record, 0, 1));

        var rest = ZkMetadataMigration.Translate([Orders()], delta.Image(), NoNewIds);

        Assert.Equal(
        [
            new PartitionRecord(1, OrdersId, BrokerIdList.Of(2, 3, 1), BrokerIdList.Of(3, 1, 2), 3, LeaderEpoch: 1, PartitionEpoch: 2),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
        ], rest.Records);
        Assert.Equal((0, 1), (rest.Topics, rest.Partitions));
    }

    [Fact]
    public void Topics_already_in_the_image_are_skipped()
    {
        var image = MetadataImage.Empty.WithTopic("orders", OrdersId, (0, [1], [1], 1, 0), (1, [1], [1], 1, 0));
        var payments = new ZkTopicData("payments", new TopicZNode("Ohg0_VgZQ4e2tTEtzYzl8Q", new Dictionary<int, IReadOnlyList<int>> { [0] = [1] }),
            new Dictionary<int, LeaderAndIsr?> { [0] = new LeaderAndIsr(1, 0, [1], 1, 0) });

        var batch = ZkMetadataMigration.Translate([Orders(), payments], image, NoNewIds);

        var topic = Assert.IsType<TopicRecord>(batch.Records[0]);
        Assert.Equal("payments", topic.Name);
        // Kafka's base64 Uuid, read as its two big-endian longs.
        Assert.Equal(ZkMetadataMigration.ParseTopicId("Ohg0_VgZQ4e2tTEtzYzl8Q"), topic.TopicId);
        Assert.Equal(3, batch.Records.Count);
        Assert.Equal(1, batch.Topics);
    }

    [Fact]
    public void Partitions_without_a_valid_state_are_migrated_consistently_and_reported()
    {
        var topic = new ZkTopicData("t", new TopicZNode(OrdersId.ToString(), new Dictionary<int, IReadOnlyList<int>> { [0] = [1, 2], [1] = [1, 2] }),
            new Dictionary<int, LeaderAndIsr?> { [0] = new LeaderAndIsr(4, 2, [4, 1], 1, 3), [1] = null });

        var batch = ZkMetadataMigration.Translate([topic], MetadataImage.Empty, NoNewIds);

        var p0 = Assert.IsType<PartitionRecord>(batch.Records[1]);
        Assert.Equal((BrokerIdList.Of(1), PartitionChangeRecord.NoLeader), (p0.Isr, p0.Leader));
        var p1 = Assert.IsType<PartitionRecord>(batch.Records[2]);
        Assert.Equal((BrokerIdList.Of(1, 2), PartitionChangeRecord.NoLeader), (p1.Isr, p1.Leader));
        Assert.Equal(2, batch.Problems.Count);
        // The batch must replay: one invalid partition would lose the whole copy.
        Assert.True(MetadataReplay.Replay(MetadataImage.Empty, [new MetadataBatch(0, 1, batch.Records.Where(r => r is not ZkMigrationStateRecord).ToArray())]).IsOk);
    }

    [Fact]
    public void A_topic_with_an_unusable_id_gets_a_new_one()
    {
        var fresh = Guid.Parse("11111111-2222-3333-4444-555555555555");
        var topic = Orders() with { Topic = Orders().Topic with { TopicId = "not-an-id" } };

        var batch = ZkMetadataMigration.Translate([topic], MetadataImage.Empty, () => fresh);

        Assert.Equal(fresh, Assert.IsType<TopicRecord>(batch.Records[0]).TopicId);
        Assert.Single(batch.Problems);
    }

    [Fact]
    public void A_dual_write_creates_new_topics_sets_changed_states_and_deletes_removed_topics()
    {
        var before = MetadataImage.Empty.WithBroker(1, zk: true)
            .WithTopic("orders", OrdersId, (0, [1, 2], [1, 2], 1, 0), (1, [2, 1], [2, 1], 2, 0))
            .WithTopic("old", MigrationImages.TopicId(9), (0, [1], [1], 1, 0));
        var after = before
            .With(new PartitionChangeRecord(1, OrdersId, Isr: BrokerIdList.Of(1), Leader: 1), new RemoveTopicRecord(MigrationImages.TopicId(9)))
            .WithTopic("fresh", MigrationImages.TopicId(2), (0, [2], [2], 2, 0));

        var plan = ZkDualWritePlanner.Plan(before, after, zkControllerEpoch: 12);
        var ops = plan.Groups.SelectMany(g => g.Ops).ToArray();

        Assert.Equal(
        [
            "delete /brokers/topics/old/partitions/0/state", "delete /brokers/topics/old/partitions/0",
            "delete /brokers/topics/old/partitions", "delete /brokers/topics/old",
            "create /brokers/topics/fresh", "create /brokers/topics/fresh/partitions",
            "create /brokers/topics/fresh/partitions/0", "create /brokers/topics/fresh/partitions/0/state",
            "set /brokers/topics/orders/partitions/1/state",
        ], ops.Select(Describe));
        var state = ZkData.DecodePartitionState(new TopicPartition("orders", 1), ((SetDataRequest)ops[^1]).Data, 0).Value;
        Assert.Equal((1, 1, "1", 12), (state.Leader, state.LeaderEpoch, string.Join(",", state.Isr), state.ControllerEpoch));
        Assert.Equal(-1, ((SetDataRequest)ops[^1]).Version);
        var topic = ZkData.DecodeTopic("fresh", ((CreateRequest)ops[4]).Data).Value;
        Assert.Equal(MigrationImages.TopicId(2), Guid.Parse(topic.TopicId));
        Assert.Equal([new TopicPartition("fresh", 0), new TopicPartition("orders", 1)], plan.ChangedPartitions);
        Assert.Equal([new TopicPartition("old", 0)], plan.DeletedPartitions.Select(d => d.Partition));
        Assert.False(plan.BrokersChanged);
    }

    [Fact]
    public void A_broker_change_alone_writes_nothing_but_is_metadata_to_propagate()
    {
        var before = MetadataImage.Empty.WithBroker(1, zk: true).WithTopic("orders", OrdersId, (0, [1], [1], 1, 0));
        var after = before.WithBroker(4, zk: false);

        var plan = ZkDualWritePlanner.Plan(before, after, 3);

        Assert.Empty(plan.Groups);
        Assert.True(plan.BrokersChanged);
        Assert.True(plan.MetadataChanged);
        Assert.False(ZkDualWritePlanner.Plan(after, after, 3).MetadataChanged);
    }

    [Fact]
    public void A_sync_writes_only_what_the_store_lacks_or_holds_differently()
    {
        var image = MetadataImage.Empty
            .WithTopic("orders", OrdersId, (0, [1, 2], [1, 2], 1, 3), (1, [2, 1], [2], 2, 4));
        var store = new Dictionary<string, ZkTopicView>
        {
            ["orders"] = new("orders", OrdersId, new Dictionary<int, ZkPartitionView>
            {
                // Same leadership, written by a zk controller of another epoch: equal.
                [0] = new([1, 2], new LeaderAndIsr(1, 3, [1, 2], 40, 17)),
                [1] = new([2, 1], null, HasNode: false),
            }),
            ["gone"] = new("gone", Guid.NewGuid(), new Dictionary<int, ZkPartitionView> { [0] = new([1], null, HasNode: true) }, HasPartitionsNode: true),
        };

        var plan = ZkDualWritePlanner.Reconcile(store, image, 5);

        Assert.Equal(
        [
            "delete /brokers/topics/gone/partitions/0", "delete /brokers/topics/gone/partitions", "delete /brokers/topics/gone",
            "create /brokers/topics/orders/partitions/1", "create /brokers/topics/orders/partitions/1/state",
        ], plan.Groups.SelectMany(g => g.Ops).Select(Describe));
    }

    [Fact]
    public void Writes_are_chunked_by_partitions_keeping_their_order()
    {
        var groups = Enumerable.Range(0, 5).Select(i => new ZkWriteGroup("t", 1, [new DeleteRequest($"/p{i}")])).ToArray();

        var chunks = ZkDualWritePlanner.Chunk(groups, maxPartitions: 2);

        Assert.Equal([["/p0", "/p1"], ["/p2", "/p3"], ["/p4"]], chunks.Select(c => c.Select(op => op.Path).ToArray()));
    }

    private static string Describe(ZkRequest op) => op switch
    {
        CreateRequest c => $"create {c.Path}",
        SetDataRequest s => $"set {s.Path}",
        DeleteRequest d => $"delete {d.Path}",
        _ => op.ToString()!,
    };
}
