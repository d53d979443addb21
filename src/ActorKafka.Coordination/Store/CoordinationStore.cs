using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorKafka.Coordination;

/// <summary>
/// The coordination store: a thin persistent shell around <see cref="CoordinationState"/>.
/// Every change is applied in memory at once (so later requests validate against it) but
/// nothing that depends on it (a reply, a watch event, even a read or an error) leaves the
/// actor before the change is durable: all output waits in one FIFO outbox, tagged with the
/// zxid it depends on. Transactions that arrive while a journal write is in flight are
/// written together in the next one (group commit).
/// </summary>
public sealed class CoordinationStore : UntypedPersistentActor, IWithTimers
{
    private readonly StoreSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private CoordinationState _state;
    private readonly SessionDeadlines _deadlines = new();
    private readonly Dictionary<long, IActorRef> _connections = new();
    private readonly Dictionary<long, IActorRef> _ownerOf = new();
    private readonly Dictionary<IActorRef, HashSet<long>> _sessionsOf = new();
    private readonly Queue<(long Zxid, IActorRef To, object Message)> _outbox = new();
    private readonly List<TxnRecord> _pending = new();
    private bool _writing;
    private long _durableZxid;
    private long _txnsSinceSnapshot;
    private long _batchesWritten, _txnsWritten, _snapshotsSaved, _lastSnapshotZxid;

    public CoordinationStore(StoreSettings settings)
    {
        _settings = settings;
        _state = new CoordinationState(settings.Limits);
        JournalPluginId = settings.JournalPluginId;
        SnapshotPluginId = settings.SnapshotPluginId;
    }

    public static Props Props(StoreSettings settings) => Akka.Actor.Props.Create(() => new CoordinationStore(settings));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => _settings.PersistenceId;

    private long Now => _clock.ElapsedMilliseconds;

