namespace ActorKafka.Raft;

/// <summary>Vote, pre-vote (KIP-996), BeginQuorumEpoch and EndQuorumEpoch.</summary>
public sealed partial class RaftCore
{
    private readonly HashSet<int> _granted = new();
    private readonly HashSet<int> _rejected = new();
    private long _lastLeaderContact = long.MinValue;
    private long _preVoteRetryAt = long.MaxValue;

    /// <summary>A voter that hears from its leader (or is the leader) refuses pre-votes: it would only be disrupted.</summary>
    private bool HasLiveLeader =>
        Role == RaftRole.Leader
        || (Role == RaftRole.Follower && _lastLeaderContact != long.MinValue && _now - _lastLeaderContact < _config.FetchTimeoutMs);

    private bool IsUpToDate(int lastEpoch, long endOffset) => new OffsetAndEpoch(endOffset, lastEpoch).CompareTo(_log.End) >= 0;

    private void OnVoteRequest(int from, VoteRequest r)
    {
        if (!IsVoter || !IsKnownVoter(r.CandidateId) || from != r.CandidateId)
        {
            Send(from, new VoteResponse(Epoch, LocalId, false, r.PreVote, LeaderId, RaftError.UnknownVoter), afterPersist: false);
            return;
        }
        if (r.PreVote)
        {
            var grant = r.Epoch > Epoch && !HasLiveLeader && IsUpToDate(r.LastEpoch, r.EndOffset);
            Send(from, new VoteResponse(Epoch, LocalId, grant, true, LeaderId, RaftError.None), afterPersist: false);
            return;
        }
        if (r.Epoch < Epoch)
        {
            Send(from, new VoteResponse(Epoch, LocalId, false, false, LeaderId, RaftError.FencedLeaderEpoch), afterPersist: false);
            return;
        }
        TransitionToEpoch(r.Epoch, null);
        // One vote per epoch, and none once a leader is known: the quorum state, not the role, decides.
        var granted = _quorum.LeaderId is null
                      && (_quorum.VotedFor is null || _quorum.VotedFor == r.CandidateId)
                      && IsUpToDate(r.LastEpoch, r.EndOffset);
        if (granted)
        {
            SetQuorum(Epoch, r.CandidateId, null);
            if (Role != RaftRole.Unattached) EnterUnattached();
            else _electionDeadline = _now + RandomElectionTimeout();
        }
        Send(from, new VoteResponse(Epoch, LocalId, granted, false, LeaderId, RaftError.None), afterPersist: true);
    }

    private void OnVoteResponse(int from, VoteResponse r)
    {
        if (!IsKnownVoter(from) || from != r.VoterId) return;
        if (r.Epoch > Epoch)
        {
            TransitionToEpoch(r.Epoch, r.LeaderId);
            return;
        }
        if (r.PreVote)
        {
            // A voter behind our epoch still answers the question asked (epoch + 1), so its answer counts.
            if (Role != RaftRole.Prospective) return;
            if (!r.Granted && r.Epoch == Epoch && LeaderId is null && r.LeaderId is int leader && leader != LocalId && IsKnownVoter(leader))
            {
                SetQuorum(Epoch, _quorum.VotedFor, leader);
                EnterFollower(leader);
                return;
            }
            (r.Granted ? _granted : _rejected).Add(from);
            if (_granted.Count >= _config.Majority) EnterCandidate();
            else if (_rejected.Count >= _config.Majority) ProspectiveLost();
            return;
        }
        if (Role != RaftRole.Candidate || r.Epoch != Epoch) return;
        (r.Granted ? _granted : _rejected).Add(from);
        if (_granted.Count >= _config.Majority) EnterLeader();
    }

    /// <summary>A lost pre-vote: back to the known leader if there is one, and try again after a random backoff.</summary>
    private void ProspectiveLost()
    {
        if (LeaderId is int leader && leader != LocalId)
        {
            EnterFollower(leader);
            _lastLeaderContact = long.MinValue;
        }
        else
        {
            Role = LeaderId == LocalId ? RaftRole.Resigned : RaftRole.Unattached;
        }
        _electionDeadline = _now + _config.RetryBackoffMs + _random.NextInt64(_config.ElectionTimeoutMs);
    }

    private void OnBeginQuorumEpoch(int from, BeginQuorumEpoch r)
    {
        if (!IsKnownVoter(r.LeaderId) || from != r.LeaderId)
        {
            Send(from, new BeginQuorumEpochResponse(Epoch, LocalId, RaftError.UnknownVoter), afterPersist: false);
            return;
        }
        if (r.Epoch < Epoch)
        {
            Send(from, new BeginQuorumEpochResponse(Epoch, LocalId, RaftError.FencedLeaderEpoch), afterPersist: false);
            return;
        }
        if (r.Epoch > Epoch) TransitionToEpoch(r.Epoch, r.LeaderId);
        else if (LeaderId is null)
        {
            SetQuorum(Epoch, _quorum.VotedFor, r.LeaderId);
            EnterFollower(r.LeaderId);
        }
        else if (LeaderId != r.LeaderId)
        {
            Send(from, new BeginQuorumEpochResponse(Epoch, LocalId, RaftError.InvalidRequest), afterPersist: false);
            return;
        }
        else if (Role != RaftRole.Follower) EnterFollower(r.LeaderId);
        Send(from, new BeginQuorumEpochResponse(Epoch, LocalId, RaftError.None), afterPersist: true);
    }

    private void OnBeginQuorumEpochResponse(int from, BeginQuorumEpochResponse r)
    {
        if (r.Epoch > Epoch)
        {
            TransitionToEpoch(r.Epoch, null);
            return;
        }
        if (Role == RaftRole.Leader && r.Epoch == Epoch && r.Error == RaftError.None && _replicas.TryGetValue(from, out var replica))
            replica.Acknowledged = true;
    }

    private void OnEndQuorumEpoch(int from, EndQuorumEpoch r)
    {
        if (!IsKnownVoter(r.LeaderId) || from != r.LeaderId) return;
        if (r.Epoch > Epoch)
        {
            TransitionToEpoch(r.Epoch, null);
            return;
        }
        if (r.Epoch < Epoch || LeaderId != r.LeaderId || Role != RaftRole.Follower || !IsVoter) return;
        // The leader is going: preferred successors stand first, the rest a backoff later each.
        var rank = r.PreferredSuccessors.ToList().IndexOf(LocalId);
        if (rank < 0) rank = r.PreferredSuccessors.Count;
        _lastLeaderContact = long.MinValue;
        _electionDeadline = Math.Min(_electionDeadline, _now + rank * _config.RetryBackoffMs);
        if (rank == 0) EnterProspective();
    }
}
