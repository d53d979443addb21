using ActorKafka.Metadata;

namespace ActorKafka.Broker;

// Published on the broker's ActorSystem event stream, for the demo, tests and operators.

public abstract record BrokerEvent(int BrokerId);

public sealed record BrokerRegistered(int BrokerId, long BrokerEpoch, long SessionId) : BrokerEvent(BrokerId);

/// <summary>
/// A zk-mode broker in a migration (KIP-866) registered with the controller quorum as well:
/// <see cref="BrokerEpoch"/> is the quorum's epoch for it (the offset of its registration record),
/// used for AlterPartition; its zk broker epoch (the /brokers/ids czxid) stays what it was.
/// </summary>
public sealed record BrokerRegisteredWithQuorum(int BrokerId, long BrokerEpoch, int ControllerId) : BrokerEvent(BrokerId);

public sealed record BrokerRegistrationRejected(int BrokerId, string Error) : BrokerEvent(BrokerId);

/// <summary>The active controller refused a KRaft broker's registration for now (not as a duplicate): it tries again after its backoff.</summary>
public sealed record BrokerRegistrationDeferred(int BrokerId, ControlError Error, string Message) : BrokerEvent(BrokerId);

public enum StaleEpochKind
{
    Controller,
    Leader,
    Broker,
}

/// <summary>A control request (or one partition of it) refused because it carried an old epoch.</summary>
public sealed record StaleEpochRejected(int BrokerId, StaleEpochKind Kind, long StaleEpoch, long CurrentEpoch, string Request,
    TopicPartition? Partition = null) : BrokerEvent(BrokerId);

/// <summary>
/// A control request the broker applied; ControllerEpoch never goes down across these.
/// IsKRaftController: it came from a KRaft controller (a migration, KIP-866).
/// </summary>
public sealed record ControlRequestApplied(int BrokerId, string Request, int ControllerId, int ControllerEpoch, int Partitions,
    bool IsKRaftController = false) : BrokerEvent(BrokerId);

/// <summary>This broker became leader or follower of a partition.</summary>
public sealed record ReplicaRoleChanged(int BrokerId, TopicPartition Partition, bool IsLeader, int Leader, int LeaderEpoch, int[] Isr)
    : BrokerEvent(BrokerId);

public sealed record BrokerStopped(int BrokerId, string Reason) : BrokerEvent(BrokerId);

// KRaft mode (Kafka's BrokerLifecycleManager): what the controller's heartbeat answers change. A
// zk-mode broker in a migration publishes BrokerUnfenced and BrokerFenced too, for its registration
// with the quorum (their BrokerEpoch is then the quorum's epoch for it).

/// <summary>The controller said this broker has replayed the log up to its own registration (STARTING -> RECOVERY).</summary>
public sealed record MetadataCaughtUp(int BrokerId, long Offset) : BrokerEvent(BrokerId);

/// <summary>The controller unfenced this registration: it may lead partitions and join ISRs again.</summary>
public sealed record BrokerUnfenced(int BrokerId, long BrokerEpoch) : BrokerEvent(BrokerId);

/// <summary>The controller fenced this registration (a missed session, controlled shutdown, or a lost registration).</summary>
public sealed record BrokerFenced(int BrokerId, long BrokerEpoch) : BrokerEvent(BrokerId);

/// <summary>
/// Any change of a replica this broker hosts (leader, leader epoch, ISR, partition epoch, replicas),
/// in either mode: what the replica manager follows to re-role its partitions.
/// </summary>
public sealed record PartitionStateChanged(int BrokerId, ReplicaView Replica) : BrokerEvent(BrokerId);
