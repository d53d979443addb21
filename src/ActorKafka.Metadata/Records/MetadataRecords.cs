using System.Collections.Immutable;

namespace ActorKafka.Metadata.Records;

// Kafka's metadata log records (org.apache.kafka.common.metadata.*Record): the only way the
// KRaft control plane changes. Each carries Kafka's type id so that the log reads like Kafka's.
// The epochs they carry are what replay checks before it changes anything.

/// <summary>Kafka's MetadataRecordType ids (the records' apiKey).</summary>
public enum MetadataRecordType : short
{
    RegisterBroker = 0,
    UnregisterBroker = 1,
    Topic = 2,
    Partition = 3,
    PartitionChange = 5,
    FenceBroker = 7,
    UnfenceBroker = 8,
    RemoveTopic = 9,
    BrokerRegistrationChange = 17,
    NoOp = 20,
    ZkMigrationState = 21,
}

/// <summary>
/// Kafka's ZkMigrationState (KIP-866), with its ids: where the log stands in a migration from
/// zk mode. None: never migrated. PreMigration: a quorum started in migration mode, the zk
/// metadata not yet copied. Migration: copied; the controller dual-writes to the store.
/// PostMigration: finalized; the store is no longer written.
/// </summary>
public enum ZkMigrationState : byte
{
    None = 0,
    Migration = 1,
    PostMigration = 2,
    PreMigration = 3,
}

/// <summary>Kafka's ControlRecordType ids: records Raft itself writes, not the controller.</summary>
public enum ControlRecordType : short
{
    LeaderChange = 2,
}

public abstract record MetadataRecord
{
    /// <summary>The Kafka type id: a <see cref="MetadataRecordType"/>, or a <see cref="ControlRecordType"/> when <see cref="IsControl"/>.</summary>
    public abstract short TypeId { get; }

    public virtual bool IsControl => false;
}

/// <summary>One listener of a broker. SecurityProtocol is Kafka's id (0 = PLAINTEXT).</summary>
public sealed record BrokerEndpoint(string Name, string Host, int Port, short SecurityProtocol = 0)
{
    /// <summary>The listener whose host carries the node's actor address (the zk mode's akka_address).</summary>
    public const string ActorListener = "ACTOR";
}

/// <summary>A broker (re)registers. Its epoch is the offset of this record; it starts fenced.</summary>
public sealed record RegisterBrokerRecord(
    int BrokerId,
    Guid IncarnationId,
    long BrokerEpoch,
    ImmutableArray<BrokerEndpoint> EndPoints,
    string? Rack,
    bool Fenced = true,
    bool InControlledShutdown = false,
    bool IsMigratingZkBroker = false) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.RegisterBroker;

    // ImmutableArray compares by reference; a record must compare by content.
    public bool Equals(RegisterBrokerRecord? other) =>
        other is not null && BrokerId == other.BrokerId && IncarnationId == other.IncarnationId && BrokerEpoch == other.BrokerEpoch
        && EndPoints.SequenceEqual(other.EndPoints) && Rack == other.Rack && Fenced == other.Fenced
        && InControlledShutdown == other.InControlledShutdown && IsMigratingZkBroker == other.IsMigratingZkBroker;

    public override int GetHashCode() => HashCode.Combine(BrokerId, IncarnationId, BrokerEpoch, EndPoints.Length, Rack, Fenced, InControlledShutdown);
}

/// <summary>A broker's registration is removed; only the registration with this epoch may be.</summary>
public sealed record UnregisterBrokerRecord(int BrokerId, long BrokerEpoch) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.UnregisterBroker;
}

public sealed record TopicRecord(string Name, Guid TopicId) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.Topic;
}

/// <summary>A new partition, with its full state.</summary>
public sealed record PartitionRecord(
    int PartitionId,
    Guid TopicId,
    BrokerIdList Replicas,
    BrokerIdList Isr,
    int Leader,
    int LeaderEpoch = 0,
    int PartitionEpoch = 0) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.Partition;
}

/// <summary>
/// A change to an existing partition; absent fields are unchanged. Replay bumps the partition
/// epoch always, and the leader epoch whenever <see cref="Leader"/> is set (even to the current
/// leader: that is how a writer asks for a bump without a new leader).
/// </summary>
public sealed record PartitionChangeRecord(
    int PartitionId,
    Guid TopicId,
    BrokerIdList? Isr = null,
    int Leader = PartitionChangeRecord.NoLeaderChange,
    BrokerIdList? Replicas = null) : MetadataRecord
{
    public const int NoLeader = -1;
    public const int NoLeaderChange = -2;

    public override short TypeId => (short)MetadataRecordType.PartitionChange;
}

public sealed record FenceBrokerRecord(int Id, long Epoch) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.FenceBroker;
}

public sealed record UnfenceBrokerRecord(int Id, long Epoch) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.UnfenceBroker;
}

public sealed record RemoveTopicRecord(Guid TopicId) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.RemoveTopic;
}

/// <summary>
/// Changes a registration in place. Fenced null is unchanged (Kafka's NONE); InControlledShutdown
/// can only be entered, as in Kafka: a broker leaves it by re-registering.
/// </summary>
public sealed record BrokerRegistrationChangeRecord(int BrokerId, long BrokerEpoch, bool? Fenced = null, bool InControlledShutdown = false)
    : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.BrokerRegistrationChange;
}

/// <summary>Changes nothing; the controller writes it so the log (and the high watermark) moves.</summary>
public sealed record NoOpRecord : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.NoOp;
}

/// <summary>The migration moves to <see cref="State"/>. The Migration record ends the batch that copies the zk metadata.</summary>
public sealed record ZkMigrationStateRecord(ZkMigrationState State) : MetadataRecord
{
    public override short TypeId => (short)MetadataRecordType.ZkMigrationState;
}

/// <summary>Raft's control record: a new leader's first entry of its epoch (the epoch is the batch's).</summary>
public sealed record LeaderChangeRecord(int LeaderId, BrokerIdList Voters) : MetadataRecord
{
    public override short TypeId => (short)ControlRecordType.LeaderChange;

    public override bool IsControl => true;
}
