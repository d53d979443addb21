using ActorKafka.Broker.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Broker.Tests.Kraft;

/// <summary>Roles from the metadata log: what LeaderAndIsr used to push, read from the records instead.</summary>
public sealed class LocalReplicasTests
{
    private const int Me = 2;
    private static readonly Guid Orders = Guid.Parse("0b0c6d7e-0000-4000-8000-000000000001");
    private static readonly Guid Clicks = Guid.Parse("0b0c6d7e-0000-4000-8000-000000000002");

    private readonly MetadataLoader _loader = new();
    private readonly LocalReplicas _replicas = new(Me);
    private long _offset;

    private IReadOnlyList<BrokerEvent> Apply(params MetadataRecord[] records)
    {
        var before = _loader.Image;
        var loaded = _loader.ApplyBatch(_offset++, 1, false, records.Select(RecordCodec.Encode).ToArray());
        Assert.Empty(loaded.Problems);
        return _replicas.OnBatch(before, _loader.Image, loaded.Records);
    }

    private static TopicPartition Tp(string topic, int partition) => new(topic, partition);

    [Fact]
    public void New_partitions_hosted_here_are_announced_with_their_role_and_others_are_not()
    {
        var events = Apply(
            new TopicRecord("orders", Orders),
            new PartitionRecord(0, Orders, [2, 1], [2, 1], Leader: 2),
            new PartitionRecord(1, Orders, [1, 2], [1, 2], Leader: 1),
            new PartitionRecord(2, Orders, [1, 3], [1, 3], Leader: 1));
        Assert.Equal(
            [
                new ReplicaRoleChanged(Me, Tp("orders", 0), true, 2, 0, [2, 1]),
                new ReplicaRoleChanged(Me, Tp("orders", 1), false, 1, 0, [1, 2]),
            ],
            events.OfType<ReplicaRoleChanged>().ToArray(), RoleComparer.Instance);
        Assert.Equal([Tp("orders", 0), Tp("orders", 1)], events.OfType<PartitionStateChanged>().Select(e => e.Replica.Partition));
        Assert.Equal([Tp("orders", 0), Tp("orders", 1)], _replicas.Replicas.Keys.OrderBy(tp => tp.ToString()));
    }

    [Fact]
    public void A_leader_change_is_a_role_change_and_an_isr_change_alone_is_a_state_change_only()
    {
        Apply(new TopicRecord("orders", Orders), new PartitionRecord(0, Orders, [1, 2, 3], [1, 2, 3], Leader: 1));

        var shrunk = Assert.IsType<PartitionStateChanged>(Assert.Single(Apply(new PartitionChangeRecord(0, Orders, Isr: [1, 2]))));
        Assert.Equal((Me, false, 1, 0, 1), (shrunk.BrokerId, shrunk.Replica.IsLeader, shrunk.Replica.Leader, shrunk.Replica.LeaderEpoch,
            shrunk.Replica.PartitionEpoch));
        Assert.Equal([1, 2], shrunk.Replica.Isr);
        Assert.Same(shrunk.Replica, _replicas.Replicas[Tp("orders", 0)]);

        var events = Apply(new PartitionChangeRecord(0, Orders, Isr: [2], Leader: 2));
        Assert.Equal([typeof(ReplicaRoleChanged), typeof(PartitionStateChanged)], events.Select(e => e.GetType()));
        var moved = (ReplicaRoleChanged)events[0];
        Assert.Equal((true, 2, 1), (moved.IsLeader, moved.Leader, moved.LeaderEpoch));
        var now = ((PartitionStateChanged)events[1]).Replica;
        Assert.Equal((true, 2, 1, 2), (now.IsLeader, now.Leader, now.LeaderEpoch, now.PartitionEpoch));

        // Another broker's partition changing says nothing here.
        Apply(new PartitionRecord(1, Orders, [1, 3], [1, 3], Leader: 1));
        Assert.Empty(Apply(new PartitionChangeRecord(1, Orders, Leader: 3)));
    }

