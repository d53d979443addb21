using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>The Raft leader as the last LeaderChange record announced it.</summary>
public readonly record struct LeaderAndEpoch(int LeaderId, int Epoch);

/// <summary>
/// Everything the metadata log has said so far (Kafka's MetadataImage), as of the last applied
/// record's offset and Raft epoch. Immutable: replay returns a new image sharing what did not change.
/// </summary>
public sealed record MetadataImage(long Offset, int Epoch, LeaderAndEpoch? Leader, ClusterImage Cluster, TopicsImage Topics)
{
    /// <summary>Before any record: Kafka's MetadataProvenance.EMPTY offset and epoch.</summary>
    public static readonly MetadataImage Empty = new(-1, -1, null, ClusterImage.Empty, TopicsImage.Empty);

    /// <summary>
    /// Where a migration from zk mode stands, as the last ZkMigrationStateRecord set it (Kafka keeps
    /// it in its FeaturesImage). Not a constructor parameter, so images built without it are None.
    /// </summary>
    public ZkMigrationState MigrationState { get; init; } = ZkMigrationState.None;

    public bool IsEmpty => Offset == -1;

    public PartitionRegistration? Partition(TopicPartition tp) => Topics.Partition(tp);

    /// <summary>The partition as the zk-mode control requests carry it, or null when it does not exist.</summary>
    public PartitionStateInfo? PartitionState(TopicPartition tp, int controllerEpoch) =>
        Partition(tp) is { } p ? PartitionStateInfo.From(tp, p.ToLeaderAndIsr(controllerEpoch), p.Replicas.ToArray()) : null;

    /// <summary>Every partition of the image in that form: what a broker needs for its own replicas.</summary>
    public IEnumerable<PartitionStateInfo> PartitionStates(int controllerEpoch) =>
        from topic in Topics.TopicsByName.Values
        from partition in topic.Partitions
        select PartitionStateInfo.From(new TopicPartition(topic.Name, partition.Key),
            partition.Value.ToLeaderAndIsr(controllerEpoch), partition.Value.Replicas.ToArray());
}
