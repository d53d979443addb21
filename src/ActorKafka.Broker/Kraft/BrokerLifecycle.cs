using ActorKafka.Metadata;

namespace ActorKafka.Broker.Kraft;

/// <summary>
/// Kafka's BrokerLifecycleManager as a pure core: a KRaft broker registers with the active
/// controller, heartbeats to it, learns from the answers when it has caught up, when it is
/// fenced or unfenced, and when a controlled shutdown may end. Every input takes the current time
/// (milliseconds on any monotonic clock) and returns a <see cref="LifecycleStep"/>: the request to
/// send, the events to publish and when to be woken. One request is in flight at a time, as in Kafka.
/// <para>
/// States, as Kafka's: STARTING (registering, then replaying the log until the controller says it
/// has caught up) -> RECOVERY (caught up, fenced) -> RUNNING (unfenced) -> PENDING_CONTROLLED_SHUTDOWN
/// -> SHUTTING_DOWN. Unlike Kafka, a RUNNING broker the controller fences again goes back to
/// RECOVERY, so the state alone says whether it may lead.
/// </para>
/// <para>
/// Zombie fencing: the highest controller epoch seen (from the Raft observer and from answers)
/// only grows, and an answer from below it is a deposed controller's: it changes nothing and is
/// reported as <see cref="StaleEpochRejected"/>. The request it answered then times out and is sent again.
/// </para>
/// </summary>
public sealed partial class BrokerLifecycle
{
    private readonly BrokerLifecycleConfig _config;
    private long? _shutdownDeadline;
    private long? _firstDuplicateAt;
    private long _previousBrokerEpoch = -1;
    private bool _caughtUpHeartbeatSent;
    private bool _started;

    public BrokerLifecycle(BrokerLifecycleConfig config)
    {
        if (config.ControllerIds.Count == 0) throw new ArgumentException("a broker needs at least one controller to register with", nameof(config));
        _config = config;
    }

    public int BrokerId => _config.BrokerId;

    public BrokerLifecycleState State { get; private set; } = BrokerLifecycleState.Starting;

    public bool Registered { get; private set; }

    /// <summary>The offset of this broker's RegisterBroker record; -1 while unregistered.</summary>
    public long BrokerEpoch { get; private set; } = -1;

    /// <summary>Every registration starts fenced; only the controller's answers change it.</summary>
    public bool Fenced { get; private set; } = true;

    /// <summary>The highest controller epoch (Raft epoch) seen: answers from below it are ignored.</summary>
    public int ControllerEpoch { get; private set; } = -1;

    /// <summary>The controller that last answered as the active one or that a NotController named; null while unknown.</summary>
    public int? ActiveControllerId => _active;

    /// <summary>The Raft leader (the active controller) as the broker's observer last reported it.</summary>
    public int? RaftLeaderId { get; private set; }

    public int RaftEpoch { get; private set; } = -1;

    /// <summary>The offset of the last metadata batch applied: what heartbeats report.</summary>
    public long MetadataOffset { get; private set; } = -1;

    public bool IsStopped => State == BrokerLifecycleState.ShuttingDown;

    /// <summary>
    /// Begins registering: at once when the observer has told its view of the quorum, else as soon
    /// as it does. The observer tells it right after the broker subscribes, so asking the voters
    /// blindly before that would mostly earn NotController answers; only if no view comes within a
    /// request timeout does the broker start trying the voters in turn.
    /// </summary>
    public LifecycleStep Start(long now)
    {
        if (IsStopped || _started) return LifecycleStep.Nothing;
        _started = true;
        // A migrating zk broker has no observer to wait for: it asks the voters in turn at once.
        SendNoLaterThan(RaftEpoch >= 0 || _config.IsMigratingZkBroker ? now : now + _config.RequestTimeoutMs);
        return Finish(now);
    }

    /// <summary>Fires whatever came due: a request that timed out, the next heartbeat, the controlled shutdown's deadline.</summary>
    public LifecycleStep OnTick(long now) => IsStopped ? LifecycleStep.Nothing : Finish(now);

