namespace ActorKafka.Raft;

/// <summary>A change that must be durable before anything that depends on it leaves the node.</summary>
public interface IPersistOp : IRaftMessage;

public sealed record QuorumStateChanged(QuorumState State) : IPersistOp;

public sealed record EntriesAppended(IReadOnlyList<LogEntry> Entries) : IPersistOp;

/// <summary>Everything at or above <see cref="Offset"/> is gone (divergence from the leader).</summary>
public sealed record LogTruncated(long Offset) : IPersistOp;

/// <summary>The local state machine's snapshot; entries below its offset may be dropped.</summary>
public sealed record SnapshotTaken(RaftSnapshot Snapshot) : IPersistOp;

/// <summary>A snapshot fetched from the leader replaces the whole local log.</summary>
public sealed record SnapshotInstalled(RaftSnapshot Snapshot) : IPersistOp;
