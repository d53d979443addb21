using ActorKafka.Broker.Log;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Replication;

public sealed partial class PartitionReplica
{
    private readonly Dictionary<int, RemoteReplica> _remotes = new();
    private readonly List<WaitingProduce> _awaitingFlush = new();
    private readonly List<WaitingProduce> _awaitingHighWatermark = new();
    private IsrChangeProposal? _pendingIsr;
    private IsrChangeProposal? _unsentIsr;

    /// <summary>The ISR change sent and not yet answered, if any.</summary>
    public IsrChangeProposal? PendingIsrChange => _pendingIsr;

    /// <summary>The ISR plus any replica a pending change adds (Kafka's maximal ISR): what the high watermark and acks=all count.</summary>
    public IReadOnlyList<int> MaximalIsr => _pendingIsr is null ? _isr : _isr.Union(_pendingIsr.NewIsr).ToArray();

    /// <summary>
    /// A produce at the leader. Checked, in Kafka's order: leadership and leader epoch, acks,
    /// records, size (RecordListTooLarge above a segment, MessageTooLarge above max batch bytes),
    /// and for acks=all an ISR of at least min.insync.replicas (else NotEnoughReplicas, nothing
    /// appended). Then appended (buffered): acks=0/1 are answered after the flush, acks=all when
    /// the high watermark passes the batch's last offset (NotEnoughReplicasAfterAppend if the ISR
    /// is below min.insync.replicas by then, RequestTimedOut past its timeout).
    /// </summary>
    public ProduceResult Produce(ProduceRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ProduceResult Refuse(ControlError error, string message) =>
            new(ProduceWait.None, -1, -1, new ProduceResponse(request.CorrelationId, request.Partition, error, -1, LeaderEpoch, LeaderId, message));
        if (request.Partition != Partition) return Refuse(ControlError.UnknownTopicOrPartition, $"this replica is {Partition}");
        if (Role != ReplicaRole.Leader) return Refuse(ControlError.NotLeaderOrFollower, $"broker {BrokerId} is not the leader of {Partition}");
        if (EpochError(request.CurrentLeaderEpoch) is { } epochError)
            return Refuse(epochError, $"leader epoch {request.CurrentLeaderEpoch} against {LeaderEpoch}");
        if (request.Acks is not (Acks.All or Acks.None or Acks.Leader)) return Refuse(ControlError.InvalidRequiredAcks, $"acks {(short)request.Acks}");
        if (request.Records is null || request.Records.Count == 0) return Refuse(ControlError.CorruptMessage, "a produce without records");
        var size = RecordBatchCodec.FrameSize(request.Records);
        if (size < 0) return Refuse(ControlError.CorruptMessage, "a record without a value");
        if (size > _log.MaxAppendBytes) return Refuse(ControlError.RecordListTooLarge, $"a batch of {size} bytes is above the segment size {_log.MaxAppendBytes}");
        if (size > _config.MaxBatchBytes) return Refuse(ControlError.MessageTooLarge, $"a batch of {size} bytes is above {_config.MaxBatchBytes}");
        if (request.Acks == Acks.All && _isr.Length < _config.MinInsyncReplicas)
            return Refuse(ControlError.NotEnoughReplicas, $"isr [{string.Join(",", _isr)}] is below min.insync.replicas {_config.MinInsyncReplicas}");

        var batch = new RecordBatch(_log.LogEndOffset, LeaderEpoch, request.Records);
        _log.Append(batch);
        var waiting = new WaitingProduce(request.CorrelationId, request.Partition, request.Acks, batch.BaseOffset, batch.LastOffset,
            nowMs + Math.Max(0, request.TimeoutMs));
        if (request.Acks == Acks.All)
        {
            _awaitingHighWatermark.Add(waiting);
            return new ProduceResult(ProduceWait.HighWatermark, batch.BaseOffset, batch.LastOffset, null);
        }
        _awaitingFlush.Add(waiting);
        return new ProduceResult(ProduceWait.Flush, batch.BaseOffset, batch.LastOffset, null);
    }

