namespace ActorKafka.Raft;

/// <summary>An RPC between nodes, stamped with the sender's node id.</summary>
public sealed record RaftPacket(int From, IRaftRpc Rpc) : IRaftMessage;

/// <summary>Journal event: the persist operations of one group-committed write.</summary>
public sealed record JournalBatch(IReadOnlyList<IPersistOp> Ops) : IRaftMessage;

// ---- the state machine API ---------------------------------------------------------------------

/// <summary>
/// Append a batch of records; answered <see cref="Proposed"/> once committed, or <see cref="ProposalRejected"/>.
/// With <see cref="RequiredEpoch"/> / <see cref="RequiredBaseOffset"/> (-1: any) the batch is appended only in
/// that epoch at that offset, else refused with UnexpectedBaseOffset (Kafka's scheduleAtomicAppend).
/// </summary>
public sealed record Propose(long RequestId, IReadOnlyList<byte[]> Records, int RequiredEpoch = -1, long RequiredBaseOffset = -1) : IRaftMessage;

/// <summary>The batch is committed at <see cref="Offset"/> in <see cref="Epoch"/>.</summary>
public sealed record Proposed(long RequestId, long Offset, int Epoch) : IRaftMessage;

/// <summary>
/// NotLeader (with the leader's id and actor path when known: retry there), FencedLeaderEpoch (the
/// entry was appended but a newer epoch replaced it: it will never commit), or InvalidRequest.
/// </summary>
public sealed record ProposalRejected(long RequestId, RaftError Error, int Epoch, int? LeaderId, string? LeaderPath, string Reason) : IRaftMessage;

/// <summary>Deliver committed batches in log order to <see cref="Subscriber"/>, starting from the log start (its snapshot first).</summary>
public sealed record SubscribeCommitted(Akka.Actor.IActorRef Subscriber) : IRaftMessage;

public sealed record UnsubscribeCommitted(Akka.Actor.IActorRef Subscriber) : IRaftMessage;

/// <summary>
/// Told to subscribers whenever this node's view of the quorum changes (and once on subscribing):
/// the epoch, the leader if known, and whether this node is that leader.
/// </summary>
public sealed record RaftLeaderChanged(int NodeId, int Epoch, int? LeaderId, RaftRole Role) : IRaftMessage
{
    public bool IsLocalLeader => Role == RaftRole.Leader;
}

/// <summary>Asks for <see cref="QuorumDescription"/>: Kafka's DescribeQuorum, answered by any node (progress only by the leader).</summary>
public sealed record DescribeQuorum : IRaftMessage
{
    public static readonly DescribeQuorum Instance = new();
}

public sealed record QuorumDescription(int NodeId, RaftRole Role, int Epoch, int? LeaderId, long HighWatermark, IReadOnlyList<ReplicaProgress> Replicas)
    : IRaftMessage;

/// <summary>One committed batch of records. Control records (LeaderChange) are delivered too, flagged by <see cref="Type"/>.</summary>
public sealed record CommittedBatch(int NodeId, long Offset, int Epoch, EntryType Type, IReadOnlyList<byte[]> Records) : IRaftMessage;

/// <summary>Replace the state machine's state by this snapshot; batches after it follow.</summary>
public sealed record LoadSnapshot(int NodeId, RaftSnapshot Snapshot) : IRaftMessage;

/// <summary>Enough has been committed since the last snapshot that the state machine should take one.</summary>
public sealed record SnapshotDue(int NodeId, long HighWatermark) : IRaftMessage;

/// <summary>The state machine's state covering every committed entry below <see cref="EndOffset"/>.</summary>
public sealed record TakeSnapshot(long EndOffset, byte[] Data) : IRaftMessage;

public sealed record SnapshotAccepted(OffsetAndEpoch Id) : IRaftMessage;

public sealed record SnapshotRejected(long EndOffset, string Reason) : IRaftMessage;

public sealed record GetRaftStatus : IRaftMessage
{
    public static readonly GetRaftStatus Instance = new();
}

public sealed record RaftStatus(
    int NodeId,
    RaftRole Role,
    int Epoch,
    int? LeaderId,
    int? VotedFor,
    long HighWatermark,
    long LogStartOffset,
    long LogEndOffset,
    long JournalWrites,
    long OpsWritten) : IRaftMessage;

/// <summary>Stops the voter processing anything (a stop-the-world pause) until <see cref="ResumeVoter"/>; messages queue meanwhile.</summary>
public sealed record PauseVoter : IRaftMessage
{
    public static readonly PauseVoter Instance = new();
}

public sealed record ResumeVoter : IRaftMessage
{
    public static readonly ResumeVoter Instance = new();
}