    [Fact]
    public void Several_changes_to_one_partition_in_a_batch_are_one_event_with_the_final_state()
    {
        Apply(new TopicRecord("orders", Orders));
        var events = Apply(
            new PartitionRecord(0, Orders, [1, 2], [1, 2], Leader: 1),
            new PartitionChangeRecord(0, Orders, Leader: 2),
            new PartitionChangeRecord(0, Orders, Isr: [2]));
        var changed = Assert.Single(events.OfType<ReplicaRoleChanged>());
        Assert.Equal((true, 2, 1), (changed.IsLeader, changed.Leader, changed.LeaderEpoch));
        Assert.Equal([2], changed.Isr);
        var state = Assert.Single(events.OfType<PartitionStateChanged>()).Replica;
        Assert.Equal([2], state.Isr);
        Assert.Equal(2, state.PartitionEpoch);
    }

    [Fact]
    public void Reassigned_away_and_deleted_partitions_are_no_longer_hosted()
    {
        Apply(new TopicRecord("orders", Orders), new PartitionRecord(0, Orders, [1, 2], [1, 2], Leader: 1),
            new TopicRecord("clicks", Clicks), new PartitionRecord(0, Clicks, [2], [2], Leader: 2));
        Assert.Equal(2, _replicas.Replicas.Count);

        Apply(new PartitionChangeRecord(0, Orders, Isr: [1], Replicas: [1, 3]));
        Assert.False(_replicas.Replicas.ContainsKey(Tp("orders", 0)));
        Apply(new RemoveTopicRecord(Clicks));
        Assert.Empty(_replicas.Replicas);
    }

    [Fact]
    public void A_snapshot_replaces_everything_and_announces_only_what_changed()
    {
        Apply(new TopicRecord("orders", Orders), new PartitionRecord(0, Orders, [1, 2], [1, 2], Leader: 1),
            new PartitionRecord(1, Orders, [2, 1], [2, 1], Leader: 2));
        var image = _loader.Image;
        Assert.Empty(_replicas.OnSnapshot(image));

        var later = Replay(image, new PartitionChangeRecord(0, Orders, Leader: 2),
            new TopicRecord("clicks", Clicks), new PartitionRecord(0, Clicks, [2, 3], [2, 3], Leader: 3));
        var events = _replicas.OnSnapshot(later).OfType<ReplicaRoleChanged>().ToList();
        Assert.Equal([Tp("clicks", 0), Tp("orders", 0)], events.Select(e => e.Partition).OrderBy(tp => tp.ToString()));
        Assert.True(events.Single(e => e.Partition == Tp("orders", 0)).IsLeader);

        var deleted = Replay(later, new RemoveTopicRecord(Orders));
        Assert.Empty(_replicas.OnSnapshot(deleted));
        Assert.Equal([Tp("clicks", 0)], _replicas.Replicas.Keys);

        Assert.Equal(3, new LocalReplicas(Me).OnSnapshot(later).OfType<PartitionStateChanged>().Count());
    }

    private static MetadataImage Replay(MetadataImage image, params MetadataRecord[] records)
    {
        var result = MetadataReplay.Replay(image, [new MetadataBatch(image.Offset + 1, image.Epoch, records)]);
        Assert.True(result.IsOk, string.Join("; ", result.Errors));
        return result.Image;
    }

    private sealed class RoleComparer : IEqualityComparer<ReplicaRoleChanged>
    {
        public static readonly RoleComparer Instance = new();

        public bool Equals(ReplicaRoleChanged? x, ReplicaRoleChanged? y) =>
            x is not null && y is not null && x with { Isr = [] } == y with { Isr = [] } && x.Isr.SequenceEqual(y.Isr);

        public int GetHashCode(ReplicaRoleChanged obj) => obj.Partition.GetHashCode();
    }
}
