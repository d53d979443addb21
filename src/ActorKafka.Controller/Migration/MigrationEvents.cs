namespace ActorKafka.Controller.Migration;

// Published on the controller node's event stream by its migration driver, so an operator (and
// the demo) can follow a migration step by step.
public abstract record MigrationEvent(int NodeId);

public sealed record MigrationDriverStateChanged(int NodeId, MigrationDriverState From, MigrationDriverState To) : MigrationEvent(NodeId);

/// <summary>The KRaft controller took the zk controller role: the zk-mode controller is fenced by <see cref="ZkControllerEpoch"/>.</summary>
public sealed record ZkControllerClaimed(int NodeId, int RaftEpoch, int ZkControllerEpoch) : MigrationEvent(NodeId);

/// <summary>The zk metadata is in the log, committed at <see cref="Offset"/>; the store's /migration records it.</summary>
public sealed record ZkMetadataMigrated(int NodeId, long Offset, int Topics, int Partitions, TimeSpan Elapsed) : MigrationEvent(NodeId);

/// <summary>A failover mid-migration brought the store in step with the log (Kafka's SyncKRaftMetadataToZk).</summary>
public sealed record KRaftMetadataSyncedToZk(int NodeId, long Offset, int Writes) : MigrationEvent(NodeId);

/// <summary>
/// A store write was refused by the check on /controller_epoch or /migration: another controller
/// wrote the store since this driver claimed it. The driver claims it again when still active.
/// </summary>
public sealed record DualWriteFenced(int NodeId, string Reason) : MigrationEvent(NodeId);

/// <summary>PostMigration is committed at <see cref="Offset"/>: the store is no longer written.</summary>
public sealed record MigrationFinalized(int NodeId, long Offset) : MigrationEvent(NodeId);