    /// <summary>The observer's view of the Raft quorum changed: a new epoch, a new leader, or no leader for now.</summary>
    public LifecycleStep OnControllerChanged(int? leaderId, int epoch, long now)
    {
        if (IsStopped) return LifecycleStep.Nothing;
        // The observer's epochs only grow; an older view, however it arrived, says nothing new.
        if (epoch < RaftEpoch) return Finish(now);
        var first = RaftEpoch < 0;
        var changed = epoch != RaftEpoch || leaderId != RaftLeaderId;
        RaftEpoch = epoch;
        RaftLeaderId = leaderId;
        SeeEpoch(epoch);
        if (changed)
        {
            _active = null;
            _leaderSuspect = false;
            _redirectsInARow = 0;
            // A request waiting on the old leader would only time out: ask the new one now. A late
            // answer to the abandoned one no longer matches and is dropped.
            if (leaderId is { } leader && IsController(leader) && _inFlight is { } sent && sent.ControllerId != leader)
            {
                _inFlight = null;
                SendNoLaterThan(now);
            }
        }
        if (first && _started && _inFlight is null && !Registered) SendNoLaterThan(now);
        return Finish(now);
    }

    /// <summary>The broker's image now stands at <paramref name="offset"/>.</summary>
    public LifecycleStep OnMetadataApplied(long offset, long now)
    {
        if (IsStopped) return LifecycleStep.Nothing;
        if (offset > MetadataOffset) MetadataOffset = offset;
        // The controller counts a broker caught up once it has replayed its own registration, whose
        // offset is the broker epoch: say so at once instead of at the next interval (Kafka polls
        // every 10 ms while STARTING for the same reason).
        if (Registered && State == BrokerLifecycleState.Starting && !_caughtUpHeartbeatSent && MetadataOffset >= BrokerEpoch)
        {
            _caughtUpHeartbeatSent = true;
            SendNoLaterThan(now);
        }
        return Finish(now);
    }

    public LifecycleStep OnRegistrationResponse(BrokerRegistrationResponse response, long now)
    {
        if (IsStopped) return LifecycleStep.Nothing;
        if (Accept(response, InFlight.Registration) is not { } sent) return Finish(now);
        switch (response.Error)
        {
            case ControlError.None:
                Answered(sent);
                Registered = true;
                BrokerEpoch = response.BrokerEpoch;
                Fenced = true;
                State = BrokerLifecycleState.Starting;
                _caughtUpHeartbeatSent = false;
                _events.Add(new BrokerRegistered(BrokerId, BrokerEpoch, 0));
                // The first heartbeat goes at once, as in Kafka: it starts the controller's session clock.
                SendNoLaterThan(now);
                break;
            case ControlError.NotController:
                Redirect(sent, response.ControllerId, now);
                break;
            case ControlError.DuplicateBrokerRegistration when _config.IsMigratingZkBroker:
                // Its /brokers/ids znode already makes the id this broker's: the other registration can
                // only be its own previous incarnation, whose session the controller is about to expire
                // (Kafka retries every registration error). Only the active controller judges duplicates: ask it again.
                Answered(sent);
                Failed($"controller {sent.ControllerId} still holds a previous incarnation of broker {BrokerId} ({response.Message})", now);
                break;
            case ControlError.DuplicateBrokerRegistration when now - (_firstDuplicateAt ??= now) < _config.DuplicateRegistrationRetryMs:
                // Maybe this broker's own previous incarnation (a quick restart), whose session the controller
                // has yet to expire: Kafka retries; a real duplicate is refused for good once the window is over.
                _events.Add(new BrokerRegistrationDeferred(BrokerId, response.Error, response.Message));
                Failed($"controller {sent.ControllerId} holds another registration of broker {BrokerId} ({response.Message}); trying again", now);
                break;
            case ControlError.DuplicateBrokerRegistration:
                var error = $"broker id {BrokerId} is already registered by another live broker (controller {response.ControllerId}: " +
                            $"{response.Message}): give this broker another actorkafka.broker.broker-id, or stop the other one first";
                _events.Add(new BrokerRegistrationRejected(BrokerId, error));
                Stop($"registration rejected: {error}");
                break;
            default:
                // Kafka retries every other registration error (e.g. a quorum still in pre-migration refuses KRaft brokers).
                _events.Add(new BrokerRegistrationDeferred(BrokerId, response.Error, response.Message));
                Failed($"controller {sent.ControllerId} refused the registration: {response.Error} {response.Message}", now);
                break;
        }
        return Finish(now);
    }