    private static long WallTime => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: StoreSnapshot snapshot }:
                _state = new CoordinationState(_settings.Limits);
                snapshot.RestoreInto(_state.Tree);
                _lastSnapshotZxid = snapshot.LastZxid;
                break;
            case TxnBatch batch:
                foreach (var record in batch.Records) _state.Replay(record);
                break;
            case RecoveryCompleted:
                _durableZxid = _state.LastZxid;
                // Sessions from before the restart get one timeout to re-attach, as in ZooKeeper.
                foreach (var (id, timeout) in _state.Tree.Sessions) _deadlines.Touch(id, timeout, Now);
                Timers.StartPeriodicTimer("expiry", ExpiryTick.Instance, _settings.TickTime);
                _log.Info("Coordination store {0} recovered: zxid 0x{1:x}, {2} znodes, {3} sessions",
                    PersistenceId, _state.LastZxid, _state.Tree.NodeCount, _state.Tree.Sessions.Count);
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case StoreRequest r:
                OnRequest(r);
                break;
            case Ping p:
                OnPing(p);
                break;
            case SetWatches w:
                Emit(new Outcome(new SyncResponse(ZnodePath.Root), null,
                    _state.SetWatches(w.SessionId, w.RelativeZxid, w.DataWatches, w.ExistWatches, w.ChildWatches)));
                break;
            case OpenSession o:
                OnOpen(o);
                break;
            case CloseSession c:
                _connections[c.SessionId] = Sender;
                EndSession(c.SessionId, Sender, c.Xid);
                break;
            case Terminated t:
                OnOwnerTerminated(t.ActorRef);
                break;
            case ExpiryTick:
                foreach (var id in _deadlines.Expired(Now))
                {
                    _log.Info("Session 0x{0:x} expired: no heartbeat within its timeout", id);
                    EndSession(id, null, 0);
                }
                break;
            case GetStoreStatus:
                Send(Sender, new StoreStatus(_state.LastZxid, _durableZxid, _state.Tree.NodeCount, _state.Tree.Sessions.Count,
                    _state.Watches.Count, _batchesWritten, _txnsWritten, _snapshotsSaved, _lastSnapshotZxid));
                break;
            case SaveSnapshotSuccess s:
                _snapshotsSaved++;
                DeleteMessages(s.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure f:
                _log.Warning(f.Cause, "Snapshot at sequence {0} failed; the journal still holds everything", f.Metadata.SequenceNr);
                break;
            case DeleteMessagesSuccess or DeleteMessagesFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                return;
        }
        Flush();
        Drain();
    }

    private void OnRequest(StoreRequest r)
    {
        _connections[r.SessionId] = Sender;
        _deadlines.Touch(r.SessionId, Now);
        var outcome = _state.Handle(r.SessionId, r.Request, WallTime);
        Emit(outcome);
        Send(Sender, new StoreReply(r.Xid, _state.LastZxid, outcome.Response));
    }

    private void OnPing(Ping p)
    {
        if (!_state.IsLive(p.SessionId))
        {
            Send(Sender, new SessionExpiredNotice(p.SessionId));
            return;
        }
        _connections[p.SessionId] = Sender;
        _deadlines.Touch(p.SessionId, Now);
        if (!_ownerOf.ContainsKey(p.SessionId)) Attach(p.SessionId, p.Owner);
        Send(Sender, new Pong(p.SessionId, _state.LastZxid));
    }

    private void OnOpen(OpenSession o)
    {
        var (record, id, timeout) = _state.OpenSession(o.TimeoutMs, WallTime);
        _pending.Add(record);
        _connections[id] = Sender;
        _deadlines.Touch(id, timeout, Now);
        Attach(id, o.Owner);
        Send(Sender, new SessionOpened(id, timeout));
    }

    private void Attach(long sessionId, IActorRef owner)
    {
        _ownerOf[sessionId] = owner;
        if (!_sessionsOf.TryGetValue(owner, out var sessions))
        {
            _sessionsOf[owner] = sessions = new HashSet<long>();
            Context.Watch(owner);
        }
        sessions.Add(sessionId);
    }

    private void OnOwnerTerminated(IActorRef owner)
    {
        if (!_sessionsOf.TryGetValue(owner, out var sessions)) return;
        foreach (var id in sessions.OrderBy(s => s).ToArray())
        {
            _log.Info("Session 0x{0:x} closed: its owner {1} terminated", id, owner.Path);
            EndSession(id, null, 0);
        }
    }

    /// <summary>Explicit close (replyTo set), expiry or owner death: ephemerals go, watches fire.</summary>
    private void EndSession(long sessionId, IActorRef? replyTo, long xid)
    {
        var connection = _connections.GetValueOrDefault(sessionId);
        var outcome = _state.CloseSession(sessionId, WallTime);
        Emit(outcome);
        _deadlines.Remove(sessionId);
        _connections.Remove(sessionId);
        if (_ownerOf.Remove(sessionId, out var owner) && _sessionsOf.TryGetValue(owner, out var sessions))
        {
            sessions.Remove(sessionId);
            if (sessions.Count == 0)
            {
                _sessionsOf.Remove(owner);
                Context.Unwatch(owner);
            }
        }
        if (replyTo is not null) Send(replyTo, new StoreReply(xid, _state.LastZxid, outcome.Response));
        else if (connection is not null && outcome.Record is not null) Send(connection, new SessionExpiredNotice(sessionId));
    }

    private void Emit(Outcome outcome)
    {
        if (outcome.Record is not null) _pending.Add(outcome.Record);
        foreach (var (sessionId, evt) in outcome.Fired)
            if (_connections.TryGetValue(sessionId, out var connection))
                Send(connection, new WatchNotification(sessionId, evt));
    }

    /// <summary>Queues output behind every change applied so far; it leaves once they are durable.</summary>
    private void Send(IActorRef to, object message) => _outbox.Enqueue((_state.LastZxid, to, message));

    private void Drain()
    {
        while (_outbox.Count > 0 && _outbox.Peek().Zxid <= _durableZxid)
        {
            var (_, to, message) = _outbox.Dequeue();
            // A session's clock starts when its client learns of it, not when a slow first write began.
            if (message is SessionOpened opened) _deadlines.Touch(opened.SessionId, Now);
            to.Tell(message, Self);
        }
    }

    private void Flush()
    {
        if (_writing || _pending.Count == 0) return;
        var batch = new TxnBatch(_pending.ToArray());
        _pending.Clear();
        _writing = true;
        PersistAsync(batch, OnDurable);
    }

    private void OnDurable(TxnBatch batch)
    {
        _writing = false;
        _durableZxid = batch.Records[^1].Zxid;
        _batchesWritten++;
        _txnsWritten += batch.Records.Count;
        _txnsSinceSnapshot += batch.Records.Count;
        if (_txnsSinceSnapshot >= _settings.SnapshotEvery)
        {
            // The snapshot may include applied-but-unwritten transactions; recovery skips
            // journal records at or below the snapshot's zxid, so nothing is applied twice.
            _txnsSinceSnapshot = 0;
            _lastSnapshotZxid = _state.LastZxid;
            SaveSnapshot(StoreSnapshot.Capture(_state.Tree));
        }
        Drain();
        Flush();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The batch is applied in memory but will never be durable: restart and recover from the journal.
        throw new InvalidOperationException($"journal rejected transaction batch {sequenceNr}", cause);
    }

    private sealed class ExpiryTick
    {
        public static readonly ExpiryTick Instance = new();
    }
}
