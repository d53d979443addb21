using System.Globalization;

namespace ActorKafka.Metadata.Zk;

/// <summary>The znode layout of a ZooKeeper-mode Kafka cluster (Kafka's ZkData), shared by brokers, controllers and the migration.</summary>
public static class ZkPaths
{
    public const string Controller = "/controller";
    public const string ControllerEpoch = "/controller_epoch";

    public const string Brokers = "/brokers";
    public const string BrokerIds = "/brokers/ids";

    /// <summary>Only its version matters: each bump hands out a broker id above reserved.broker.max.id.</summary>
    public const string BrokerSeqId = "/brokers/seqid";

    public const string Topics = "/brokers/topics";

    public const string IsrChangeNotification = "/isr_change_notification";

    /// <summary>Brokers create persistent sequential children with this prefix; the store appends the 10-digit sequence.</summary>
    public const string IsrChangePrefix = "/isr_change_notification/isr_change_";

    public const string Admin = "/admin";
    public const string AdminPreferredReplicaElection = "/admin/preferred_replica_election";
    public const string AdminReassignPartitions = "/admin/reassign_partitions";
    public const string AdminDeleteTopics = "/admin/delete_topics";

    public const string Config = "/config";
    public const string ConfigTopics = "/config/topics";
    public const string ConfigBrokers = "/config/brokers";
    public const string ConfigChanges = "/config/changes";

    public const string Migration = "/migration";

    /// <summary>
    /// The persistent znodes a fresh cluster needs before brokers register or topics are
    /// created (Kafka's PersistentZkPaths, minus the old consumer and producer-id paths we do not
    /// model). Parents come before their children so they can be created in this order.
    /// </summary>
    public static IReadOnlyList<string> PersistentPaths { get; } =
    [
        Brokers,
        BrokerIds,
        Topics,
        BrokerSeqId,
        Admin,
        AdminDeleteTopics,
        Config,
        ConfigTopics,
        ConfigBrokers,
        ConfigChanges,
        IsrChangeNotification,
    ];

    public static string BrokerId(int brokerId) => $"{BrokerIds}/{Number(brokerId)}";

    public static string Topic(string topic) => $"{Topics}/{topic}";

    public static string TopicPartitions(string topic) => $"{Topic(topic)}/partitions";

    public static string Partition(string topic, int partition) => $"{TopicPartitions(topic)}/{Number(partition)}";

    public static string PartitionState(string topic, int partition) => $"{Partition(topic, partition)}/state";

    public static string PartitionState(TopicPartition partition) => PartitionState(partition.Topic, partition.Partition);

    public static string DeleteTopic(string topic) => $"{AdminDeleteTopics}/{topic}";

    public static string ConfigTopic(string topic) => $"{ConfigTopics}/{topic}";

    public static string ConfigBroker(int brokerId) => $"{ConfigBrokers}/{Number(brokerId)}";

    /// <summary>The name the store gives the ISR change notification with this sequence number.</summary>
    public static string IsrChange(long sequence) => IsrChangePrefix + sequence.ToString("D10", CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
