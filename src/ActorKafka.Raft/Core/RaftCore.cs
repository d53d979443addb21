namespace ActorKafka.Raft;

/// <summary>
/// KRaft's Raft as a deterministic step function: messages, ticks and proposals go in with the
/// current time; the results accumulate in a <see cref="Ready"/> the shell takes with
/// <see cref="TakeReady"/>. No I/O, clocks or threads: the same inputs give the same outputs,
/// which is what lets the simulation replay a seed exactly. Role transitions live in this file.
/// </summary>
public sealed partial class RaftCore
{
    private readonly RaftCoreConfig _config;
    private readonly Random _random;
    private readonly RaftLog _log;
    private readonly List<(long Seq, long End)> _undurable = new();
    private QuorumState _quorum;
    private RaftSnapshot? _snapshot;
    private Ready _ready;
    private long _readySeq;
    private long _durableEnd;
    private long _highWatermark;
    private long _appliedEnd;
    private long _now;
    private long _quorumSeq = -1;
    private List<LogEntry>? _openAppend;

    /// <summary>Unattached, prospective, candidate, resigned: when to (re)start an election. Follower: when the fetch timeout expires.</summary>
    private long _electionDeadline;

    public RaftCore(RaftCoreConfig config, PersistedState persisted, long now, Random random)
    {
        var problems = config.Problems();
        if (problems.Count > 0) throw new ArgumentException("invalid Raft configuration: " + string.Join("; ", problems), nameof(config));
        _config = config;
        _random = random;
        _now = now;
        _log = persisted.ToLog();
        _snapshot = persisted.Snapshot;
        _quorum = persisted.Quorum;
        _durableEnd = _log.EndOffset;
        _highWatermark = _appliedEnd = _log.StartOffset;
        _ready = new Ready { Seq = ++_readySeq };
        if (_snapshot is not null) _ready.LoadSnapshot = _snapshot;

        // A leader that restarts cannot lead its old epoch again: it resigns and a new election follows.
        if (_quorum.LeaderId == config.LocalId) EnterResigned();
        else if (_quorum.LeaderId is int leader) EnterFollower(leader);
        else EnterUnattached();
    }

    public int LocalId => _config.LocalId;
    public bool IsVoter => _config.IsVoter;
    public RaftRole Role { get; private set; }
    public int Epoch => _quorum.Epoch;
    public int? LeaderId => _quorum.LeaderId;
    public int? VotedFor => _quorum.VotedFor;
    public QuorumState Quorum => _quorum;
    public long HighWatermark => _highWatermark;
    public long LogStartOffset => _log.StartOffset;
    public long LogEndOffset => _log.EndOffset;
    public long DurableEndOffset => _durableEnd;
    public long AppliedEnd => _appliedEnd;
    public long EpochStartOffset { get; private set; } = -1;
    public RaftSnapshot? Snapshot => _snapshot;
    internal RaftLog Log => _log;

    /// <summary>The outputs accumulated since the last call; the shell must persist, send and report back.</summary>
    public Ready TakeReady()
    {
        var ready = _ready;
        if (ready.Persist.Count > 0) _undurable.Add((ready.Seq, _log.EndOffset));
        _ready = new Ready { Seq = ++_readySeq };
        _openAppend = null;
        return ready;
    }

    /// <summary>Every persist operation of the Ready <paramref name="seq"/> and those before it is durable.</summary>
    public void OnDurable(long seq)
    {
        while (_undurable.Count > 0 && _undurable[0].Seq <= seq)
        {
            _durableEnd = _undurable[0].End;
            _undurable.RemoveAt(0);
        }
        if (seq >= _quorumSeq) _quorumSeq = -1;
        if (Role == RaftRole.Leader) TryAdvanceHighWatermark();
    }

    public void Tick(long now)
    {
        _now = now;
        switch (Role)
        {
            case RaftRole.Leader:
                LeaderTick();
                break;
            case RaftRole.Follower:
                if (_now >= _electionDeadline)
                {
                    if (IsVoter) EnterProspective();
                    else EnterUnattached();
                }
                else if (_now >= _fetchDueAt) SendFetch();
                break;
            case RaftRole.Unattached:
                if (!IsVoter)
                {
                    if (_now >= _fetchDueAt) SendFetch();
                }
                else if (_now >= _electionDeadline) EnterProspective();
                break;
            case RaftRole.Prospective:
                if (_now >= _electionDeadline) ProspectiveLost();
                else if (_now >= _preVoteRetryAt) RetryPreVote();
                break;
            case RaftRole.Candidate:
            case RaftRole.Resigned:
                if (_now >= _electionDeadline) EnterProspective();
                break;
        }
    }