    /// <summary>
    /// A fetch at the leader, from a follower (ReplicaId = its broker id) or a consumer (-1).
    /// Checks leadership and leader epoch, then, when the request names its last fetched epoch,
    /// whether its log still agrees with this one (else DivergingEpoch: where to truncate to),
    /// then the offset range. A follower's fetch offset is its durable log end: it updates that
    /// follower's state, may propose adding it to the ISR and may advance the high watermark.
    /// Followers read up to the log end, consumers only below the high watermark.
    /// </summary>
    public FetchRecordsResponse HandleFetch(FetchRecordsRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        FetchRecordsResponse Answer(ControlError error, DivergingEpoch? diverging, IReadOnlyList<RecordBatch> batches) =>
            new(request.CorrelationId, Partition, error, _highWatermark, _log.LogStartOffset, _log.LogEndOffset, LeaderEpoch, diverging, batches);
        if (request.Partition != Partition) return Answer(ControlError.UnknownTopicOrPartition, null, []);
        if (Role != ReplicaRole.Leader) return Answer(ControlError.NotLeaderOrFollower, null, []);
        if (EpochError(request.CurrentLeaderEpoch) is { } epochError) return Answer(epochError, null, []);
        RemoteReplica? follower = null;
        if (request.ReplicaId >= 0 && !_remotes.TryGetValue(request.ReplicaId, out follower)) return Answer(ControlError.NotLeaderOrFollower, null, []);

        var logEnd = _log.LogEndOffset;
        if (request.LastFetchedEpoch >= 0)
        {
            var (epoch, endOffset) = _log.EpochCache.EndOffsetFor(request.LastFetchedEpoch, logEnd);
            if (epoch == LeaderEpochCache.UndefinedEpoch || endOffset == LeaderEpochCache.UndefinedOffset || request.FetchOffset < _log.LogStartOffset)
                return Answer(ControlError.OffsetOutOfRange, null, []);
            if (epoch < request.LastFetchedEpoch || endOffset < request.FetchOffset) return Answer(ControlError.None, new DivergingEpoch(epoch, endOffset), []);
        }
        if (request.FetchOffset < _log.LogStartOffset || request.FetchOffset > logEnd) return Answer(ControlError.OffsetOutOfRange, null, []);

        if (follower is not null)
        {
            follower.OnFetch(request.FetchOffset, nowMs, logEnd, request.ReplicaEpoch);
            MaybeExpandIsr(follower);
            MaybeAdvanceHighWatermark(nowMs);
        }
        var upTo = follower is not null ? logEnd : _highWatermark;
        if (request.FetchOffset >= upTo) return Answer(ControlError.None, null, []);
        try
        {
            return Answer(ControlError.None, null, _log.Read(request.FetchOffset, Math.Max(1, request.MaxBytes), upTo));
        }
        catch (CorruptLogException)
        {
            return Answer(ControlError.CorruptMessage, null, []);
        }
    }

    /// <summary>
    /// The leader's clock: acks=all produces past their timeout are answered RequestTimedOut; ISR
    /// members that have not caught up to the log end within replica.lag.time.max.ms are proposed
    /// for removal (unless a change is pending); the high watermark is recomputed.
    /// </summary>
    public void Tick(long nowMs)
    {
        if (Role != ReplicaRole.Leader) return;
        for (var i = 0; i < _awaitingHighWatermark.Count; i++)
        {
            var w = _awaitingHighWatermark[i];
            if (w.DeadlineMs > nowMs) continue;
            Complete(w, ControlError.RequestTimedOut, $"the high watermark did not pass offset {w.LastOffset} within the produce timeout");
            _awaitingHighWatermark.RemoveAt(i--);
        }
        MaybeShrinkIsr(nowMs);
        MaybeAdvanceHighWatermark(nowMs);
    }

    /// <summary>
    /// The controller committed an ISR (AlterPartition's answer, or the conditional write in zk
    /// mode) for this leader epoch at a newer partition epoch: applied, the pending change
    /// cleared; acks=all produces still waiting fail NotEnoughReplicasAfterAppend if the ISR is
    /// now below min.insync.replicas. Anything older is ignored (returns false).
    /// </summary>
    public bool OnIsrChangeCommitted(IReadOnlyList<int> isr, int partitionEpoch, int leaderEpoch, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(isr);
        if (Role != ReplicaRole.Leader || leaderEpoch != LeaderEpoch || partitionEpoch <= PartitionEpoch) return false;
        ApplyIsr(isr, partitionEpoch, nowMs);
        return true;
    }

