using ActorKafka.Metadata;

namespace ActorKafka.Broker;

/// <summary>Asks a broker for its state (tests, describe).</summary>
public sealed record GetBrokerState
{
    public static readonly GetBrokerState Instance = new();
}

/// <summary>
/// IsKRaftController, QuorumBrokerEpoch and QuorumControllerId: a zk-mode broker's controller is a
/// KRaft controller (a migration), and its registration with the controller quorum (-1: none).
/// </summary>
public sealed record BrokerStateSnapshot(
    int BrokerId,
    long BrokerEpoch,
    bool Registered,
    int ControllerId,
    int ControllerEpoch,
    IReadOnlyList<ReplicaView> Replicas,
    IReadOnlyList<PartitionStateInfo> Metadata,
    IReadOnlyList<int> LiveBrokers,
    bool IsKRaftController = false,
    long QuorumBrokerEpoch = -1,
    int QuorumControllerId = -1);

/// <summary>Stop this broker gracefully: controlled shutdown first, then deregister. Answered with BrokerStopped.</summary>
public sealed record ShutdownBroker
{
    public static readonly ShutdownBroker Instance = new();
}

/// <summary>
/// From the replica manager, as a partition's leader: change its ISR. The broker carries it out
/// in its mode (zk: a conditional write of the partition state plus an /isr_change_notification;
/// kraft: AlterPartition to the active controller), fenced by the leader and partition epochs,
/// and answers <see cref="IsrChangeResult"/>.
/// </summary>
public sealed record ProposeIsrChange(TopicPartition Partition, int LeaderEpoch, int PartitionEpoch, int[] NewIsr);

/// <summary>On success the committed ISR and the partition epoch it was written at; else the error and the state as known.</summary>
public sealed record IsrChangeResult(TopicPartition Partition, ControlError Error, int LeaderEpoch, int[] Isr, int PartitionEpoch);
