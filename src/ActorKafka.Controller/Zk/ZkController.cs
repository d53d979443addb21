using System.Diagnostics;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller;

/// <summary>
/// Kafka's ZooKeeper-mode controller, one per broker node at /user/controller. Every node races
/// to create the ephemeral /controller while bumping /controller_epoch in the same multi; the
/// winner loads the cluster with pipelined reads, pushes UpdateMetadata and LeaderAndIsr, and
/// reacts to broker, topic and admin changes and to leaders' ISR change notifications through watches. Every write it makes is checked
/// against the epoch's znode version, so once replaced it can change nothing and resigns.
/// Like Kafka's controller it handles one event at a time (ReceiveAsync keeps the mailbox
/// suspended while an event's reads and writes are in flight).
/// During a migration to KRaft (KIP-866) a candidate does not claim /controller while /migration
/// exists or a KRaft controller holds /controller (<see cref="ZkMigrationGuard"/>); an active one
/// replaced by a KRaft controller finds out at its next fenced write, resigns, and stands aside.
/// States: Standby (electing, or watching /controller and /migration) -> Active -> Standby; Paused (fault injection).
/// </summary>
public sealed partial class ZkController : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly ControllerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ZkStateStore _store;
    private readonly Dictionary<int, ActorSelection> _brokers = new();
    private IActorRef? _client;
    private long _sessionId;
    private int _sessions;
    private ControllerContext? _context;
    private List<BrokerRequest> _heldDuringPause = new();
    private readonly ControllerChannel _channel;
    private string? _electionDeferredBecause;

    public ZkController(ControllerSettings settings)
    {
        _settings = settings;
        _store = new ZkStateStore(() => _client!, settings);
        _channel = new ControllerChannel(settings.BrokerId, settings.RequestRetryAfter, Timers, RetryRequests.Instance, _log, Context.System.EventStream,
            $"Controller {settings.BrokerId}");
        Standby();
    }

    public static Props Props(ControllerSettings settings) => Akka.Actor.Props.Create(() => new ZkController(settings));

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    private int Id => _settings.BrokerId;

    protected override void PreStart() => Self.Tell(Elect.Instance);

    private void Standby()
    {
        ReceiveAsync<Elect>(_ => ElectAsync());
        Receive<WatchedEvent>(e =>
        {
            // /controller deleted: race for it. Changed, or /migration created or deleted: see whether a migration still owns the cluster.
            if (e.Path is ZkPaths.Controller or ZkPaths.Migration) Self.Tell(Elect.Instance);
        });
        Receive<SessionStateChanged>(s =>
        {
            if (s.State != SessionState.Expired || s.SessionId != _sessionId) return;
            DropSession();
            Self.Tell(Elect.Instance);
        });
        Receive<ControlledShutdownRequest>(_ => Sender.Tell(new ControlledShutdownResponse(ControlError.NotController, Array.Empty<TopicPartition>(),
            $"broker {Id} is not the controller")));
        Receive<ElectPreferredLeaders>(_ => Sender.Tell(new ElectLeadersResult(ControlError.NotController, 0)));
        Receive<ImbalanceCheck>(_ => { });
        Receive<RetryRequests>(_ => { });
        CommonReceives();
    }

    private void Active()
    {
        ReceiveAsync<WatchedEvent>(e => Guarded(() => OnWatchAsync(e)));
        ReceiveAsync<ControlledShutdownRequest>(r =>
        {
            var replyTo = Sender;
            return Guarded(() => ControlledShutdownAsync(r, replyTo));
        });
        ReceiveAsync<ElectPreferredLeaders>(r =>
        {
            var replyTo = Sender;
            return Guarded(() => ElectPreferredAsync(r, replyTo));
        });
        ReceiveAsync<ImbalanceCheck>(_ => Guarded(async () =>
        {
            if (_settings.AutoLeaderRebalanceEnable) await ApplyAsync(c => c.ElectPreferred(c.ImbalancedPartitions(_settings.LeaderImbalancePerBrokerPercentage)));
        }));
        Receive<SessionStateChanged>(s =>
        {
            if (s.State != SessionState.Expired || s.SessionId != _sessionId) return;
            Resign("its store session expired");
            DropSession();
            Self.Tell(Elect.Instance);
        });
        Receive<Elect>(_ => { });
        Receive<RetryRequests>(_ => _channel.ResendDue(Self));
        CommonReceives();
    }

    private void CommonReceives()
    {
        Receive<PauseController>(_ =>
        {
            // A paused process stops heartbeating; requests it had already built go out when it resumes.
            _client?.Tell(new SuspendHeartbeats(true));
            _heldDuringPause = _context is null ? new() : UpdateMetadataFor(_context.States.Keys.ToArray());
            _log.Warning("Controller {0} paused", Id);
            BecomeStacked(Paused);
        });
        Receive<GetControllerState>(_ => Sender.Tell(new ControllerStateSnapshot(Id, _context is not null, _context?.Epoch ?? -1,
            _context?.LiveBrokers.Keys.Order().ToArray() ?? Array.Empty<int>(),
            _context is null ? new Dictionary<TopicPartition, LeaderAndIsr>() : new Dictionary<TopicPartition, LeaderAndIsr>(_context.States))));
        Receive<IBrokerControlResponse>(r =>
        {
            // An answer to a request re-sent after it was answered once is no news.
            if (_channel.Answered(r)) LogRejection(r.BrokerId, r.Error, ControllerChannel.RequestName(r));
        });
    }

    private void Paused()
    {
        Receive<ResumeController>(_ =>
        {
            _log.Warning("Controller {0} resumed; it still believes it is controller with epoch {1}", Id, _context?.Epoch ?? -1);
            _client?.Tell(new SuspendHeartbeats(false));
            Send(_heldDuringPause);
            _heldDuringPause = new();
            UnbecomeStacked();
            Stash.UnstashAll();
        });
        Receive<GetControllerState>(_ => Stash.Stash());
        // A paused process re-sends nothing either.
        Receive<RetryRequests>(_ => { });
        ReceiveAny(_ => Stash.Stash());
    }

    private void LogRejection(int brokerId, ControlError error, string request)
    {
        if (error != ControlError.None) _log.Warning("Broker {0} refused {1} from controller {2}: {3}", brokerId, request, Id, error);
    }

    /// <summary>Runs an active-controller event; a fenced write makes this controller resign.</summary>
    private async Task Guarded(Func<Task> handler)
    {
        try
        {
            await handler();
        }
        catch (ControllerMovedException e)
        {
            Resign(e.Message);
        }
        catch (Exception e) when (e is KeeperException or AskTimeoutException)
        {
            _log.Warning("Controller {0}: store request failed ({1}); resigning and re-electing", Id, e.Message);
            Resign($"store request failed: {e.Message}");
            DropSession();
            Self.Tell(Elect.Instance);
        }
    }

    private void Resign(string reason)
    {
        if (_context is null) return;
        _log.Warning("Controller {0} resigns epoch {1}: {2}", Id, _context.Epoch, reason);
        Context.System.EventStream.Publish(new ControllerResigned(Id, _context.Epoch, reason));
        _context = null;
        Timers.Cancel("imbalance");
        _channel.Clear();
        Become(Standby);
        Self.Tell(Elect.Instance);
    }

    private IActorRef EnsureClient()
    {
        _client ??= Context.ActorOf(CoordinationClient.Props(_settings.Client, owner: Self, watcher: Self), $"store-session-{++_sessions}");
        return _client;
    }

    private void DropSession()
    {
        if (_client is not null) Context.Stop(_client);
        _client = null;
    }

    private async Task RenewSessionAsync()
    {
        DropSession();
        _sessionId = (await EnsureClient().Ask<SessionInfo>(GetSession.Instance, _settings.StoreRequestTimeout)).SessionId;
    }

    private sealed class Elect
    {
        public static readonly Elect Instance = new();
    }

    private sealed class ImbalanceCheck
    {
        public static readonly ImbalanceCheck Instance = new();
    }

    private sealed class RetryRequests
    {
        public static readonly RetryRequests Instance = new();
    }
}