    public LifecycleStep OnHeartbeatResponse(BrokerHeartbeatResponse response, long now)
    {
        if (IsStopped) return LifecycleStep.Nothing;
        if (Accept(response, InFlight.Heartbeat) is not { } sent) return Finish(now);
        switch (response.Error)
        {
            case ControlError.None:
                Answered(sent);
                Heartbeat((BrokerHeartbeatRequest)sent.Request, response, now);
                break;
            case ControlError.NotController:
                Redirect(sent, response.ControllerId, now);
                break;
            case ControlError.StaleBrokerEpoch or ControlError.BrokerIdNotRegistered:
                Answered(sent);
                RegistrationLost(response.Error, now);
                break;
            default:
                Failed($"controller {sent.ControllerId} refused the heartbeat: {response.Error}", now);
                break;
        }
        return Finish(now);
    }

    /// <summary>
    /// Stop gracefully. As in Kafka, only a RUNNING (unfenced) broker can lead, so only it asks the
    /// controller to move its leaderships first; any other state stops at once.
    /// </summary>
    public LifecycleStep OnShutdownRequested(long now)
    {
        if (IsStopped) return LifecycleStep.Nothing;
        switch (State)
        {
            case BrokerLifecycleState.PendingControlledShutdown:
                break;
            case BrokerLifecycleState.Running:
                State = BrokerLifecycleState.PendingControlledShutdown;
                _shutdownDeadline = now + _config.ControlledShutdownTimeoutMs;
                // The next heartbeat carries WantShutDown: send it now rather than at the interval.
                SendNoLaterThan(now);
                break;
            default:
                Stop($"stopped without controlled shutdown: the broker was {State} and {(Registered ? "fenced" : "not registered")}, so it led nothing");
                break;
        }
        return Finish(now);
    }

    private void Heartbeat(BrokerHeartbeatRequest sent, BrokerHeartbeatResponse response, long now)
    {
        // The controller only unfences a caught-up broker, so an unfence also means caught up.
        if (State == BrokerLifecycleState.Starting && (response.IsCaughtUp || !response.IsFenced))
        {
            State = BrokerLifecycleState.Recovery;
            _events.Add(new MetadataCaughtUp(BrokerId, sent.CurrentMetadataOffset));
        }
        if (Fenced && !response.IsFenced)
        {
            Fenced = false;
            if (State == BrokerLifecycleState.Recovery) State = BrokerLifecycleState.Running;
            _events.Add(new BrokerUnfenced(BrokerId, BrokerEpoch));
        }
        else if (!Fenced && response.IsFenced)
        {
            Fenced = true;
            if (State == BrokerLifecycleState.Running) State = BrokerLifecycleState.Recovery;
            _events.Add(new BrokerFenced(BrokerId, BrokerEpoch));
        }
        if (State != BrokerLifecycleState.PendingControlledShutdown)
        {
            SendNoLaterThan(now + _config.HeartbeatIntervalMs);
            return;
        }
        if (response.ShouldShutDown)
        {
            Stop("controlled shutdown complete: the controller moved this broker's leaderships away");
            return;
        }
        // The controller says ShouldShutDown one log write after moving the leaders: ask again soon.
        SendNoLaterThan(now + _config.RetryBackoffMs);
    }

    /// <summary>The controller no longer holds this registration (it unregistered it, or a newer one replaced it).</summary>
    private void RegistrationLost(ControlError error, long now)
    {
        if (State == BrokerLifecycleState.PendingControlledShutdown)
        {
            Stop($"the controller no longer holds this broker's registration ({error}), so it leads nothing: shutdown needs no handover");
            return;
        }
        _warnings.Add($"the controller answered {error} for broker epoch {BrokerEpoch}: registering again");
        if (!Fenced) _events.Add(new BrokerFenced(BrokerId, BrokerEpoch));
        _previousBrokerEpoch = BrokerEpoch;
        Registered = false;
        BrokerEpoch = -1;
        Fenced = true;
        State = BrokerLifecycleState.Starting;
        SendNoLaterThan(now);
    }

    private void Stop(string reason)
    {
        State = BrokerLifecycleState.ShuttingDown;
        _inFlight = null;
        _sendAt = null;
        _shutdownDeadline = null;
        _stopped = new BrokerStopped(BrokerId, reason);
        _events.Add(_stopped);
    }
}
