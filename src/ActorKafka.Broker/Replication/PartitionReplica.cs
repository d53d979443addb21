using ActorKafka.Broker.Log;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Replication;

/// <summary>
/// One partition's replica on one broker: Kafka's Partition and its replica-fetcher half, as a
/// pure core over an <see cref="IPartitionLog"/>. The shell owns one per hosted replica, calls it
/// with each input and the current time, and does what it asks; nothing here reads a clock,
/// starts a thread or sends anything.
/// <para>How a shell drives it (after every call, collect <see cref="TakeCompletions"/> and
/// <see cref="TakeIsrChangeProposal"/> and send what they hold):</para>
/// <list type="bullet">
/// <item>Role: <see cref="BecomeLeader"/> / <see cref="BecomeFollower"/> from LeaderAndIsr (zk)
/// or the metadata log (kraft); <see cref="Stop"/> for StopReplica.</item>
/// <item>Leader: <see cref="Produce"/> (an error answer now, or appended), <see cref="HandleFetch"/>
/// for followers and consumers, <see cref="Tick"/> periodically (ISR shrink, produce timeouts).
/// When <see cref="NeedsFlush"/>: <c>Log.Flush()</c> then <see cref="OnLogFlushed"/> (group many
/// produces per flush). ISR changes: send the proposal, then <see cref="OnIsrChangeCommitted"/> or
/// <see cref="OnIsrChangeRejected"/>.</item>
/// <item>Follower: <see cref="NextFetch"/> (null: nothing to send now), send it to the leader,
/// <see cref="OnFetchResponse"/> with the answer, then when <see cref="NeedsFlush"/>
/// <c>Log.Flush()</c> + <see cref="OnLogFlushed"/>, then <see cref="NextFetch"/> again: a follower
/// only fetches from its durable log end, so what it reports to the leader is on its disk.</item>
/// </list>
/// </summary>
public sealed partial class PartitionReplica
{
    /// <summary>"Long ago" for times that never happened (well clear of overflow when subtracted).</summary>
    private const long Never = long.MinValue / 4;

    private readonly IPartitionLog _log;
    private readonly ReplicaConfig _config;
    private readonly List<ProduceCompletion> _completions = new();
    private int[] _isr = [];
    private int[] _replicas = [];
    private long _highWatermark;

    public PartitionReplica(int brokerId, TopicPartition partition, IPartitionLog log, ReplicaConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        BrokerId = brokerId;
        Partition = partition;
        _log = log;
        _config = config ?? new ReplicaConfig();
        _highWatermark = Math.Clamp(log.HighWatermark, log.LogStartOffset, log.LogEndOffset);
    }

    public int BrokerId { get; }

    public TopicPartition Partition { get; }

    public ReplicaConfig Config => _config;

    public IPartitionLog Log => _log;

    public ReplicaRole Role { get; private set; } = ReplicaRole.None;

    /// <summary>The leader this replica knows (itself when leading), -1 when none.</summary>
    public int LeaderId { get; private set; } = -1;

    public int LeaderEpoch { get; private set; } = -1;

    public int PartitionEpoch { get; private set; } = -1;

    public IReadOnlyList<int> Isr => _isr;

    public IReadOnlyList<int> Replicas => _replicas;

    /// <summary>The committed prefix's end as this replica knows it.</summary>
    public long HighWatermark => _highWatermark;

    /// <summary>This broker's epoch, sent in its fetches (the shell sets it at registration).</summary>
    public long BrokerEpoch { get; set; } = -1;

    /// <summary>Appends are waiting for <c>Log.Flush()</c> (then <see cref="OnLogFlushed"/>).</summary>
    public bool NeedsFlush => _log.LogEndOffset > _log.DurableEndOffset;

