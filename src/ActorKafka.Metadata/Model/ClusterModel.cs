namespace ActorKafka.Metadata;

/// <summary>A topic partition, as Kafka names it.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}-{Partition}";
}

/// <summary>A live broker as the controller knows it: its registration and its epoch (czxid of /brokers/ids/N in zk mode).</summary>
public sealed record BrokerInfo(int BrokerId, string Host, int Port, string? Rack, long BrokerEpoch, string ActorAddress);

/// <summary>
/// A partition's leadership: the content of /brokers/topics/T/partitions/P/state plus the
/// zkVersion of that znode (Kafka's partition epoch), which fences every update.
/// </summary>
public sealed record LeaderAndIsr(int Leader, int LeaderEpoch, IReadOnlyList<int> Isr, int ControllerEpoch, int PartitionEpoch)
{
    public const int NoLeader = -1;

    public bool HasLeader => Leader != NoLeader;

    /// <summary>The next leadership: leader epoch bumped; the partition epoch is set by the store when written.</summary>
    public LeaderAndIsr NewLeader(int leader, IReadOnlyList<int> isr, int controllerEpoch) =>
        this with { Leader = leader, LeaderEpoch = LeaderEpoch + 1, Isr = isr, ControllerEpoch = controllerEpoch };

    public override string ToString() => $"leader {Leader} epoch {LeaderEpoch} isr [{string.Join(",", Isr)}] partitionEpoch {PartitionEpoch}";
}

/// <summary>Where the control-plane actors live on every node, so peers can address them by node address.</summary>
public static class ActorNames
{
    public const string Broker = "broker";
    public const string Controller = "controller";
    public const string QuorumController = "quorum-controller";
    public const string ReplicaManager = "replica-manager";
    public const string MigrationDriver = "migration-driver";

    public static string BrokerPath(string nodeAddress) => nodeAddress.TrimEnd('/') + "/user/" + Broker;
    public static string ControllerPath(string nodeAddress) => nodeAddress.TrimEnd('/') + "/user/" + Controller;
    public static string ReplicaManagerPath(string nodeAddress) => nodeAddress.TrimEnd('/') + "/user/" + ReplicaManager;
    public static string QuorumControllerPath(string nodeAddress) => nodeAddress.TrimEnd('/') + "/user/" + QuorumController;
    public static string MigrationDriverPath(string nodeAddress) => nodeAddress.TrimEnd('/') + "/user/" + MigrationDriver;
}
