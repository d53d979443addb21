namespace ActorKafka.Metadata;

// Kafka's controller-to-broker requests (zk mode) and the broker-to-controller ControlledShutdown.
// Every request carries the controller's epoch and the target broker's epoch; brokers check
// both before anything else and answer a stale sender with a typed error, never silently.

/// <summary>Kafka's error codes for control requests.</summary>
public enum ControlError
{
    UnknownServerError = -1,
    None = 0,
    OffsetOutOfRange = 1,
    CorruptMessage = 2,
    UnknownTopicOrPartition = 3,
    NotLeaderOrFollower = 6,
    RequestTimedOut = 7,
    BrokerNotAvailable = 8,
    MessageTooLarge = 10,
    StaleControllerEpoch = 11,
    InvalidTopic = 17,
    RecordListTooLarge = 18,
    NotEnoughReplicas = 19,
    NotEnoughReplicasAfterAppend = 20,
    InvalidRequiredAcks = 21,
    TopicAlreadyExists = 36,
    InvalidPartitions = 37,
    InvalidReplicationFactor = 38,
    NotController = 41,
    InvalidRequest = 42,
    FencedLeaderEpoch = 74,
    UnknownLeaderEpoch = 75,
    StaleBrokerEpoch = 77,
    PreferredLeaderNotAvailable = 80,
    EligibleLeadersNotAvailable = 83,
    ElectionNotNeeded = 84,
    InvalidUpdateVersion = 95,
    DuplicateBrokerRegistration = 101,
    BrokerIdNotRegistered = 102,
    IneligibleReplica = 107,
}

/// <summary>Marker for control-plane messages that cross the network.</summary>
public interface IControlMessage;

/// <summary>One partition's state as the controller sends it (Kafka's LeaderAndIsrPartitionState).</summary>
public sealed record PartitionStateInfo(
    string Topic,
    int Partition,
    int ControllerEpoch,
    int Leader,
    int LeaderEpoch,
    int[] Isr,
    int PartitionEpoch,
    int[] Replicas)
{
    public TopicPartition TopicPartition => new(Topic, Partition);

    public static PartitionStateInfo From(TopicPartition tp, LeaderAndIsr state, IReadOnlyList<int> replicas) =>
        new(tp.Topic, tp.Partition, state.ControllerEpoch, state.Leader, state.LeaderEpoch, state.Isr.ToArray(), state.PartitionEpoch, replicas.ToArray());
}

public sealed record PartitionError(string Topic, int Partition, ControlError Error);

/// <summary>
/// A controller-to-broker request: Kafka's request header carries a correlation id that the
/// response echoes, which is how the controller's channel knows which request was answered.
/// </summary>
public interface IBrokerControlRequest : IControlMessage
{
    long BrokerEpoch { get; }
    long CorrelationId { get; }
}

/// <summary>A broker's answer to an <see cref="IBrokerControlRequest"/>, with the request's correlation id.</summary>
public interface IBrokerControlResponse : IControlMessage
{
    int BrokerId { get; }
    ControlError Error { get; }
    long CorrelationId { get; }
}

/// <summary>IsKRaftController: sent by a KRaft controller to a zk-mode broker during a migration (Kafka's isKRaftController).</summary>
public sealed record LeaderAndIsrRequest(int ControllerId, int ControllerEpoch, long BrokerEpoch, PartitionStateInfo[] PartitionStates,
    bool IsKRaftController = false, long CorrelationId = 0) : IBrokerControlRequest;

public sealed record LeaderAndIsrResponse(int BrokerId, int ControllerEpoch, ControlError Error, PartitionError[] PartitionErrors, long CorrelationId = 0)
    : IBrokerControlResponse;

public sealed record UpdateMetadataRequest(int ControllerId, int ControllerEpoch, long BrokerEpoch, PartitionStateInfo[] PartitionStates,
    BrokerInfo[] LiveBrokers, bool IsKRaftController = false, long CorrelationId = 0) : IBrokerControlRequest;

public sealed record UpdateMetadataResponse(int BrokerId, int ControllerEpoch, ControlError Error, long CorrelationId = 0) : IBrokerControlResponse;

public sealed record StopReplicaRequest(int ControllerId, int ControllerEpoch, long BrokerEpoch, TopicPartition[] Partitions, bool DeletePartitions,
    long CorrelationId = 0) : IBrokerControlRequest;

public sealed record StopReplicaResponse(int BrokerId, int ControllerEpoch, ControlError Error, long CorrelationId = 0) : IBrokerControlResponse;

/// <summary>A stopping broker asks the controller to move its leaderships away first.</summary>
public sealed record ControlledShutdownRequest(int BrokerId, long BrokerEpoch) : IControlMessage;

/// <summary>PartitionsRemaining: partitions the broker still leads (none means it may stop now).</summary>
public sealed record ControlledShutdownResponse(ControlError Error, TopicPartition[] PartitionsRemaining, string Message = "") : IControlMessage;
