namespace ActorKafka.Metadata.Zk;

/// <summary>
/// The content of /controller. KraftControllerEpoch is -1 while a ZooKeeper-mode controller
/// holds the znode; a KRaft controller taking over during migration writes its own epoch.
/// </summary>
public sealed record ControllerZNode(int BrokerId, long Timestamp, int KraftControllerEpoch = ControllerZNode.NoKraftControllerEpoch)
{
    public const int NoKraftControllerEpoch = -1;
}

/// <summary>
/// The content of /brokers/topics/T: the topic id and each partition's replicas (the first
/// being the preferred leader), plus the replicas an ongoing reassignment is adding and removing.
/// </summary>
public sealed record TopicZNode(string TopicId, IReadOnlyDictionary<int, IReadOnlyList<int>> Partitions)
{
    private static readonly IReadOnlyDictionary<int, IReadOnlyList<int>> None = new Dictionary<int, IReadOnlyList<int>>();

    public IReadOnlyDictionary<int, IReadOnlyList<int>> AddingReplicas { get; init; } = None;

    public IReadOnlyDictionary<int, IReadOnlyList<int>> RemovingReplicas { get; init; } = None;
}

/// <summary>
/// The content of /migration: how far the KRaft controller has copied ZooKeeper metadata into
/// its log, so a new KRaft leader knows where the migration stands.
/// </summary>
public sealed record MigrationZNode(int KraftControllerId, int KraftControllerEpoch, long KraftMetadataOffset, int KraftMetadataEpoch);
