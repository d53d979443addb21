namespace ActorKafka.Raft;

/// <summary>The leader's side of pull replication: answering fetches, long polls, the high watermark, check-quorum.</summary>
public sealed partial class RaftCore
{
    private sealed class ReplicaState
    {
        /// <summary>The replica's last validated fetch offset: its durable log matches ours below it.</summary>
        public long MatchEnd;

        public long LastFetchMs;

        /// <summary>It has acknowledged BeginQuorumEpoch or fetched in this epoch.</summary>
        public bool Acknowledged;
    }

    private readonly Dictionary<int, ReplicaState> _replicas = new();
    private readonly Dictionary<int, (FetchRequest Request, long Deadline)> _parked = new();
    private long _beginQuorumSentAt;

    private void AppendAsLeader(LogEntry entry)
    {
        AppendToLog(entry);
        AnswerParked(onlyWithData: true);
    }

    private void SendBeginQuorumEpoch()
    {
        _beginQuorumSentAt = _now;
        foreach (var (voter, replica) in _replicas.OrderBy(kv => kv.Key))
            if (!replica.Acknowledged && IsKnownVoter(voter))
                Send(voter, new BeginQuorumEpoch(Epoch, LocalId), afterPersist: true);
    }

    private void LeaderTick()
    {
        var expired = _parked.Where(kv => kv.Value.Deadline <= _now).Select(kv => kv.Key).OrderBy(k => k).ToList();
        foreach (var replica in expired)
        {
            var (request, _) = _parked[replica];
            _parked.Remove(replica);
            AnswerFetch(replica, request);
        }
        // Check-quorum: a leader no majority fetches from may be on the wrong side of a partition.
        var live = 1 + _replicas.Count(kv => IsKnownVoter(kv.Key) && _now - kv.Value.LastFetchMs < _config.FetchTimeoutMs);
        if (live < _config.Majority)
        {
            var successors = _replicas.Where(kv => IsKnownVoter(kv.Key))
                .OrderByDescending(kv => kv.Value.MatchEnd).ThenBy(kv => kv.Key).Select(kv => kv.Key).ToArray();
            foreach (var voter in successors) Send(voter, new EndQuorumEpoch(Epoch, LocalId, successors), afterPersist: false);
            EnterResigned();
            return;
        }
        if (_now - _beginQuorumSentAt >= _config.RetryBackoffMs) SendBeginQuorumEpoch();
    }

    private void OnFetchRequest(int from, FetchRequest r)
    {
        if (from != r.ReplicaId)
        {
            Send(from, FetchError(r, RaftError.InvalidRequest), afterPersist: false);
            return;
        }
        if (Role != RaftRole.Leader)
        {
            Send(from, FetchError(r, RaftError.NotLeader), afterPersist: false);
            return;
        }
        if (r.Epoch != Epoch)
        {
            Send(from, FetchError(r, r.Epoch < Epoch ? RaftError.FencedLeaderEpoch : RaftError.NotLeader), afterPersist: false);
            return;
        }
        if (r.FetchOffset < 0)
        {
            Send(from, FetchError(r, RaftError.InvalidRequest), afterPersist: false);
            return;
        }
        if (r.FetchOffset < _log.StartOffset || (r.FetchOffset == _log.StartOffset && r.LastFetchedEpoch != _log.StartEpoch && _snapshot is not null))
        {
            SendFetchResponse(from, r, snapshotId: _snapshot!.Id);
            return;
        }
        if (r.FetchOffset > _log.EndOffset || _log.EpochAt(r.FetchOffset - 1) != r.LastFetchedEpoch)
        {
            var end = _log.EndOffsetForEpoch(r.LastFetchedEpoch);
            if (end.Offset <= _log.StartOffset && _snapshot is not null && _log.StartEpoch > r.LastFetchedEpoch)
                SendFetchResponse(from, r, snapshotId: _snapshot.Id);
            else
                SendFetchResponse(from, r, diverging: new OffsetAndEpoch(Math.Min(end.Offset, r.FetchOffset), end.Epoch));
            return;
        }
        if (_replicas.TryGetValue(from, out var replica) || !IsKnownVoter(from))
        {
            replica ??= _replicas[from] = new ReplicaState();
            replica.MatchEnd = r.FetchOffset;
            replica.LastFetchMs = _now;
            replica.Acknowledged = true;
        }
        TryAdvanceHighWatermark();
        // Long poll: with nothing new to send, hold the request and answer the moment entries arrive.
        if (r.FetchOffset == _log.EndOffset && r.MaxWaitMs > 0)
        {
            _parked[from] = (r, _now + Math.Min(r.MaxWaitMs, _config.FetchMaxWaitMs));
            return;
        }
        _parked.Remove(from);
        AnswerFetch(from, r);
    }

