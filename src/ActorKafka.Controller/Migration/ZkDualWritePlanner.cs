using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Controller.Migration;

/// <summary>
/// A partition as the store shows it: its replicas (from the topic znode), its state (null when
/// the state znode is missing) and whether its partitions/P znode exists.
/// </summary>
public sealed record ZkPartitionView(IReadOnlyList<int> Replicas, LeaderAndIsr? State, bool HasNode = true);

/// <summary>A topic as the store shows it. TopicId: null when the znode's id is unreadable.</summary>
public sealed record ZkTopicView(string Name, Guid? TopicId, IReadOnlyDictionary<int, ZkPartitionView> Partitions, bool HasPartitionsNode = true);

/// <summary>The ops for one topic or one partition; they go in one multi. Partitions: what they count against max-partitions-per-multi.</summary>
public sealed record ZkWriteGroup(string Topic, int Partitions, IReadOnlyList<ZkRequest> Ops);

/// <summary>
/// The store writes that bring the store from one metadata view to another, and what the zk
/// brokers must be told: LeaderAndIsr for <see cref="ChangedPartitions"/>, StopReplica for
/// <see cref="DeletedPartitions"/>, UpdateMetadata when anything changed.
/// </summary>
public sealed record ZkWritePlan(
    IReadOnlyList<ZkWriteGroup> Groups,
    IReadOnlyList<TopicPartition> ChangedPartitions,
    IReadOnlyList<(TopicPartition Partition, IReadOnlyList<int> Replicas)> DeletedPartitions,
    bool BrokersChanged)
{
    public bool MetadataChanged => ChangedPartitions.Count > 0 || DeletedPartitions.Count > 0 || BrokersChanged;
}

/// <summary>
/// Kafka's KRaftMigrationZkWriter as pure functions: the dual write (previous image -> next
/// image) and the sync after a failover (what the store holds -> image) both reduce to a diff of
/// zk views. Partition states are written with version -1: the fencing is the multi's check on
/// /controller_epoch and /migration (Kafka does the same), not each znode's version.
/// </summary>
public static class ZkDualWritePlanner
{
    public static ZkWritePlan Plan(MetadataImage previous, MetadataImage next, int zkControllerEpoch)
    {
        var plan = Diff(ViewOf(previous), ViewOf(next), zkControllerEpoch);
        return plan with { BrokersChanged = !previous.Cluster.Equals(next.Cluster) };
    }

    /// <summary>The writes that make the store (as read) match the image; topics the image lacks are deleted.</summary>
    public static ZkWritePlan Reconcile(IReadOnlyDictionary<string, ZkTopicView> store, MetadataImage image, int zkControllerEpoch) =>
        Diff(store, ViewOf(image), zkControllerEpoch);

    public static IReadOnlyDictionary<string, ZkTopicView> ViewOf(MetadataImage image) =>
        image.Topics.TopicsByName.Values.ToDictionary(
            t => t.Name,
            t => new ZkTopicView(t.Name, t.Id, t.Partitions.ToDictionary(
                p => p.Key,
                p => new ZkPartitionView(p.Value.Replicas.ToArray(), new LeaderAndIsr(p.Value.Leader, p.Value.LeaderEpoch, p.Value.Isr.ToArray(), 0, 0)))),
            StringComparer.Ordinal);

    public static ZkTopicView ViewOf(ZkTopicData topic, ISet<int>? partitionsWithoutNode = null, bool hasPartitionsNode = true) =>
        new(topic.Name, ZkMetadataMigration.ParseTopicId(topic.Topic.TopicId), topic.Topic.Partitions.ToDictionary(
                p => p.Key,
                p => new ZkPartitionView(p.Value, topic.States.GetValueOrDefault(p.Key), partitionsWithoutNode?.Contains(p.Key) != true)),
            hasPartitionsNode);

    /// <summary>
    /// Packs groups, in order, into multis of at most <paramref name="maxPartitions"/> partitions
    /// (a bigger group goes alone). Order matters: a topic's parents before its partitions, its
    /// partitions' znodes before the topic's on deletion.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<ZkRequest>> Chunk(IReadOnlyList<ZkWriteGroup> groups, int maxPartitions)
    {
        var chunks = new List<IReadOnlyList<ZkRequest>>();
        var current = new List<ZkRequest>();
        var weight = 0;
        foreach (var group in groups)
        {
            if (current.Count > 0 && weight + group.Partitions > maxPartitions)
            {
                chunks.Add(current);
                current = new List<ZkRequest>();
                weight = 0;
            }
            current.AddRange(group.Ops);
            weight += group.Partitions;
        }
        if (current.Count > 0) chunks.Add(current);
        return chunks;
    }

