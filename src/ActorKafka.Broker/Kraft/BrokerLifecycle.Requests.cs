using ActorKafka.Metadata;

namespace ActorKafka.Broker.Kraft;

// The request side: which controller to ask, the one request in flight, its timeout and retries,
// and collecting a step's outputs.
public sealed partial class BrokerLifecycle
{
    private readonly List<BrokerEvent> _events = new();
    private readonly List<string> _warnings = new();
    private ControllerRequest? _send;
    private BrokerStopped? _stopped;

    private InFlight? _inFlight;
    private long? _sendAt;
    private long _correlation;

    // Whom to ask: the controller that last answered as active or that a NotController named;
    // else the Raft leader the observer reports, unless it just failed us; else every voter in turn.
    private int? _active;
    private bool _leaderSuspect;
    private int _nextVoter;
    private int _redirectsInARow;

    private sealed record InFlight(long CorrelationId, int ControllerId, IQuorumControllerRequest Request, long Deadline)
    {
        public const string Registration = "BrokerRegistration";
        public const string Heartbeat = "BrokerHeartbeat";

        public string Name => Request is BrokerHeartbeatRequest ? Heartbeat : Registration;
    }

    /// <summary>Ends every input: fires what came due, sends the next request if one is wanted, and hands over the outputs.</summary>
    private LifecycleStep Finish(long now)
    {
        if (!IsStopped && _shutdownDeadline is { } deadline && now >= deadline)
        {
            Stop($"controlled shutdown did not complete: no controller answered ShouldShutDown within {_config.ControlledShutdownTimeoutMs} ms; " +
                 "stopping anyway");
        }
        if (!IsStopped && _inFlight is { } sent && now >= sent.Deadline) TimedOut(sent, now);
        if (!IsStopped && _inFlight is null && _sendAt is { } at && now >= at) SendNext(now);

        var step = new LifecycleStep(_send, _events.ToArray(), _warnings.ToArray(), IsStopped ? null : NextWake(), _stopped);
        _send = null;
        _stopped = null;
        _events.Clear();
        _warnings.Clear();
        return step;
    }

    private long? NextWake()
    {
        var wake = _inFlight is { } sent ? sent.Deadline : _sendAt;
        if (_shutdownDeadline is { } deadline) wake = wake is { } w ? Math.Min(w, deadline) : deadline;
        return wake;
    }

    private void SendNoLaterThan(long at) => _sendAt = _sendAt is { } current ? Math.Min(current, at) : at;

    private void SendNext(long now)
    {
        var controller = PickController();
        var id = ++_correlation;
        IQuorumControllerRequest request = Registered
            ? new BrokerHeartbeatRequest(id, BrokerId, BrokerEpoch, MetadataOffset, WantFence: false,
                WantShutDown: State == BrokerLifecycleState.PendingControlledShutdown)
            : new BrokerRegistrationRequest(id, BrokerId, _config.IncarnationId, _config.ActorAddress, _config.Rack, _previousBrokerEpoch,
                _config.IsMigratingZkBroker);
        _inFlight = new InFlight(id, controller, request, now + _config.RequestTimeoutMs);
        _sendAt = null;
        _send = new ControllerRequest(controller, request);
    }

    private int PickController()
    {
        if (_active is { } active) return active;
        if (!_leaderSuspect && RaftLeaderId is { } leader && IsController(leader)) return leader;
        var ids = _config.ControllerIds;
        var id = ids[_nextVoter % ids.Count];
        _nextVoter = (_nextVoter + 1) % ids.Count;
        return id;
    }

    private bool IsController(int id) => id >= 0 && _config.ControllerIds.Contains(id);

    /// <summary>
    /// Zombie fencing first, then matching: an answer from below the highest controller epoch seen
    /// is a deposed controller's and changes nothing; an answer to a request no longer in flight
    /// (timed out, or abandoned for a new leader) is late and dropped.
    /// </summary>
    private InFlight? Accept(IQuorumControllerResponse response, string name)
    {
        if (response.ControllerEpoch < ControllerEpoch)
        {
            _events.Add(new StaleEpochRejected(BrokerId, StaleEpochKind.Controller, response.ControllerEpoch, ControllerEpoch, name));
            return null;
        }
        SeeEpoch(response.ControllerEpoch);
        if (_inFlight is not { } sent || sent.CorrelationId != response.CorrelationId || sent.Name != name) return null;
        _inFlight = null;
        return sent;
    }

    private void SeeEpoch(int epoch)
    {
        if (epoch > ControllerEpoch) ControllerEpoch = epoch;
    }

    /// <summary>It answered as the active controller: keep asking it.</summary>
    private void Answered(InFlight sent)
    {
        _active = sent.ControllerId;
        _redirectsInARow = 0;
    }

    private void Redirect(InFlight sent, int named, long now)
    {
        if (named != sent.ControllerId && IsController(named))
        {
            _active = named;
            // Only the first redirect in a row goes at once: two standbys naming each other must not spin.
            SendNoLaterThan(_redirectsInARow++ == 0 ? now : now + _config.RetryBackoffMs);
            return;
        }
        // No active controller known to it (an election, or a leader whose controller is still loading).
        MoveOn(sent.ControllerId);
        SendNoLaterThan(now + _config.RetryBackoffMs);
    }

    private void Failed(string why, long now)
    {
        _warnings.Add($"{why}; retrying in {_config.RetryBackoffMs} ms");
        _redirectsInARow = 0;
        SendNoLaterThan(now + _config.RetryBackoffMs);
    }

    private void TimedOut(InFlight sent, long now)
    {
        _inFlight = null;
        _redirectsInARow = 0;
        MoveOn(sent.ControllerId);
        _warnings.Add($"{sent.Name} {sent.CorrelationId} to controller {sent.ControllerId} got no answer within {_config.RequestTimeoutMs} ms; " +
                      $"trying controller {_config.ControllerIds[_nextVoter]} in {_config.RetryBackoffMs} ms");
        SendNoLaterThan(now + _config.RetryBackoffMs);
    }

    /// <summary>Stop asking this controller: try the voters in turn, starting after it, until one answers or names the active one.</summary>
    private void MoveOn(int failed)
    {
        _active = null;
        _leaderSuspect = true;
        var index = IndexOf(failed);
        if (index >= 0) _nextVoter = (index + 1) % _config.ControllerIds.Count;
    }

    private int IndexOf(int id)
    {
        for (var i = 0; i < _config.ControllerIds.Count; i++)
        {
            if (_config.ControllerIds[i] == id) return i;
        }
        return -1;
    }
}