    private void AnswerFetch(int to, FetchRequest r) =>
        SendFetchResponse(to, r, entries: CapBytes(_log.Read(r.FetchOffset, _config.MaxFetchEntries)));

    /// <summary>A response must fit a transport frame: stop before the byte budget runs out, but always send at least one entry.</summary>
    private IReadOnlyList<LogEntry> CapBytes(IReadOnlyList<LogEntry> entries)
    {
        long bytes = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            foreach (var record in entries[i].Records) bytes += record.Length + 8;
            if (bytes > _config.MaxFetchBytes && i > 0) return entries.Take(i).ToArray();
        }
        return entries;
    }

    /// <summary>Kafka's DescribeQuorum: every voter's and observer's progress as this leader sees it; empty unless leader.</summary>
    public IReadOnlyList<ReplicaProgress> ReplicaProgress()
    {
        if (Role != RaftRole.Leader) return Array.Empty<ReplicaProgress>();
        var progress = new List<ReplicaProgress> { new(LocalId, true, _durableEnd, 0) };
        foreach (var voter in _config.Voters.Where(v => v != LocalId).OrderBy(v => v))
            progress.Add(_replicas.TryGetValue(voter, out var r) && r.Acknowledged
                ? new(voter, true, r.MatchEnd, _now - r.LastFetchMs)
                : new(voter, true, 0, -1));
        foreach (var (id, r) in _replicas.Where(kv => !IsKnownVoter(kv.Key)).OrderBy(kv => kv.Key))
            progress.Add(new(id, false, r.MatchEnd, _now - r.LastFetchMs));
        return progress;
    }

    private void AnswerParked(bool onlyWithData)
    {
        if (_parked.Count == 0) return;
        foreach (var replica in _parked.Keys.OrderBy(k => k).ToList())
        {
            var request = _parked[replica].Request;
            if (onlyWithData && request.FetchOffset >= _log.EndOffset) continue;
            _parked.Remove(replica);
            AnswerFetch(replica, request);
        }
    }

    private void SendFetchResponse(int to, FetchRequest r, IReadOnlyList<LogEntry>? entries = null,
        OffsetAndEpoch? diverging = null, OffsetAndEpoch? snapshotId = null)
    {
        var response = new FetchResponse(Epoch, LocalId, r.CorrelationId, RaftError.None, _highWatermark, r.FetchOffset,
            entries ?? Array.Empty<LogEntry>(), diverging, snapshotId);
        // Entries may leave before the leader's own write (Raft allows it); Send still holds them behind a new epoch.
        Send(to, response, afterPersist: false);
    }

    private FetchResponse FetchError(FetchRequest r, RaftError error) =>
        new(Epoch, Role == RaftRole.Resigned ? null : LeaderId, r.CorrelationId, error, -1, r.FetchOffset, Array.Empty<LogEntry>(), null, null);

    /// <summary>
    /// The high watermark is the largest offset a majority of voters (the leader by its own durable
    /// end) holds, and it never moves until the epoch's LeaderChange record itself is committed.
    /// </summary>
    private void TryAdvanceHighWatermark()
    {
        if (Role != RaftRole.Leader) return;
        var ends = new List<long>(_config.Voters.Count);
        foreach (var voter in _config.Voters)
            ends.Add(voter == LocalId ? _durableEnd : _replicas.TryGetValue(voter, out var r) ? r.MatchEnd : 0);
        ends.Sort((a, b) => b.CompareTo(a));
        var candidate = ends[_config.Majority - 1];
        if (candidate <= _highWatermark || candidate <= EpochStartOffset) return;
        _highWatermark = candidate;
        EmitCommitted();
        AnswerParked(onlyWithData: false);
    }
}
