using ActorKafka.Broker.Log;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Replication;

public sealed partial class PartitionReplica
{
    private long _lastCorrelationId;
    private long? _inFlightCorrelationId;
    private long _inFlightSentMs;
    private long _inFlightFetchOffset;
    private bool _awaitingMetadata;
    private long _fetchBackoffUntilMs = Never;

    /// <summary>The follower is fenced (its leader epoch is older than the leader's) and waits for new metadata before fetching again.</summary>
    public bool AwaitingMetadata => _awaitingMetadata;

    /// <summary>
    /// The follower's next fetch, or null when it should not send one now: not a follower, no
    /// leader, fenced until new metadata, appends not flushed yet (it fetches only from its
    /// durable log end, so the leader counts nothing this replica could still lose), a fetch
    /// already in flight (until replica.socket.timeout.ms), or backing off after an error.
    /// It names the epoch of its last batch so the leader can tell it where the logs diverge.
    /// </summary>
    public FetchRecordsRequest? NextFetch(long nowMs)
    {
        if (Role != ReplicaRole.Follower || LeaderId < 0 || _awaitingMetadata || NeedsFlush) return null;
        if (_inFlightCorrelationId is not null && nowMs - _inFlightSentMs < _config.ReplicaFetchResponseTimeoutMs) return null;
        if (nowMs < _fetchBackoffUntilMs) return null;
        _inFlightCorrelationId = ++_lastCorrelationId;
        _inFlightSentMs = nowMs;
        _inFlightFetchOffset = _log.LogEndOffset;
        return new FetchRecordsRequest(_inFlightCorrelationId.Value, BrokerId, BrokerEpoch, Partition, _inFlightFetchOffset, _log.EpochCache.LatestEpoch,
            LeaderEpoch, _config.ReplicaFetchMaxBytes, _config.ReplicaFetchWaitMaxMs);
    }

    /// <summary>
    /// The leader's answer to the fetch in flight (any other is ignored). DivergingEpoch:
    /// truncate as Kafka's fetcher does and fetch again. Batches: appended where they continue
    /// the log (the shell flushes, then fetches again), and the high watermark becomes the
    /// leader's, capped at this log's end. FencedLeaderEpoch: wait for metadata. OffsetOutOfRange:
    /// truncate to the leader's log end if this log is longer (only after an unclean election), or
    /// restart at the leader's log start if this one is behind it. Anything else: back off.
    /// </summary>
    public void OnFetchResponse(FetchRecordsResponse response, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (Role != ReplicaRole.Follower || response.CorrelationId != _inFlightCorrelationId || response.Partition != Partition) return;
        _inFlightCorrelationId = null;
        // One fetch at a time: the log has not moved since it was sent, unless a truncation or a
        // crash-and-restart came in between, and then this answer is about another log.
        if (_log.LogEndOffset != _inFlightFetchOffset) return;
        switch (response.Error)
        {
            case ControlError.None when response.LeaderEpoch != LeaderEpoch:
                _fetchBackoffUntilMs = nowMs + _config.ReplicaFetchBackoffMs;
                return;
            case ControlError.None when response.Diverging is { } diverging:
                TruncateOnDivergence(diverging, nowMs);
                return;
            case ControlError.None:
                AppendFromLeader(response.Batches);
                SetHighWatermark(Math.Clamp(response.HighWatermark, _log.LogStartOffset, _log.LogEndOffset));
                return;
            case ControlError.FencedLeaderEpoch:
                _awaitingMetadata = true;
                return;
            case ControlError.OffsetOutOfRange:
                OnOffsetOutOfRange(response, nowMs);
                return;
            default:
                _fetchBackoffUntilMs = nowMs + _config.ReplicaFetchBackoffMs;
                return;
        }
    }

    private void AppendFromLeader(IReadOnlyList<RecordBatch> batches)
    {
        foreach (var batch in batches)
        {
            if (batch is null) return;
            if (batch.NextOffset <= _log.LogEndOffset) continue;
            // A gap, a batch straddling the log end, an epoch going backwards or one from the
            // future, or one this log cannot hold: stop here; the next fetch starts from the end.
            if (batch.BaseOffset != _log.LogEndOffset || batch.Records is null || batch.Records.Count == 0) return;
            if (batch.LeaderEpoch < _log.EpochCache.LatestEpoch || batch.LeaderEpoch > LeaderEpoch) return;
            var size = RecordBatchCodec.FrameSize(batch.Records);
            if (size < 0 || size > _log.MaxAppendBytes) return;
            _log.Append(batch);
        }
    }

    /// <summary>
    /// Kafka's truncation on a diverging epoch (AbstractFetcherThread.getOffsetTruncationState):
    /// if this log knows the leader's epoch, truncate to the lesser of both ends of it; if not,
    /// truncate to the end of the largest epoch below it here and ask again (the next fetch).
    /// </summary>
    private void TruncateOnDivergence(DivergingEpoch diverging, long nowMs)
    {
        if (diverging.EndOffset < 0)
        {
            _fetchBackoffUntilMs = nowMs + _config.ReplicaFetchBackoffMs;
            return;
        }
        var logEnd = _log.LogEndOffset;
        var (epoch, endOffset) = _log.EpochCache.EndOffsetFor(diverging.Epoch, logEnd);
        long target;
        if (epoch == LeaderEpochCache.UndefinedEpoch || endOffset == LeaderEpochCache.UndefinedOffset) target = Math.Min(diverging.EndOffset, logEnd);
        else if (epoch != diverging.Epoch) target = Math.Min(endOffset, logEnd);
        else target = Math.Min(Math.Min(endOffset, diverging.EndOffset), logEnd);
        _log.TruncateTo(target);
        SetHighWatermark(Math.Min(_highWatermark, _log.LogEndOffset));
    }

    private void OnOffsetOutOfRange(FetchRecordsResponse response, long nowMs)
    {
        var logEnd = _log.LogEndOffset;
        if (response.LogEndOffset >= 0 && response.LogEndOffset < logEnd)
        {
            _log.TruncateTo(response.LogEndOffset);
            SetHighWatermark(Math.Min(_highWatermark, _log.LogEndOffset));
        }
        else if (logEnd < response.LogStartOffset)
        {
            _log.TruncateFullyAndStartAt(response.LogStartOffset);
            SetHighWatermark(_log.LogEndOffset);
        }
        else
        {
            _fetchBackoffUntilMs = nowMs + _config.ReplicaFetchBackoffMs;
        }
    }

    /// <summary>
    /// The fetch in flight went somewhere that will not answer (the leader's node moved): forget it,
    /// so <see cref="NextFetch"/> sends a new one now rather than after the response timeout.
    /// Its answer, should one still come, is ignored by its correlation id.
    /// </summary>
    public void AbandonFetch() => _inFlightCorrelationId = null;

    private void ResetFetcher()
    {
        _inFlightCorrelationId = null;
        _awaitingMetadata = false;
        _fetchBackoffUntilMs = Never;
    }
}
