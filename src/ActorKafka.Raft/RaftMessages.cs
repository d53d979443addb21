namespace ActorKafka.Raft;

/// <summary>Marker for everything the Raft serializer writes: RPCs, API messages, journal events.</summary>
public interface IRaftMessage;

/// <summary>A voter-to-voter (or observer-to-voter) RPC. Every one carries the sender's epoch.</summary>
public interface IRaftRpc : IRaftMessage
{
    int Epoch { get; }
}

/// <summary>Kafka's error codes for the quorum RPCs; a rejection is always one of these, never silence.</summary>
public enum RaftError : byte
{
    None = 0,
    FencedLeaderEpoch = 1,
    NotLeader = 2,
    UnknownVoter = 3,
    SnapshotNotFound = 4,
    InvalidRequest = 5,
    UnexpectedBaseOffset = 6,
    /// <summary>A proposal larger than max-fetch-bytes: an entry crosses the network whole, so no follower could fetch it.</summary>
    RecordBatchTooLarge = 7,
}

/// <summary>
/// Vote, or with <see cref="PreVote"/> KIP-996's pre-vote: <see cref="Epoch"/> is the epoch the
/// candidate runs for (its current epoch + 1 for a pre-vote, which changes nobody's state).
/// </summary>
public sealed record VoteRequest(int Epoch, int CandidateId, int LastEpoch, long EndOffset, bool PreVote) : IRaftRpc;

public sealed record VoteResponse(int Epoch, int VoterId, bool Granted, bool PreVote, int? LeaderId, RaftError Error) : IRaftRpc;

/// <summary>A new leader announces itself: pull replication has no heartbeat to carry the news.</summary>
public sealed record BeginQuorumEpoch(int Epoch, int LeaderId) : IRaftRpc;

public sealed record BeginQuorumEpochResponse(int Epoch, int VoterId, RaftError Error) : IRaftRpc;

/// <summary>A leader resigns; voters listed earlier in <see cref="PreferredSuccessors"/> stand first.</summary>
public sealed record EndQuorumEpoch(int Epoch, int LeaderId, IReadOnlyList<int> PreferredSuccessors) : IRaftRpc;

/// <summary>
/// Pull replication: <see cref="FetchOffset"/> is the replica's durable log end and
/// <see cref="LastFetchedEpoch"/> the epoch of its entry just below it, which the leader checks
/// for divergence. The leader may hold the request up to <see cref="MaxWaitMs"/> for new data.
/// </summary>
public sealed record FetchRequest(int Epoch, int ReplicaId, long CorrelationId, long FetchOffset, int LastFetchedEpoch, long MaxWaitMs) : IRaftRpc;

/// <summary>
/// Exactly one of: entries from FetchOffset (possibly none), a <see cref="DivergingEpoch"/> to
/// truncate to, a <see cref="SnapshotId"/> to fetch because FetchOffset is below the log start, or an error.
/// </summary>
public sealed record FetchResponse(
    int Epoch,
    int? LeaderId,
    long CorrelationId,
    RaftError Error,
    long HighWatermark,
    long FetchOffset,
    IReadOnlyList<LogEntry> Entries,
    OffsetAndEpoch? DivergingEpoch,
    OffsetAndEpoch? SnapshotId) : IRaftRpc;

/// <summary>Asks for the bytes of a snapshot from <see cref="Position"/> on: snapshots travel in chunks that fit a transport frame.</summary>
public sealed record FetchSnapshotRequest(int Epoch, int ReplicaId, long CorrelationId, OffsetAndEpoch SnapshotId, long Position = 0) : IRaftRpc;

/// <summary>One chunk of the snapshot: <see cref="Chunk"/> holds its bytes from <see cref="Position"/> of <see cref="Size"/> in all.</summary>
public sealed record FetchSnapshotResponse(int Epoch, int? LeaderId, long CorrelationId, RaftError Error, OffsetAndEpoch? SnapshotId, long Size,
    long Position, byte[] Chunk) : IRaftRpc
{
    public static FetchSnapshotResponse Failed(int epoch, int? leaderId, long correlationId, RaftError error) =>
        new(epoch, leaderId, correlationId, error, null, 0, 0, Array.Empty<byte>());
}
