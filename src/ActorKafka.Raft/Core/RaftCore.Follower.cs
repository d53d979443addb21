namespace ActorKafka.Raft;

/// <summary>The fetching side, shared by followers and observers: fetch, truncate on divergence, fetch snapshots.</summary>
public sealed partial class RaftCore
{
    private long _fetchCorrelation;

    /// <summary>The snapshot being downloaded chunk by chunk, and how much of it has arrived.</summary>
    private (OffsetAndEpoch Id, byte[] Data, long Received)? _download;
    private long _fetchDueAt;
    private int _discoveryCursor;

    private void SendFetch()
    {
        int target;
        if (Role == RaftRole.Follower && LeaderId is int leader) target = leader;
        else if (Role == RaftRole.Unattached && !IsVoter)
        {
            // An observer without a leader asks the voters in turn; any of them can name the leader.
            var voters = _config.Voters.OrderBy(v => v).ToArray();
            target = voters[_discoveryCursor++ % voters.Length];
        }
        else return;
        _fetchCorrelation++;
        _fetchDueAt = _now + _config.FetchMaxWaitMs + _config.RequestTimeoutMs;
        // The fetch offset tells the leader what is durable here, so the request waits for the writes before it.
        Send(target, new FetchRequest(Epoch, LocalId, _fetchCorrelation, _log.EndOffset, _log.LastEpoch, _config.FetchMaxWaitMs), afterPersist: true);
    }

    private bool IsCurrentFetch(long correlationId) => correlationId == _fetchCorrelation && (Role == RaftRole.Follower || (Role == RaftRole.Unattached && !IsVoter));

    private void OnFetchResponse(int from, FetchResponse r)
    {
        if (r.Epoch > Epoch)
        {
            TransitionToEpoch(r.Epoch, r.LeaderId);
            return;
        }
        if (!IsCurrentFetch(r.CorrelationId)) return;
        if (Role == RaftRole.Unattached)
        {
            if (r.LeaderId is int hint && r.Epoch == Epoch && IsKnownVoter(hint))
            {
                SetQuorum(Epoch, _quorum.VotedFor, hint);
                EnterFollower(hint);
            }
            else _fetchDueAt = _now + _config.RetryBackoffMs;
            return;
        }
        if (r.Epoch < Epoch || from != LeaderId) return;
        if (r.Error != RaftError.None)
        {
            _fetchDueAt = _now + _config.RetryBackoffMs;
            return;
        }
        _lastLeaderContact = _now;
        _electionDeadline = _now + _config.FetchTimeoutMs;
        if (r.SnapshotId is OffsetAndEpoch snapshotId)
        {
            _fetchCorrelation++;
            _fetchDueAt = _now + _config.RequestTimeoutMs;
            if (_download?.Id != snapshotId) _download = null;
            Send(from, new FetchSnapshotRequest(Epoch, LocalId, _fetchCorrelation, snapshotId, _download?.Received ?? 0), afterPersist: true);
            return;
        }
        if (r.DivergingEpoch is OffsetAndEpoch diverging)
        {
            var local = _log.EndOffsetForEpoch(diverging.Epoch);
            Truncate(Math.Max(_log.StartOffset, Math.Min(local.Offset, diverging.Offset)));
            SendFetch();
            return;
        }
        if (r.FetchOffset != _log.EndOffset) return;
        foreach (var entry in r.Entries)
        {
            if (entry.Offset != _log.EndOffset || entry.Epoch > Epoch) break;
            AppendToLog(entry);
        }
        var highWatermark = Math.Min(r.HighWatermark, _log.EndOffset);
        if (highWatermark > _highWatermark)
        {
            _highWatermark = highWatermark;
            EmitCommitted();
        }
        SendFetch();
    }