    public void Handle(int from, IRaftRpc message, long now)
    {
        _now = now;
        switch (message)
        {
            case VoteRequest r: OnVoteRequest(from, r); break;
            case VoteResponse r: OnVoteResponse(from, r); break;
            case BeginQuorumEpoch r: OnBeginQuorumEpoch(from, r); break;
            case BeginQuorumEpochResponse r: OnBeginQuorumEpochResponse(from, r); break;
            case EndQuorumEpoch r: OnEndQuorumEpoch(from, r); break;
            case FetchRequest r: OnFetchRequest(from, r); break;
            case FetchResponse r: OnFetchResponse(from, r); break;
            case FetchSnapshotRequest r: OnFetchSnapshotRequest(from, r); break;
            case FetchSnapshotResponse r: OnFetchSnapshotResponse(from, r); break;
        }
    }

    /// <summary>
    /// Appends a batch as leader. As Kafka's scheduleAtomicAppend, a proposer that predicted where its
    /// batch lands (its records may name their own offset, like a broker epoch) passes the epoch and
    /// base offset it requires; anything else is refused rather than appended somewhere unexpected.
    /// </summary>
    public ProposeResult Propose(IReadOnlyList<byte[]> records, long now, int requiredEpoch = -1, long requiredBaseOffset = -1)
    {
        _now = now;
        if (records.Count == 0) return new ProposeResult.Invalid("a batch needs at least one record");
        if (records.Any(r => r is null)) return new ProposeResult.Invalid("a record must not be null");
        if (Role != RaftRole.Leader) return new ProposeResult.NotLeader(Epoch, Role == RaftRole.Resigned ? null : LeaderId);
        if (requiredEpoch >= 0 && requiredEpoch != Epoch)
            return new ProposeResult.Unexpected($"the leader is in epoch {Epoch}, not the required {requiredEpoch}");
        if (requiredBaseOffset >= 0 && requiredBaseOffset != _log.EndOffset)
            return new ProposeResult.Unexpected($"the batch would land at offset {_log.EndOffset}, not the required {requiredBaseOffset}");
        var entry = new LogEntry(_log.EndOffset, Epoch, EntryType.Data, records.ToArray());
        AppendAsLeader(entry);
        return new ProposeResult.Appended(entry.Offset, entry.Epoch);
    }

    /// <summary>
    /// A hint from outside (the transport saw the leader's connection die): a voter stops waiting
    /// for the fetch timeout and asks for pre-votes now. Safe whatever its truth, because a
    /// pre-vote changes nothing unless a majority has also lost the leader.
    /// </summary>
    public void LeaderUnreachable(int leaderId, long now)
    {
        _now = now;
        if (Role != RaftRole.Follower || LeaderId != leaderId) return;
        _lastLeaderContact = long.MinValue;
        if (IsVoter) EnterProspective();
        else EnterUnattached();
    }

    // ---- transitions -------------------------------------------------------------------------

    private void SetQuorum(int epoch, int? votedFor, int? leaderId)
    {
        var next = new QuorumState(epoch, votedFor, leaderId);
        if (next == _quorum) return;
        if (epoch < _quorum.Epoch) throw new InvalidOperationException($"epoch may not go back from {_quorum.Epoch} to {epoch}");
        _quorum = next;
        _quorumSeq = _ready.Seq;
        AddPersist(new QuorumStateChanged(next));
    }

    /// <summary>A newer epoch seen in any RPC: follow its leader if named, otherwise wait unattached.</summary>
    private void TransitionToEpoch(int epoch, int? leaderId)
    {
        if (epoch <= Epoch) return;
        if (leaderId is int leader && leader != LocalId)
        {
            SetQuorum(epoch, null, leader);
            EnterFollower(leader);
        }
        else
        {
            SetQuorum(epoch, null, null);
            EnterUnattached();
        }
    }

    private void EnterUnattached()
    {
        LeaveLeadership();
        Role = RaftRole.Unattached;
        _electionDeadline = _now + RandomElectionTimeout();
        _fetchDueAt = _now;
    }

    private void EnterFollower(int leaderId)
    {
        LeaveLeadership();
        Role = RaftRole.Follower;
        _lastLeaderContact = _now;
        _electionDeadline = _now + _config.FetchTimeoutMs;
        SendFetch();
    }

