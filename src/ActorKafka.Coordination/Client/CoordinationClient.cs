using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Coordination;

/// <summary>
/// A ZooKeeper-style client connection as an actor. Local actors send it ZkRequests and get
/// ZkResponses back; watch events and session state changes go to the watcher (and the
/// optional callback) in the order the store sent them, always before the reply to any later
/// request. Heartbeats, reconnection after a store restart and re-registration of watches
/// are handled here.
/// States: Connecting (no store yet) -> Connected -> Connecting (store lost) | Ended (expired or closed).
/// </summary>
public sealed class CoordinationClient : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly ClientSettings _settings;
    private readonly IActorRef _owner;
    private readonly IActorRef? _watcher;
    private readonly Action<object>? _onEvent;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<long, (IActorRef ReplyTo, long SentAt, ZkRequest? Request)> _pending = new();
    private readonly Queue<long> _order = new();
    private readonly WatchBook _watches = new();
    private IActorRef? _store;
    private long _sessionId;
    private int _timeoutMs;
    private long _xid;
    private long _lastZxid;
    private long _closeXid = -1;
    private SessionState _state = SessionState.Disconnected;
    private bool _heartbeatsSuspended;

    /// <param name="owner">The actor whose termination ends the session; the client itself when null.</param>
    /// <param name="watcher">Receives WatchedEvent and SessionStateChanged messages.</param>
    /// <param name="onEvent">Called synchronously with the same events, before any later reply is sent (for async callers).</param>
    public CoordinationClient(ClientSettings settings, IActorRef? owner, IActorRef? watcher, Action<object>? onEvent)
    {
        _settings = settings;
        _owner = owner ?? Self;
        _watcher = watcher;
        _onEvent = onEvent;
        Connecting();
    }

    public static Props Props(ClientSettings settings, IActorRef? owner = null, IActorRef? watcher = null, Action<object>? onEvent = null) =>
        Akka.Actor.Props.Create(() => new CoordinationClient(settings, owner, watcher, onEvent));

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("reconnect", ReconnectTick.Instance, TimeSpan.Zero, _settings.ReconnectInterval);
        Timers.StartPeriodicTimer("request-timeout", RequestTimeoutTick.Instance, Quarter(_settings.RequestTimeout));
    }

    private static TimeSpan Quarter(TimeSpan t) => TimeSpan.FromTicks(Math.Max(t.Ticks / 4, TimeSpan.TicksPerMillisecond));

    private void Connecting()
    {
        Receive<ReconnectTick>(_ =>
        {
            if (_store is null) Context.ActorSelection(_settings.StorePath).Tell(new Identify(null));
        });
        Receive<ActorIdentity>(id =>
        {
            if (id.Subject is null || _store is not null) return;
            _store = id.Subject;
            Context.Watch(_store);
            if (_sessionId == 0) _store.Tell(new OpenSession(_owner, (int)_settings.SessionTimeout.TotalMilliseconds));
            else _store.Tell(new Ping(_sessionId, _owner));
        });
        Receive<SessionOpened>(opened =>
        {
            _sessionId = opened.SessionId;
            _timeoutMs = opened.TimeoutMs;
            BecomeConnected();
        });
        Receive<Pong>(pong =>
        {
            _lastZxid = Math.Max(_lastZxid, pong.LastZxid);
            BecomeConnected();
            if (_watches.Count > 0)
                _store!.Tell(new SetWatches(_sessionId, _lastZxid, _watches.Data, _watches.Exist, _watches.Child));
        });
        Receive<SessionExpiredNotice>(_ => BecomeEnded(SessionState.Expired));
        Receive<Terminated>(t => { if (t.ActorRef.Equals(_store)) _store = null; });
        Receive<ZkRequest>(request =>
        {
            if (_sessionId == 0) Stash.Stash();
            else Sender.Tell(new ErrorResponse(ZkErrorCode.ConnectionLoss, request.Path, "the coordination store is unreachable; retry once the session reconnects"));
        });
        Receive<CloseSessionCommand>(_ =>
        {
            if (_sessionId == 0) Stash.Stash();
            else Sender.Tell(new ErrorResponse(ZkErrorCode.ConnectionLoss, ZnodePath.Root, "the coordination store is unreachable"));
        });
        Receive<GetSession>(_ => Stash.Stash());
        ReceiveReplies();
    }

    private void BecomeConnected()
    {
        Timers.Cancel("reconnect");
        Timers.StartPeriodicTimer("ping", PingTick.Instance, TimeSpan.FromMilliseconds(Math.Max(_timeoutMs / 3, 1)));
        Become(Connected);
        Notify(new SessionStateChanged(SessionState.SyncConnected, _sessionId));
        Stash.UnstashAll();
    }

    private void Connected()
    {
        Receive<ZkRequest>(request => Forward(request));
        Receive<PingTick>(_ =>
        {
            if (!_heartbeatsSuspended) _store!.Tell(new Ping(_sessionId, _owner));
        });
        Receive<Pong>(pong => _lastZxid = Math.Max(_lastZxid, pong.LastZxid));
        Receive<GetSession>(_ => Sender.Tell(new SessionInfo(_sessionId, _timeoutMs, _state)));
        Receive<CloseSessionCommand>(_ =>
        {
            _closeXid = ++_xid;
            Track(_closeXid, Sender, null);
            _store!.Tell(new CloseSession(_sessionId, _closeXid));
        });
        Receive<SessionExpiredNotice>(n => { if (n.SessionId == _sessionId) BecomeEnded(SessionState.Expired); });
        Receive<Terminated>(t =>
        {
            if (!t.ActorRef.Equals(_store)) return;
            _log.Warning("Coordination store {0} terminated; session 0x{1:x} reconnecting", t.ActorRef.Path, _sessionId);
            _store = null;
            FailPending(ZkErrorCode.ConnectionLoss, "the coordination store went away before answering");
            Timers.Cancel("ping");
            Timers.StartPeriodicTimer("reconnect", ReconnectTick.Instance, TimeSpan.Zero, _settings.ReconnectInterval);
            Become(Connecting);
            Notify(new SessionStateChanged(SessionState.Disconnected, _sessionId));
        });
        ReceiveReplies();
    }

    /// <summary>Expired or closed: nothing can be done on this session any more.</summary>
    private void Ended()
    {
        Receive<ZkRequest>(request =>
        {
            // The store itself answers SessionExpired for a dead session; ask it when reachable.
            if (_store is not null) Forward(request);
            else Sender.Tell(new ErrorResponse(ZkErrorCode.SessionExpired, request.Path, $"session 0x{_sessionId:x} is {_state}"));
        });
        Receive<CloseSessionCommand>(_ => Sender.Tell(new ErrorResponse(ZkErrorCode.SessionExpired, ZnodePath.Root, $"session 0x{_sessionId:x} is {_state}")));
        Receive<GetSession>(_ => Sender.Tell(new SessionInfo(_sessionId, _timeoutMs, _state)));
        Receive<Terminated>(t => { if (t.ActorRef.Equals(_store)) _store = null; });
        Receive<SessionExpiredNotice>(_ => { });
        Receive<Pong>(_ => { });
        Receive<PingTick>(_ => { });
        Receive<ReconnectTick>(_ => { });
        ReceiveReplies();
    }

    private void BecomeEnded(SessionState state)
    {
        Timers.Cancel("ping");
        Timers.Cancel("reconnect");
        FailPending(ZkErrorCode.SessionExpired, $"session 0x{_sessionId:x} is {state}");
        _watches.Clear();
        Become(Ended);
        Notify(new SessionStateChanged(state, _sessionId));
        Stash.UnstashAll();
    }

    /// <summary>Replies, watch events and request timeouts are handled the same in every state.</summary>
    private void ReceiveReplies()
    {
        Receive<SuspendHeartbeats>(s => _heartbeatsSuspended = s.Suspend);
        Receive<StoreReply>(reply =>
        {
            _lastZxid = Math.Max(_lastZxid, reply.Zxid);
            if (!_pending.Remove(reply.Xid, out var entry)) return;
            if (entry.Request is not null) _watches.Record(entry.Request, reply.Response);
            entry.ReplyTo.Tell(reply.Response);
            if (reply.Xid == _closeXid && reply.Response.IsOk) BecomeEnded(SessionState.Closed);
        });
        Receive<WatchNotification>(n =>
        {
            if (n.SessionId != _sessionId) return;
            _lastZxid = Math.Max(_lastZxid, n.Event.Zxid);
            _watches.Fired(n.Event);
            Notify(n.Event);
        });
        Receive<RequestTimeoutTick>(_ =>
        {
            var now = Now;
            var limit = (long)_settings.RequestTimeout.TotalMilliseconds;
            while (_order.Count > 0)
            {
                var xid = _order.Peek();
                if (!_pending.TryGetValue(xid, out var entry)) { _order.Dequeue(); continue; }
                if (now - entry.SentAt < limit) break;
                _order.Dequeue();
                _pending.Remove(xid);
                entry.ReplyTo.Tell(new ErrorResponse(ZkErrorCode.ConnectionLoss, entry.Request?.Path ?? ZnodePath.Root,
                    $"no answer from the coordination store within {_settings.RequestTimeout.TotalMilliseconds} ms"));
            }
        });
    }

    private void Forward(ZkRequest request)
    {
        var xid = ++_xid;
        Track(xid, Sender, request);
        _store!.Tell(new StoreRequest(_sessionId, xid, request));
    }

    private void Track(long xid, IActorRef replyTo, ZkRequest? request)
    {
        _pending[xid] = (replyTo, Now, request);
        _order.Enqueue(xid);
    }

    private void FailPending(ZkErrorCode code, string message)
    {
        foreach (var xid in _order)
            if (_pending.Remove(xid, out var entry))
                entry.ReplyTo.Tell(new ErrorResponse(code, entry.Request?.Path ?? ZnodePath.Root, message));
        _order.Clear();
    }

    private void Notify(object evt)
    {
        if (evt is SessionStateChanged s) _state = s.State;
        _onEvent?.Invoke(evt);
        _watcher?.Tell(evt);
    }

    private sealed class ReconnectTick { public static readonly ReconnectTick Instance = new(); }
    private sealed class PingTick { public static readonly PingTick Instance = new(); }
    private sealed class RequestTimeoutTick { public static readonly RequestTimeoutTick Instance = new(); }
}
