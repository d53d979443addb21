using ActorKafka.Metadata;

namespace ActorKafka.Broker.Kraft;

/// <summary>The outputs of one input to <see cref="AlterPartitionManager{TReply}"/>, as <see cref="LifecycleStep"/> has them for the lifecycle.</summary>
public sealed record AlterPartitionStep<TReply>(
    ControllerRequest? Send,
    IReadOnlyList<(TReply ReplyTo, IsrChangeResult Result)> Answers,
    IReadOnlyList<BrokerEvent> Events,
    IReadOnlyList<string> Warnings,
    long? WakeAt);

/// <summary>
/// Kafka's AlterPartitionManager as a pure core: a leader's ISR proposals go to the active
/// controller as AlterPartition requests, one request in flight at a time carrying the oldest
/// proposal of every partition (a partition's later proposals wait their turn, so each is answered
/// in order). Whom to ask, redirects and retries follow the lifecycle's rules: the controller that
/// answered as active or that a NotController named, else the Raft leader, else every voter in
/// turn; a request that times out goes to the next voter; a request-level error is retried after
/// the backoff with the broker's current epoch; a partition missing from an answer is sent again.
/// <para>
/// The metadata log is the source of truth: a success is answered only once this broker's own
/// replica of the partition has reached the result's partition epoch (its PartitionStateChanged is
/// published by then), or no longer exists here. A refusal whose current state is exactly the
/// proposal, one change later (an earlier attempt committed, but its answer was lost), counts as
/// that success. The controller decides the epochs: here, as in Kafka before 3.6, a shrink also
/// bumps the leader epoch, which the answer carries.
/// </para>
/// </summary>
public sealed class AlterPartitionManager<TReply>
{
    private readonly int _brokerId;
    private readonly IReadOnlyList<int> _controllerIds;
    private readonly long _requestTimeoutMs;
    private readonly long _retryBackoffMs;
    private readonly Func<long> _brokerEpoch;
    private readonly Func<TopicPartition, int?> _appliedPartitionEpoch;

    private readonly Dictionary<TopicPartition, Queue<Proposal>> _queues = new();
    private readonly List<(TReply ReplyTo, IsrChangeResult Result)> _held = new();
    private readonly List<(TReply, IsrChangeResult)> _answers = new();
    private readonly List<BrokerEvent> _events = new();
    private readonly List<string> _warnings = new();
    private ControllerRequest? _send;

    private InFlight? _inFlight;
    private long? _sendAt;
    private long _correlation;
    private int? _active;
    private bool _leaderSuspect;
    private int _nextVoter;
    private int _redirectsInARow;

    /// <param name="brokerEpoch">The broker's current registration epoch (-1 while unregistered: nothing is sent then).</param>
    /// <param name="appliedPartitionEpoch">The partition epoch of this broker's replica as the log has applied it, or null when it hosts none.</param>
    public AlterPartitionManager(int brokerId, IReadOnlyList<int> controllerIds, long requestTimeoutMs, long retryBackoffMs, Func<long> brokerEpoch,
        Func<TopicPartition, int?> appliedPartitionEpoch)
    {
        if (controllerIds.Count == 0) throw new ArgumentException("AlterPartition needs at least one controller", nameof(controllerIds));
        _brokerId = brokerId;
        _controllerIds = controllerIds;
        _requestTimeoutMs = requestTimeoutMs;
        _retryBackoffMs = retryBackoffMs;
        _brokerEpoch = brokerEpoch;
        _appliedPartitionEpoch = appliedPartitionEpoch;
    }

    /// <summary>The highest controller epoch seen: answers from below it are a deposed controller's and are ignored.</summary>
    public int ControllerEpoch { get; private set; } = -1;

    public int? RaftLeaderId { get; private set; }

    public int RaftEpoch { get; private set; } = -1;

    /// <summary>Proposals not answered yet, successes waiting for the log included.</summary>
    public int Pending => _queues.Values.Sum(q => q.Count) + _held.Count;

    private sealed record Proposal(ProposeIsrChange Change, TReply ReplyTo);

    private sealed record InFlight(long CorrelationId, int ControllerId, Proposal[] Items, long Deadline);

    public AlterPartitionStep<TReply> Submit(ProposeIsrChange change, TReply replyTo, long now)
    {
        if (!_queues.TryGetValue(change.Partition, out var queue)) _queues[change.Partition] = queue = new Queue<Proposal>();
        queue.Enqueue(new Proposal(change with { NewIsr = change.NewIsr.ToArray() }, replyTo));
        // A new head goes with the next request; while one is in flight, right after its answer.
        if (queue.Count == 1) SendNoLaterThan(now);
        return Finish(now);
    }