    private void OnFetchSnapshotRequest(int from, FetchSnapshotRequest r)
    {
        RaftError error;
        if (from != r.ReplicaId) error = RaftError.InvalidRequest;
        else if (Role != RaftRole.Leader) error = RaftError.NotLeader;
        else if (r.Epoch != Epoch) error = r.Epoch < Epoch ? RaftError.FencedLeaderEpoch : RaftError.NotLeader;
        else if (_snapshot is null || _snapshot.Id != r.SnapshotId) error = RaftError.SnapshotNotFound;
        else if (r.Position < 0 || r.Position > _snapshot.Data.Length) error = RaftError.InvalidRequest;
        else error = RaftError.None;
        var leaderId = Role == RaftRole.Resigned ? null : LeaderId;
        if (error != RaftError.None)
        {
            Send(from, FetchSnapshotResponse.Failed(Epoch, leaderId, r.CorrelationId, error), afterPersist: false);
            return;
        }
        var data = _snapshot!.Data;
        var length = (int)Math.Min(data.Length - r.Position, _config.MaxFetchBytes);
        var chunk = data.AsSpan((int)r.Position, length).ToArray();
        Send(from, new FetchSnapshotResponse(Epoch, leaderId, r.CorrelationId, RaftError.None, _snapshot.Id, data.Length, r.Position, chunk), afterPersist: false);
    }

    private void OnFetchSnapshotResponse(int from, FetchSnapshotResponse r)
    {
        if (r.Epoch > Epoch)
        {
            TransitionToEpoch(r.Epoch, r.LeaderId);
            return;
        }
        if (!IsCurrentFetch(r.CorrelationId) || Role != RaftRole.Follower || r.Epoch < Epoch || from != LeaderId) return;
        if (r.Error != RaftError.None || r.SnapshotId is not { } id || id.Offset < _highWatermark || r.Size < 0 || r.Size > int.MaxValue)
        {
            _download = null;
            _fetchDueAt = _now;
            SendFetch();
            return;
        }
        _lastLeaderContact = _now;
        _electionDeadline = _now + _config.FetchTimeoutMs;
        // A chunk of another snapshot or at an unexpected position restarts the download from where this one stands.
        if (_download is not { } download || download.Id != id || download.Data.Length != r.Size) download = (id, new byte[r.Size], 0);
        if (r.Position == download.Received && r.Position + r.Chunk.Length <= r.Size)
        {
            r.Chunk.CopyTo(download.Data, r.Position);
            download.Received += r.Chunk.Length;
        }
        _download = download;
        if (download.Received < r.Size && r.Chunk.Length > 0)
        {
            _fetchCorrelation++;
            _fetchDueAt = _now + _config.RequestTimeoutMs;
            Send(from, new FetchSnapshotRequest(Epoch, LocalId, _fetchCorrelation, id, download.Received), afterPersist: true);
            return;
        }
        _download = null;
        if (download.Received == r.Size) InstallSnapshot(new RaftSnapshot(id, download.Data));
        SendFetch();
    }

    /// <summary>A snapshot from the leader replaces the whole local log; the state machine reloads from it.</summary>
    private void InstallSnapshot(RaftSnapshot snapshot)
    {
        CapDurable(0);
        _log.ResetTo(snapshot.Id);
        _snapshot = snapshot;
        AddPersist(new SnapshotInstalled(snapshot));
        _ready.Committed.Clear();
        _ready.LoadSnapshot = snapshot;
        _highWatermark = Math.Max(_highWatermark, snapshot.Id.Offset);
        _appliedEnd = snapshot.Id.Offset;
        EmitCommitted();
    }

    /// <summary>
    /// The state machine's snapshot of everything below <paramref name="endOffset"/>, which must be
    /// committed. Entries below it leave the log; replicas that need them fetch the snapshot instead.
    /// </summary>
    public string? TakeSnapshot(long endOffset, byte[] data, long now)
    {
        _now = now;
        if (endOffset > _highWatermark) return $"offset {endOffset} is above the high watermark {_highWatermark}";
        if (endOffset <= _log.StartOffset) return $"offset {endOffset} is not above the log start {_log.StartOffset}";
        if (endOffset > _appliedEnd) return $"offset {endOffset} has not been delivered to the state machine yet";
        var snapshot = new RaftSnapshot(new OffsetAndEpoch(endOffset, _log.EpochAt(endOffset - 1)!.Value), data);
        _log.CompactTo(snapshot.Id);
        _snapshot = snapshot;
        AddPersist(new SnapshotTaken(snapshot));
        return null;
    }
}