    /// <summary>The controller refused <paramref name="proposal"/>: if it is the pending one, it is dropped; a later tick or fetch may propose again.</summary>
    public bool OnIsrChangeRejected(IsrChangeProposal proposal, ControlError error)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        _ = error;
        if (_pendingIsr is null || proposal.LeaderEpoch != _pendingIsr.LeaderEpoch || proposal.PartitionEpoch != _pendingIsr.PartitionEpoch ||
            !proposal.NewIsr.SequenceEqual(_pendingIsr.NewIsr)) return false;
        _pendingIsr = _unsentIsr = null;
        return true;
    }

    private void ApplyIsr(IReadOnlyList<int> isr, int partitionEpoch, long nowMs)
    {
        _isr = isr.ToArray();
        PartitionEpoch = partitionEpoch;
        _pendingIsr = _unsentIsr = null;
        if (_isr.Length < _config.MinInsyncReplicas && _awaitingHighWatermark.Count > 0)
        {
            foreach (var w in _awaitingHighWatermark)
            {
                Complete(w, ControlError.NotEnoughReplicasAfterAppend,
                    $"isr [{string.Join(",", _isr)}] fell below min.insync.replicas {_config.MinInsyncReplicas} before offset {w.LastOffset} was replicated");
            }
            _awaitingHighWatermark.Clear();
        }
        MaybeAdvanceHighWatermark(nowMs);
    }

    private void SetReplicas(IReadOnlyList<int> replicas, IReadOnlyList<int> isr, long nowMs, bool newLeadership)
    {
        _replicas = replicas.ToArray();
        if (newLeadership) _remotes.Clear();
        foreach (var id in _replicas)
        {
            if (id == BrokerId || _remotes.ContainsKey(id)) continue;
            var remote = new RemoteReplica(id);
            // As Kafka: an ISR member counts as caught up at the start, anyone else as long behind.
            remote.Reset(isr.Contains(id) ? nowMs : Never);
            _remotes[id] = remote;
        }
        foreach (var id in _remotes.Keys.Where(id => !_replicas.Contains(id)).ToList()) _remotes.Remove(id);
    }

    private bool InMaximalIsr(int id) => Array.IndexOf(_isr, id) >= 0 || (_pendingIsr is not null && _pendingIsr.NewIsr.Contains(id));

    private int MaximalIsrCount => _pendingIsr is null ? _isr.Length : MaximalIsr.Count;

    /// <summary>
    /// Kafka's rule: the high watermark is the least log end among the leader (its durable end:
    /// nothing unflushed is ever acknowledged) and every follower in the maximal ISR or caught up
    /// within the lag time; it only moves forward while this replica leads.
    /// </summary>
    private void MaybeAdvanceHighWatermark(long nowMs)
    {
        if (Role != ReplicaRole.Leader) return;
        var candidate = _log.DurableEndOffset;
        var logEnd = _log.LogEndOffset;
        foreach (var remote in _remotes.Values)
        {
            if (InMaximalIsr(remote.Id) || remote.IsCaughtUp(logEnd, nowMs, _config.ReplicaLagTimeMaxMs)) candidate = Math.Min(candidate, remote.LogEndOffset);
        }
        if (candidate <= _highWatermark) return;
        SetHighWatermark(candidate);
        var enough = MaximalIsrCount >= _config.MinInsyncReplicas;
        var done = 0;
        while (done < _awaitingHighWatermark.Count && _awaitingHighWatermark[done].LastOffset < candidate)
        {
            var w = _awaitingHighWatermark[done++];
            if (enough) Complete(w, ControlError.None, "");
            else Complete(w, ControlError.NotEnoughReplicasAfterAppend, $"replicated by fewer than min.insync.replicas {_config.MinInsyncReplicas}");
        }
        _awaitingHighWatermark.RemoveRange(0, done);
    }

    /// <summary>Kafka's expansion rule: a follower outside the ISR joins once it has reached the high watermark and the start of this leader's epoch.</summary>
    private void MaybeExpandIsr(RemoteReplica follower)
    {
        if (_pendingIsr is not null || Array.IndexOf(_isr, follower.Id) >= 0) return;
        if (_log.EpochCache.StartOffsetOf(LeaderEpoch) is not { } epochStart) return;
        if (follower.LogEndOffset < _highWatermark || follower.LogEndOffset < epochStart) return;
        Propose([.. _isr, follower.Id]);
    }

    private void MaybeShrinkIsr(long nowMs)
    {
        if (_pendingIsr is not null) return;
        var logEnd = _log.LogEndOffset;
        List<int>? outOfSync = null;
        foreach (var id in _isr)
        {
            if (id == BrokerId) continue;
            if (!_remotes.TryGetValue(id, out var remote) || !remote.IsCaughtUp(logEnd, nowMs, _config.ReplicaLagTimeMaxMs)) (outOfSync ??= new()).Add(id);
        }
        if (outOfSync is null) return;
        Propose(_isr.Where(id => !outOfSync.Contains(id)).ToArray());
    }

    private void Propose(int[] newIsr) => _pendingIsr = _unsentIsr = new IsrChangeProposal(Partition, LeaderEpoch, PartitionEpoch, newIsr);

    private void CompleteFlushed()
    {
        var durable = _log.DurableEndOffset;
        var done = 0;
        while (done < _awaitingFlush.Count && _awaitingFlush[done].LastOffset < durable) Complete(_awaitingFlush[done++], ControlError.None, "");
        _awaitingFlush.RemoveRange(0, done);
    }

    private void FailAllWaiting(ControlError error, string message)
    {
        CompleteFlushed();
        foreach (var w in _awaitingFlush) Complete(w, error, message);
        foreach (var w in _awaitingHighWatermark) Complete(w, error, message);
        _awaitingFlush.Clear();
        _awaitingHighWatermark.Clear();
    }

    private void Complete(in WaitingProduce w, ControlError error, string message) =>
        _completions.Add(new ProduceCompletion(w.Acks,
            new ProduceResponse(w.CorrelationId, w.Partition, error, error == ControlError.None ? w.BaseOffset : -1, LeaderEpoch, LeaderId, message)));

    private readonly record struct WaitingProduce(long CorrelationId, TopicPartition Partition, Acks Acks, long BaseOffset, long LastOffset, long DeadlineMs);

    /// <summary>The leader's view of one follower (Kafka's Replica state).</summary>
    private sealed class RemoteReplica(int id)
    {
        public int Id { get; } = id;

        /// <summary>Its last fetch offset in this leadership (its durable log end), -1 before its first fetch.</summary>
        public long LogEndOffset { get; private set; } = -1;

        public long LastCaughtUpMs { get; private set; } = Never;

        public long BrokerEpoch { get; private set; } = -1;

        private long _lastFetchMs = Never;
        private long _lastFetchLeaderLogEnd = -1;

        public void Reset(long lastCaughtUpMs)
        {
            LogEndOffset = -1;
            LastCaughtUpMs = lastCaughtUpMs;
            _lastFetchMs = Never;
            _lastFetchLeaderLogEnd = -1;
        }

        /// <summary>
        /// Kafka's updateFetchState: caught up now if it fetched from the leader's log end; caught
        /// up as of its previous fetch if it has reached what the log end was then.
        /// </summary>
        public void OnFetch(long fetchOffset, long nowMs, long leaderLogEnd, long brokerEpoch)
        {
            if (fetchOffset >= leaderLogEnd) LastCaughtUpMs = Math.Max(LastCaughtUpMs, nowMs);
            else if (fetchOffset >= _lastFetchLeaderLogEnd) LastCaughtUpMs = Math.Max(LastCaughtUpMs, _lastFetchMs);
            LogEndOffset = fetchOffset;
            _lastFetchLeaderLogEnd = leaderLogEnd;
            _lastFetchMs = nowMs;
            BrokerEpoch = brokerEpoch;
        }

        public bool IsCaughtUp(long leaderLogEnd, long nowMs, long lagTimeMaxMs) => LogEndOffset == leaderLogEnd || nowMs - LastCaughtUpMs <= lagTimeMaxMs;
    }
}