    public AlterPartitionStep<TReply> OnTick(long now) => Finish(now);

    /// <summary>The broker's image advanced: successes waiting for it may be answered.</summary>
    public AlterPartitionStep<TReply> OnMetadataApplied(long now) => Finish(now);

    /// <summary>The observer's view of the Raft quorum changed.</summary>
    public AlterPartitionStep<TReply> OnControllerChanged(int? leaderId, int epoch, long now)
    {
        if (epoch < RaftEpoch) return Finish(now);
        var changed = epoch != RaftEpoch || leaderId != RaftLeaderId;
        RaftEpoch = epoch;
        RaftLeaderId = leaderId;
        SeeEpoch(epoch);
        if (changed)
        {
            _active = null;
            _leaderSuspect = false;
            _redirectsInARow = 0;
            // A request waiting on the old leader would only time out: ask the new one now.
            if (leaderId is { } leader && IsController(leader) && _inFlight is { } sent && sent.ControllerId != leader)
            {
                _inFlight = null;
                SendNoLaterThan(now);
            }
        }
        return Finish(now);
    }

    public AlterPartitionStep<TReply> OnResponse(AlterPartitionResponse response, long now)
    {
        if (response.ControllerEpoch < ControllerEpoch)
        {
            _events.Add(new StaleEpochRejected(_brokerId, StaleEpochKind.Controller, response.ControllerEpoch, ControllerEpoch, "AlterPartition"));
            return Finish(now);
        }
        SeeEpoch(response.ControllerEpoch);
        if (_inFlight is not { } sent || sent.CorrelationId != response.CorrelationId) return Finish(now);
        _inFlight = null;
        switch (response.Error)
        {
            case ControlError.None:
                _active = sent.ControllerId;
                _redirectsInARow = 0;
                Answered(sent, response, now);
                break;
            case ControlError.NotController:
                Redirect(sent, response.ControllerId, now);
                break;
            default:
                // Kafka retries every request-level error (a stale broker epoch is renewed by the lifecycle meanwhile).
                _redirectsInARow = 0;
                _warnings.Add($"controller {sent.ControllerId} refused AlterPartition {sent.CorrelationId} for {sent.Items.Length} partitions: " +
                              $"{response.Error}; retrying in {_retryBackoffMs} ms");
                SendNoLaterThan(now + _retryBackoffMs);
                break;
        }
        return Finish(now);
    }

    /// <summary>The broker stops: every proposal not answered yet is answered with <paramref name="error"/>.</summary>
    public IReadOnlyList<(TReply ReplyTo, IsrChangeResult Result)> Abandon(ControlError error)
    {
        var answers = new List<(TReply, IsrChangeResult)>();
        foreach (var proposal in _queues.Values.SelectMany(q => q))
            answers.Add((proposal.ReplyTo, new IsrChangeResult(proposal.Change.Partition, error, proposal.Change.LeaderEpoch, [], -1)));
        foreach (var (replyTo, result) in _held) answers.Add((replyTo, result with { Error = error }));
        _queues.Clear();
        _held.Clear();
        _inFlight = null;
        _sendAt = null;
        return answers;
    }

    private void Answered(InFlight sent, AlterPartitionResponse response, long now)
    {
        var results = new Dictionary<TopicPartition, AlterPartitionResult>();
        foreach (var result in response.Partitions ?? []) results.TryAdd(new TopicPartition(result.Topic, result.Partition), result);
        var missing = 0;
        foreach (var item in sent.Items)
        {
            var tp = item.Change.Partition;
            if (!results.TryGetValue(tp, out var result))
            {
                // Kafka keeps it for the next request.
                missing++;
                continue;
            }
            var queue = _queues[tp];
            queue.Dequeue();
            if (queue.Count == 0) _queues.Remove(tp);
            var answer = new IsrChangeResult(tp, result.Error, result.LeaderEpoch, result.Isr ?? [], result.PartitionEpoch);
            if (answer.Error != ControlError.None && AlreadyCommitted(_brokerId, item.Change, result)) answer = answer with { Error = ControlError.None };
            if (answer.Error == ControlError.None) _held.Add((item.ReplyTo, answer));
            else _answers.Add((item.ReplyTo, answer));
        }
        if (missing > 0) _warnings.Add($"controller {sent.ControllerId} left {missing} partitions out of its AlterPartition answer; sending them again");
        // Proposals that waited behind this request go at once (Kafka's maybePropagateIsrChanges).
        if (_queues.Count > 0) SendNoLaterThan(missing > 0 ? now + _retryBackoffMs : now);
    }