    private static ZkWritePlan Diff(IReadOnlyDictionary<string, ZkTopicView> before, IReadOnlyDictionary<string, ZkTopicView> after, int zkControllerEpoch)
    {
        var groups = new List<ZkWriteGroup>();
        var changed = new List<TopicPartition>();
        var deleted = new List<(TopicPartition, IReadOnlyList<int>)>();
        foreach (var name in before.Keys.Where(n => !after.ContainsKey(n)).Order(StringComparer.Ordinal))
            DeleteTopic(before[name], groups, deleted);
        foreach (var name in after.Keys.Order(StringComparer.Ordinal))
        {
            var next = after[name];
            if (!before.TryGetValue(name, out var previous))
            {
                CreateTopic(next, zkControllerEpoch, groups, changed);
                continue;
            }
            if (previous.TopicId != next.TopicId || !SameAssignment(previous, next))
                groups.Add(new ZkWriteGroup(name, 1, [new SetDataRequest(ZkPaths.Topic(name), EncodeTopic(next))]));
            if (!previous.HasPartitionsNode)
                groups.Add(new ZkWriteGroup(name, 0, [new CreateRequest(ZkPaths.TopicPartitions(name), [])]));
            foreach (var (partition, view) in previous.Partitions.Where(p => !next.Partitions.ContainsKey(p.Key)).OrderBy(p => p.Key))
            {
                groups.Add(DeletePartition(name, partition, view));
                deleted.Add((new TopicPartition(name, partition), view.Replicas));
            }
            foreach (var (partition, view) in next.Partitions.OrderBy(p => p.Key))
            {
                var tp = new TopicPartition(name, partition);
                var state = StateFor(view, zkControllerEpoch);
                if (!previous.Partitions.TryGetValue(partition, out var old) || !old.HasNode)
                {
                    groups.Add(new ZkWriteGroup(name, 1, CreatePartitionOps(tp, state)));
                    changed.Add(tp);
                }
                else if (old.State is null)
                {
                    groups.Add(new ZkWriteGroup(name, 1, [new CreateRequest(ZkPaths.PartitionState(tp), ZkData.EncodePartitionState(state))]));
                    changed.Add(tp);
                }
                else if (!SameState(old.State, view.State!) || !old.Replicas.SequenceEqual(view.Replicas))
                {
                    if (!SameState(old.State, view.State!))
                        groups.Add(new ZkWriteGroup(name, 1, [new SetDataRequest(ZkPaths.PartitionState(tp), ZkData.EncodePartitionState(state))]));
                    changed.Add(tp);
                }
            }
        }
        return new ZkWritePlan(groups, changed, deleted, BrokersChanged: false);
    }

    private static void CreateTopic(ZkTopicView topic, int zkControllerEpoch, List<ZkWriteGroup> groups, List<TopicPartition> changed)
    {
        groups.Add(new ZkWriteGroup(topic.Name, 1, [
            new CreateRequest(ZkPaths.Topic(topic.Name), EncodeTopic(topic)),
            new CreateRequest(ZkPaths.TopicPartitions(topic.Name), []),
        ]));
        foreach (var (partition, view) in topic.Partitions.OrderBy(p => p.Key))
        {
            var tp = new TopicPartition(topic.Name, partition);
            groups.Add(new ZkWriteGroup(topic.Name, 1, CreatePartitionOps(tp, StateFor(view, zkControllerEpoch))));
            changed.Add(tp);
        }
    }

    private static void DeleteTopic(ZkTopicView topic, List<ZkWriteGroup> groups, List<(TopicPartition, IReadOnlyList<int>)> deleted)
    {
        foreach (var (partition, view) in topic.Partitions.OrderBy(p => p.Key))
        {
            groups.Add(DeletePartition(topic.Name, partition, view));
            deleted.Add((new TopicPartition(topic.Name, partition), view.Replicas));
        }
        var ops = new List<ZkRequest>();
        if (topic.HasPartitionsNode) ops.Add(new DeleteRequest(ZkPaths.TopicPartitions(topic.Name)));
        ops.Add(new DeleteRequest(ZkPaths.Topic(topic.Name)));
        groups.Add(new ZkWriteGroup(topic.Name, 1, ops));
    }

    private static ZkWriteGroup DeletePartition(string topic, int partition, ZkPartitionView view)
    {
        var ops = new List<ZkRequest>();
        if (view.State is not null) ops.Add(new DeleteRequest(ZkPaths.PartitionState(topic, partition)));
        if (view.HasNode) ops.Add(new DeleteRequest(ZkPaths.Partition(topic, partition)));
        return new ZkWriteGroup(topic, 1, ops);
    }

    private static ZkRequest[] CreatePartitionOps(TopicPartition tp, LeaderAndIsr state) =>
    [
        new CreateRequest(ZkPaths.Partition(tp.Topic, tp.Partition), []),
        new CreateRequest(ZkPaths.PartitionState(tp), ZkData.EncodePartitionState(state)),
    ];

    private static LeaderAndIsr StateFor(ZkPartitionView view, int zkControllerEpoch) => view.State! with { ControllerEpoch = zkControllerEpoch };

    private static byte[] EncodeTopic(ZkTopicView topic) =>
        ZkData.EncodeTopic(new TopicZNode(topic.TopicId?.ToString() ?? "", topic.Partitions.ToDictionary(p => p.Key, p => p.Value.Replicas)));

    private static bool SameAssignment(ZkTopicView a, ZkTopicView b) =>
        a.Partitions.Count == b.Partitions.Count
        && a.Partitions.All(p => b.Partitions.TryGetValue(p.Key, out var other) && p.Value.Replicas.SequenceEqual(other.Replicas));

    // The controller epoch is who wrote the state, not the state: a zk controller's write and ours compare equal.
    private static bool SameState(LeaderAndIsr a, LeaderAndIsr b) =>
        a.Leader == b.Leader && a.LeaderEpoch == b.LeaderEpoch && a.Isr.SequenceEqual(b.Isr);
}
