namespace ActorKafka.Metadata;

// The KRaft controller's API (Kafka's BrokerRegistration, BrokerHeartbeat, CreateTopics,
// AlterPartition, ElectLeaders, DescribeQuorum). Brokers and tools send these to any controller;
// a standby answers NotController naming the active one. Every response carries the answering
// controller's id and epoch (the Raft epoch), so a broker can ignore a controller it knows is stale.

/// <summary>A request to the quorum controller; <see cref="CorrelationId"/> comes back in the response.</summary>
public interface IQuorumControllerRequest : IControlMessage
{
    long CorrelationId { get; }
}

/// <summary>
/// A response from a quorum controller. On <see cref="ControlError.NotController"/>,
/// <see cref="ControllerId"/> is the active controller when known (else -1): retry there.
/// </summary>
public interface IQuorumControllerResponse : IControlMessage
{
    long CorrelationId { get; }
    ControlError Error { get; }
    int ControllerId { get; }
    int ControllerEpoch { get; }
}

/// <summary>
/// A broker (re)registers. <see cref="ActorAddress"/> is its ActorSystem address; a registration
/// with another incarnation id while the old one still heartbeats is a duplicate.
/// <see cref="IsMigratingZkBroker"/>: a zk-mode broker taking part in a migration (KIP-866); it
/// learns metadata from the controller's LeaderAndIsr/UpdateMetadata, not from the log.
/// </summary>
public sealed record BrokerRegistrationRequest(long CorrelationId, int BrokerId, Guid IncarnationId, string ActorAddress, string? Rack,
    long PreviousBrokerEpoch = -1, bool IsMigratingZkBroker = false) : IQuorumControllerRequest;

/// <summary>On success the broker's epoch: the offset of its RegisterBroker record.</summary>
public sealed record BrokerRegistrationResponse(long CorrelationId, ControlError Error, long BrokerEpoch, int ControllerId, int ControllerEpoch,
    string Message = "") : IQuorumControllerResponse;

/// <summary>
/// Sent every heartbeat interval. <see cref="CurrentMetadataOffset"/> is the offset of the last
/// metadata record the broker has applied; it is unfenced once that reaches its registration.
/// </summary>
public sealed record BrokerHeartbeatRequest(long CorrelationId, int BrokerId, long BrokerEpoch, long CurrentMetadataOffset, bool WantFence,
    bool WantShutDown) : IQuorumControllerRequest;

public sealed record BrokerHeartbeatResponse(long CorrelationId, ControlError Error, bool IsCaughtUp, bool IsFenced, bool ShouldShutDown,
    int ControllerId, int ControllerEpoch) : IQuorumControllerResponse;

public sealed record CreatableTopic(string Name, int NumPartitions, short ReplicationFactor);

public sealed record CreatableTopicResult(string Name, Guid TopicId, ControlError Error, string Message, int NumPartitions, short ReplicationFactor);

public sealed record CreateTopicsRequest(long CorrelationId, CreatableTopic[] Topics) : IQuorumControllerRequest;

/// <summary>One result per requested topic; Error is the request-level error (NotController), per-topic errors are in the results.</summary>
public sealed record CreateTopicsResponse(long CorrelationId, ControlError Error, CreatableTopicResult[] Topics, int ControllerId, int ControllerEpoch)
    : IQuorumControllerResponse;

/// <summary>A leader's proposed ISR for one of its partitions, fenced by the leader epoch and partition epoch it last saw.</summary>
public sealed record AlterPartitionItem(string Topic, int Partition, int LeaderEpoch, int PartitionEpoch, int[] NewIsr);

/// <summary>The partition's state after the change (or as it stands, with the error, when refused).</summary>
public sealed record AlterPartitionResult(string Topic, int Partition, ControlError Error, int Leader, int LeaderEpoch, int[] Isr, int PartitionEpoch);

public sealed record AlterPartitionRequest(long CorrelationId, int BrokerId, long BrokerEpoch, AlterPartitionItem[] Partitions)
    : IQuorumControllerRequest;

public sealed record AlterPartitionResponse(long CorrelationId, ControlError Error, AlterPartitionResult[] Partitions, int ControllerId,
    int ControllerEpoch) : IQuorumControllerResponse;

public enum ElectionType : byte
{
    Preferred = 0,
    Unclean = 1,
}

/// <summary>Partitions null means every partition.</summary>
public sealed record ElectLeadersRequest(long CorrelationId, ElectionType ElectionType, TopicPartition[]? Partitions) : IQuorumControllerRequest;

public sealed record ElectLeaderResult(string Topic, int Partition, ControlError Error, int Leader, string Message);

public sealed record ElectLeadersResponse(long CorrelationId, ControlError Error, ElectLeaderResult[] Partitions, int ControllerId, int ControllerEpoch)
    : IQuorumControllerResponse;

/// <summary>The leader's view of one quorum member: how far its log reaches and when it last fetched.</summary>
public sealed record QuorumReplicaState(int ReplicaId, long LogEndOffset, long LastFetchAgoMs);

public sealed record DescribeQuorumRequest(long CorrelationId) : IQuorumControllerRequest;

/// <summary>Answered by the active controller only (a standby says NotController).</summary>
public sealed record DescribeQuorumResponse(long CorrelationId, ControlError Error, int LeaderId, int LeaderEpoch, long HighWatermark,
    QuorumReplicaState[] Voters, QuorumReplicaState[] Observers, int ControllerId, int ControllerEpoch) : IQuorumControllerResponse;

/// <summary>A broker as the metadata image holds it.</summary>
public sealed record BrokerState(int BrokerId, long BrokerEpoch, bool Fenced, bool InControlledShutdown, string ActorAddress, string? Rack);

/// <summary>The controller's committed image, summarised: brokers, and at most MaxPartitions partition states (0: none).</summary>
public sealed record DescribeClusterRequest(long CorrelationId, int MaxPartitions) : IQuorumControllerRequest;

public sealed record DescribeClusterResponse(long CorrelationId, ControlError Error, long MetadataOffset, BrokerState[] Brokers, int TopicCount,
    long PartitionCount, PartitionStateInfo[] Partitions, int ControllerId, int ControllerEpoch) : IQuorumControllerResponse;