    /// <summary>
    /// One change after the state the proposal was made from, the partition stands exactly as
    /// proposed, still led here: an earlier attempt of it committed (a shrink also bumped the leader
    /// epoch, so the retry is refused as fenced; an expansion is refused on its partition epoch).
    /// </summary>
    private static bool AlreadyCommitted(int brokerId, ProposeIsrChange change, AlterPartitionResult state) =>
        state.Error is ControlError.InvalidUpdateVersion or ControlError.FencedLeaderEpoch && state.Leader == brokerId &&
        state.PartitionEpoch == change.PartitionEpoch + 1 && state.LeaderEpoch >= change.LeaderEpoch &&
        (state.Isr ?? []).AsSpan().SequenceEqual(change.NewIsr);

    private AlterPartitionStep<TReply> Finish(long now)
    {
        if (_inFlight is { } sent && now >= sent.Deadline) TimedOut(sent, now);
        if (_inFlight is null && _queues.Count > 0 && _sendAt is { } at && now >= at) SendNext(now);
        if (_queues.Count == 0 && _inFlight is null) _sendAt = null;
        for (var i = 0; i < _held.Count; i++)
        {
            var (replyTo, result) = _held[i];
            if (_appliedPartitionEpoch(result.Partition) is { } applied && applied < result.PartitionEpoch) continue;
            _answers.Add((replyTo, result));
            _held.RemoveAt(i--);
        }
        var step = new AlterPartitionStep<TReply>(_send, _answers.ToArray(), _events.ToArray(), _warnings.ToArray(),
            _inFlight?.Deadline ?? (_queues.Count > 0 ? _sendAt : null));
        _send = null;
        _answers.Clear();
        _events.Clear();
        _warnings.Clear();
        return step;
    }

    private void SendNoLaterThan(long at) => _sendAt = _sendAt is { } current ? Math.Min(current, at) : at;

    private void SendNext(long now)
    {
        var brokerEpoch = _brokerEpoch();
        if (brokerEpoch < 0)
        {
            // Not registered (yet, or again): the controller would refuse the epoch. Ask once the lifecycle has one.
            _sendAt = now + _retryBackoffMs;
            return;
        }
        var items = _queues.Values.Select(q => q.Peek()).ToArray();
        var controller = PickController();
        var id = ++_correlation;
        var request = new AlterPartitionRequest(id, _brokerId, brokerEpoch, items.Select(p =>
            new AlterPartitionItem(p.Change.Partition.Topic, p.Change.Partition.Partition, p.Change.LeaderEpoch, p.Change.PartitionEpoch,
                p.Change.NewIsr.ToArray())).ToArray());
        _inFlight = new InFlight(id, controller, items, now + _requestTimeoutMs);
        _sendAt = null;
        _send = new ControllerRequest(controller, request);
    }

    private int PickController()
    {
        if (_active is { } active) return active;
        if (!_leaderSuspect && RaftLeaderId is { } leader && IsController(leader)) return leader;
        var id = _controllerIds[_nextVoter % _controllerIds.Count];
        _nextVoter = (_nextVoter + 1) % _controllerIds.Count;
        return id;
    }

    private bool IsController(int id) => id >= 0 && _controllerIds.Contains(id);

    private void SeeEpoch(int epoch)
    {
        if (epoch > ControllerEpoch) ControllerEpoch = epoch;
    }

    private void Redirect(InFlight sent, int named, long now)
    {
        if (named != sent.ControllerId && IsController(named))
        {
            _active = named;
            // Only the first redirect in a row goes at once: two standbys naming each other must not spin.
            SendNoLaterThan(_redirectsInARow++ == 0 ? now : now + _retryBackoffMs);
            return;
        }
        MoveOn(sent.ControllerId);
        SendNoLaterThan(now + _retryBackoffMs);
    }

    private void TimedOut(InFlight sent, long now)
    {
        _inFlight = null;
        _redirectsInARow = 0;
        MoveOn(sent.ControllerId);
        _warnings.Add($"AlterPartition {sent.CorrelationId} to controller {sent.ControllerId} got no answer within {_requestTimeoutMs} ms; " +
                      $"trying controller {_controllerIds[_nextVoter]} in {_retryBackoffMs} ms");
        SendNoLaterThan(now + _retryBackoffMs);
    }

    /// <summary>Stop asking this controller: try the voters in turn, starting after it, until one answers or names the active one.</summary>
    private void MoveOn(int failed)
    {
        _active = null;
        _leaderSuspect = true;
        for (var i = 0; i < _controllerIds.Count; i++)
        {
            if (_controllerIds[i] != failed) continue;
            _nextVoter = (i + 1) % _controllerIds.Count;
            return;
        }
    }
}