    /// <summary>
    /// Becomes (or stays) the leader. A lower leader epoch than the current one is stale; the same
    /// one with a newer partition epoch updates the ISR and replicas (and clears a pending ISR
    /// change, as the controller's word is final). A new leadership also needs an epoch newer
    /// than every epoch in the log: a restarted replica never resumes leading an epoch it may
    /// already have written in (its followers may hold batches of that epoch it lost). The new
    /// leader assigns its epoch at its log end in the epoch cache and flushes the log (one fsync:
    /// the epoch is on disk before the first append in it, and so is any unflushed tail).
    /// Controllers bump the leader epoch when a broker restarts, so the guard should never bite.
    /// </summary>
    public RoleChangeOutcome BecomeLeader(int leaderEpoch, int partitionEpoch, IReadOnlyList<int> isr, IReadOnlyList<int> replicas, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(isr);
        ArgumentNullException.ThrowIfNull(replicas);
        if (leaderEpoch < LeaderEpoch) return RoleChangeOutcome.Stale;
        if (Role == ReplicaRole.Leader && leaderEpoch == LeaderEpoch)
        {
            if (partitionEpoch <= PartitionEpoch) return RoleChangeOutcome.Unchanged;
            SetReplicas(replicas, isr, nowMs, newLeadership: false);
            ApplyIsr(isr, partitionEpoch, nowMs);
            return RoleChangeOutcome.Updated;
        }
        if (leaderEpoch == LeaderEpoch || leaderEpoch <= _log.EpochCache.LatestEpoch) return RoleChangeOutcome.Stale;
        // Produces still waiting from an earlier epoch of this same leader stay: their batches are
        // in this log, and complete when the new epoch's high watermark passes them.
        Role = ReplicaRole.Leader;
        LeaderId = BrokerId;
        LeaderEpoch = leaderEpoch;
        PartitionEpoch = partitionEpoch;
        _isr = isr.ToArray();
        _pendingIsr = _unsentIsr = null;
        ResetFetcher();
        // Durable before anything is appended in it (Kafka flushes the epoch cache on assign):
        // after a crash the log still says this epoch was led here, so it is never led again.
        _log.EpochCache.Assign(leaderEpoch, _log.LogEndOffset);
        _log.Flush();
        SetReplicas(replicas, isr, nowMs, newLeadership: true);
        CompleteFlushed();
        MaybeAdvanceHighWatermark(nowMs);
        return RoleChangeOutcome.BecameLeader;
    }

    /// <summary>
    /// Becomes (or stays) a follower of <paramref name="leaderId"/> (-1: no leader for now, so no
    /// fetching). Nothing is truncated here: the first fetch finds any divergence. A leader that
    /// steps down answers its waiting produces NotLeaderOrFollower.
    /// </summary>
    public RoleChangeOutcome BecomeFollower(int leaderId, int leaderEpoch, int partitionEpoch, IReadOnlyList<int> isr, IReadOnlyList<int> replicas)
    {
        ArgumentNullException.ThrowIfNull(isr);
        ArgumentNullException.ThrowIfNull(replicas);
        if (leaderEpoch < LeaderEpoch) return RoleChangeOutcome.Stale;
        if (leaderEpoch == LeaderEpoch)
        {
            // The same epoch always has the same leader: anything else is a confused sender.
            if (Role != ReplicaRole.Follower || leaderId != LeaderId) return RoleChangeOutcome.Stale;
            if (partitionEpoch <= PartitionEpoch) return RoleChangeOutcome.Unchanged;
            PartitionEpoch = partitionEpoch;
            _isr = isr.ToArray();
            _replicas = replicas.ToArray();
            return RoleChangeOutcome.Updated;
        }
        if (leaderId == BrokerId) return RoleChangeOutcome.Stale;
        var wasLeader = Role == ReplicaRole.Leader;
        Role = ReplicaRole.Follower;
        LeaderId = leaderId;
        LeaderEpoch = leaderEpoch;
        PartitionEpoch = partitionEpoch;
        _isr = isr.ToArray();
        _replicas = replicas.ToArray();
        _remotes.Clear();
        _pendingIsr = _unsentIsr = null;
        ResetFetcher();
        if (wasLeader) FailAllWaiting(ControlError.NotLeaderOrFollower, $"broker {BrokerId} is no longer the leader of {Partition} (epoch {leaderEpoch}, leader {leaderId})");
        return RoleChangeOutcome.BecameFollower;
    }