    private void EnterProspective()
    {
        LeaveLeadership();
        Role = RaftRole.Prospective;
        _granted.Clear();
        _rejected.Clear();
        _granted.Add(LocalId);
        _electionDeadline = _now + RandomElectionTimeout();
        _preVoteRetryAt = _now + _config.RetryBackoffMs;
        foreach (var voter in OtherVoters())
            Send(voter, new VoteRequest(Epoch + 1, LocalId, _log.LastEpoch, _log.EndOffset, PreVote: true), afterPersist: false);
        if (_granted.Count >= _config.Majority) EnterCandidate();
    }

    /// <summary>
    /// Asks again, every retry backoff, the voters that have not granted: one that refused because
    /// it still heard from the leader a moment ago may have lost it since. A pre-vote binds no one,
    /// so asking again is safe; it only saves waiting out a whole election timeout.
    /// </summary>
    private void RetryPreVote()
    {
        _preVoteRetryAt = _now + _config.RetryBackoffMs;
        foreach (var voter in OtherVoters().Where(v => !_granted.Contains(v)))
        {
            _rejected.Remove(voter);
            Send(voter, new VoteRequest(Epoch + 1, LocalId, _log.LastEpoch, _log.EndOffset, PreVote: true), afterPersist: false);
        }
    }

    private void EnterCandidate()
    {
        LeaveLeadership();
        SetQuorum(Epoch + 1, LocalId, null);
        Role = RaftRole.Candidate;
        _granted.Clear();
        _rejected.Clear();
        _granted.Add(LocalId);
        _electionDeadline = _now + RandomElectionTimeout();
        // The vote for itself is durable before anyone is asked: a restart cannot vote again in this epoch.
        foreach (var voter in OtherVoters())
            Send(voter, new VoteRequest(Epoch, LocalId, _log.LastEpoch, _log.EndOffset, PreVote: false), afterPersist: true);
        if (_granted.Count >= _config.Majority) EnterLeader();
    }

    private void EnterLeader()
    {
        Role = RaftRole.Leader;
        SetQuorum(Epoch, _quorum.VotedFor, LocalId);
        _replicas.Clear();
        foreach (var voter in OtherVoters()) _replicas[voter] = new ReplicaState { LastFetchMs = _now };
        _parked.Clear();
        EpochStartOffset = _log.EndOffset;
        AppendAsLeader(LogEntry.LeaderChange(_log.EndOffset, Epoch, LocalId, _config.Voters));
        SendBeginQuorumEpoch();
    }

    private void EnterResigned()
    {
        LeaveLeadership();
        Role = RaftRole.Resigned;
        _electionDeadline = _now + RandomElectionTimeout();
    }

    private void LeaveLeadership()
    {
        if (Role != RaftRole.Leader) return;
        _parked.Clear();
        _replicas.Clear();
        EpochStartOffset = -1;
    }

    // ---- helpers ----------------------------------------------------------------------------

    private IEnumerable<int> OtherVoters() => _config.Voters.Where(v => v != LocalId).OrderBy(v => v);

    private bool IsKnownVoter(int id) => _config.Voters.Contains(id);

    private long RandomElectionTimeout() => _config.ElectionTimeoutMs + _random.NextInt64(_config.ElectionTimeoutMs);

    private void Send(int to, IRaftRpc message, bool afterPersist)
    {
        if (to == LocalId) return;
        // Nobody hears of an epoch (or a leader) this node has not yet made durable: a crash could take it back.
        _ready.Messages.Add(new Outgoing(to, message, afterPersist || _quorumSeq >= 0));
    }

    private void AddPersist(IPersistOp op)
    {
        _openAppend = null;
        _ready.Persist.Add(op);
    }

    private void AppendToLog(LogEntry entry)
    {
        _log.Append(entry);
        // Consecutive appends share one operation: that is the unit of group commit.
        if (_openAppend is null)
        {
            _openAppend = new List<LogEntry>();
            _ready.Persist.Add(new EntriesAppended(_openAppend));
        }
        _openAppend.Add(entry);
    }

    private void Truncate(long offset)
    {
        if (offset >= _log.EndOffset) return;
        _log.TruncateTo(offset);
        AddPersist(new LogTruncated(offset));
        CapDurable(offset);
    }

    /// <summary>Writes queued before a truncation can no longer vouch for entries at or above it.</summary>
    private void CapDurable(long offset)
    {
        for (var i = 0; i < _undurable.Count; i++) _undurable[i] = (_undurable[i].Seq, Math.Min(_undurable[i].End, offset));
        _durableEnd = Math.Min(_durableEnd, offset);
    }

    private void EmitCommitted()
    {
        for (var offset = Math.Max(_appliedEnd, _log.StartOffset); offset < _highWatermark; offset++) _ready.Committed.Add(_log[offset]);
        _appliedEnd = Math.Max(_appliedEnd, _highWatermark);
    }
}
