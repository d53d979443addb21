using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using Akka.Actor;

namespace ActorKafka.Controller.Migration;

// Between a quorum controller and the migration driver on the same node: the driver learns the
// committed image from the controller (Kafka's MetadataPublisher) and writes to the log only
// through it, so the controller's own view of the next offsets stays right.

/// <summary>To the quorum controller: tell <see cref="Subscriber"/> a <see cref="ControllerMetadataChanged"/> now and after every change.</summary>
public sealed record SubscribeControllerMetadata(IActorRef Subscriber);

/// <summary>
/// The committed image after a commit, a snapshot load, an activation or a renouncement.
/// Active and Epoch: whether this node's controller is active, and in which Raft epoch.
/// </summary>
public sealed record ControllerMetadataChanged(MetadataImage Committed, bool Active, int Epoch);

/// <summary>
/// To the active quorum controller: append <see cref="Records"/> as one batch (atomically, as
/// Kafka's migration batch is), answered at commit with <see cref="MigrationRecordsCommitted"/>
/// or refused with <see cref="MigrationRecordsRefused"/> (NotController when not active,
/// InvalidRequest when the image would reject a record).
/// </summary>
public sealed record AppendMigrationRecords(long RequestId, IReadOnlyList<MetadataRecord> Records);

/// <summary>Offset: the batch's offset; Epoch: the Raft epoch it was written in.</summary>
public sealed record MigrationRecordsCommitted(long RequestId, long Offset, int Epoch);

public sealed record MigrationRecordsRefused(long RequestId, ControlError Error, string Reason);