    /// <summary>StopReplica: stops leading or fetching; waiting produces are answered NotLeaderOrFollower. The epochs are kept, so later stale requests still fail.</summary>
    public void Stop()
    {
        var wasLeader = Role == ReplicaRole.Leader;
        Role = ReplicaRole.None;
        LeaderId = -1;
        _remotes.Clear();
        _pendingIsr = _unsentIsr = null;
        ResetFetcher();
        if (wasLeader) FailAllWaiting(ControlError.NotLeaderOrFollower, $"the replica of {Partition} on broker {BrokerId} was stopped");
    }

    /// <summary>
    /// After the shell's <c>Log.Flush()</c>: acks=0/1 produces now durable are answered, and the
    /// leader's own durable end may move the high watermark (answering acks=all ones).
    /// </summary>
    public void OnLogFlushed(long nowMs)
    {
        if (Role != ReplicaRole.Leader) return;
        CompleteFlushed();
        MaybeAdvanceHighWatermark(nowMs);
    }

    /// <summary>Produces answered since the last call, in the order they were answered.</summary>
    public IReadOnlyList<ProduceCompletion> TakeCompletions()
    {
        if (_completions.Count == 0) return [];
        var taken = _completions.ToArray();
        _completions.Clear();
        return taken;
    }

    /// <summary>An ISR change to send to the controller, once; it stays pending until committed or rejected.</summary>
    public IsrChangeProposal? TakeIsrChangeProposal()
    {
        var p = _unsentIsr;
        _unsentIsr = null;
        return p;
    }

    /// <summary>Kafka's ListOffsets at the leader: earliest is the log start, latest the high watermark; other timestamps are not indexed here.</summary>
    public ListOffsetsResponse HandleListOffsets(ListOffsetsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ListOffsetsResponse Answer(ControlError error, long offset) => new(request.CorrelationId, Partition, error, offset, LeaderEpoch);
        if (request.Partition != Partition) return Answer(ControlError.UnknownTopicOrPartition, -1);
        if (Role != ReplicaRole.Leader) return Answer(ControlError.NotLeaderOrFollower, -1);
        if (EpochError(request.CurrentLeaderEpoch) is { } error) return Answer(error, -1);
        return request.Timestamp switch
        {
            ListOffsetsRequest.Earliest => Answer(ControlError.None, _log.LogStartOffset),
            ListOffsetsRequest.Latest => Answer(ControlError.None, _highWatermark),
            _ => Answer(ControlError.InvalidRequest, -1),
        };
    }

    /// <summary>A request's leader epoch against ours: -1 is not checked, older is fenced, newer is unknown (yet) here.</summary>
    private ControlError? EpochError(int requestLeaderEpoch)
    {
        if (requestLeaderEpoch < 0 || requestLeaderEpoch == LeaderEpoch) return null;
        return requestLeaderEpoch < LeaderEpoch ? ControlError.FencedLeaderEpoch : ControlError.UnknownLeaderEpoch;
    }

    private void SetHighWatermark(long highWatermark)
    {
        _highWatermark = highWatermark;
        _log.HighWatermark = highWatermark;
    }

    public override string ToString() =>
        $"{Partition}@{BrokerId} {Role} leader {LeaderId} epoch {LeaderEpoch} partitionEpoch {PartitionEpoch} isr [{string.Join(",", _isr)}] " +
        $"hw {_highWatermark} leo {_log.LogEndOffset} durable {_log.DurableEndOffset} epochs {_log.EpochCache}";
}
