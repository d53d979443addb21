using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller.Migration;

/// <summary>
/// Kafka's KRaftMigrationDriver: one per KRaft controller node at /user/migration-driver, beside
/// the quorum controller it subscribes to. The pure <see cref="MigrationDriverCore"/> decides;
/// this shell runs its commands against the coordination store (its own session), the quorum
/// controller (migration batches) and the zk-mode brokers (LeaderAndIsr/UpdateMetadata with
/// IsKRaftController), and feeds each outcome back. Like the zk controller it handles one event
/// at a time: ReceiveAsync keeps the mailbox suspended while a step's I/O is in flight.
/// </summary>
public sealed partial class MigrationDriver : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "retry";

    private readonly MigrationDriverSettings _settings;
    private readonly IActorRef _quorumController;
    private readonly Func<Guid> _newTopicId;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly MigrationDriverCore _core;
    private readonly ControllerChannel _channel;
    private IActorRef? _client;
    private long _sessionId;
    private int _sessions;
    private long _nextRequestId;

    public MigrationDriver(MigrationDriverSettings settings, IActorRef quorumController, Func<Guid>? newTopicId = null)
    {
        _settings = settings;
        _quorumController = quorumController;
        _newTopicId = newTopicId ?? Guid.NewGuid;
        _core = new MigrationDriverCore(settings.NodeId, settings.Enabled);
        _channel = new ControllerChannel(settings.NodeId, settings.RequestRetryAfter, Timers, RetryBrokerRequests.Instance, _log, Context.System.EventStream,
            $"Migration driver {settings.NodeId}");

        ReceiveAsync<ControllerMetadataChanged>(m =>
            DriveAsync(new MetadataPublished(m.Committed, m.Active, m.Epoch, LogMigrationState(m.Committed))));
        ReceiveAsync<WatchedEvent>(e => e.Path == ZkPaths.BrokerIds && e.Type == WatchEventType.NodeChildrenChanged
            ? DriveAsync(ZkBrokersChanged.Instance)
            : Task.CompletedTask);
        ReceiveAsync<SessionStateChanged>(s =>
            s.SessionId == _sessionId && s.State is SessionState.Expired or SessionState.Closed && _client is not null
                ? DropSessionThen(new ZkSessionLost($"store session 0x{s.SessionId:x} {s.State}"))
                : Task.CompletedTask);
        ReceiveAsync<MigrationRetryDue>(r => DriveAsync(r));
        ReceiveAsync<FinalizeMigrationRequest>(r =>
        {
            var replyTo = Sender;
            return DriveAsync(new FinalizeRequested(r.CorrelationId), replyTo);
        });
        Receive<DescribeMigrationRequest>(r => Sender.Tell(_core.Describe(r.CorrelationId)));
        Receive<IBrokerControlResponse>(r =>
        {
            if (_channel.Answered(r)) LogRejection(r.BrokerId, r.Error, ControllerChannel.RequestName(r));
        });
        Receive<RetryBrokerRequests>(_ => _channel.ResendDue(Self));
    }

    /// <param name="quorumController">This node's quorum controller: the image comes from it and migration batches go through it.</param>
    /// <param name="newTopicId">Ids for zk topics whose own id is unusable; random unless a test fixes them.</param>
    public static Props Props(MigrationDriverSettings settings, IActorRef quorumController, Func<Guid>? newTopicId = null) =>
        Akka.Actor.Props.Create(() => new MigrationDriver(settings, quorumController, newTopicId));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => _quorumController.Tell(new SubscribeControllerMetadata(Self));

    protected override void PostStop()
    {
        // The session actor is a child and stops with us; its owner's termination ends the session in the store.
        _client = null;
    }

    // The log's ZkMigrationState: the image's, or what this driver learned first-hand when that is
    // further along (its own batch committed, or /migration recording a copy this image already
    // holds), since the image that shows it may arrive after the step that needs it.
    private ZkMigrationState _trackedLogState = ZkMigrationState.PreMigration;

    private ZkMigrationState LogMigrationState(MetadataImage image) =>
        Progress(image.MigrationState) >= Progress(_trackedLogState) ? image.MigrationState : _trackedLogState;

    private static int Progress(ZkMigrationState state) => state switch
    {
        ZkMigrationState.None => 0,
        ZkMigrationState.PreMigration => 1,
        ZkMigrationState.Migration => 2,
        _ => 3,
    };

    private void NoteCommitted(IEnumerable<MetadataRecord> records)
    {
        foreach (var record in records)
            if (record is ZkMigrationStateRecord s) _trackedLogState = s.State;
    }

    private void NoteClaimed(MigrationZNode? migration, MetadataImage image)
    {
        if (_trackedLogState == ZkMigrationState.PreMigration && migration is { KraftMetadataOffset: >= 0 } m && m.KraftMetadataOffset <= image.Offset)
            _trackedLogState = ZkMigrationState.Migration;
    }

    /// <summary>Feeds one input to the core and runs the commands it gives, feeding their outcomes back, until none is left.</summary>
    private async Task DriveAsync(MigrationInput input, IActorRef? replyTo = null)
    {
        var queue = new Queue<MigrationCommand>(Apply(input));
        while (queue.TryDequeue(out var command))
        {
            var outcome = await ExecuteAsync(command, replyTo);
            if (outcome is not null)
                foreach (var next in Apply(outcome)) queue.Enqueue(next);
        }
    }

    private IReadOnlyList<MigrationCommand> Apply(MigrationInput input)
    {
        var before = _core.State;
        var commands = _core.Handle(input);
        if (_core.State != before)
        {
            _log.Info("Migration driver {0}: {1} -> {2}", _settings.NodeId, before, _core.State);
            Publish(new MigrationDriverStateChanged(_settings.NodeId, before, _core.State));
        }
        return commands;
    }

    private async Task<MigrationInput?> ExecuteAsync(MigrationCommand command, IActorRef? replyTo)
    {
        try
        {
            switch (command)
            {
                case LoadZkBrokers:
                    return await LoadZkBrokersAsync();
                case ClaimZkController claim:
                    return await ClaimAsync(claim);
                case CopyZkMetadata copy:
                    return await CopyAsync(copy);
                case SyncKRaftMetadataToZk sync:
                    return await SyncAsync(sync);
                case DualWriteToZk write:
                    return await DualWriteAsync(write);
                case SendMetadataToZkBrokers send:
                    SendFullMetadata(send);
                    return _core.State == MigrationDriverState.KRaftControllerToBrokerComm ? ZkBrokersInformed.Instance : null;
                case AppendPostMigration finalize:
                    return await AppendPostMigrationAsync(finalize, replyTo);
                case AnswerFinalize answer:
                    replyTo?.Tell(new FinalizeMigrationResponse(answer.CorrelationId, answer.Error, answer.Error == ControlError.NotController
                        ? _core.Image.Leader?.LeaderId ?? -1
                        : _settings.NodeId, _core.RaftEpoch, answer.Offset, answer.Message));
                    if (answer.Error == ControlError.None) Publish(new MigrationFinalized(_settings.NodeId, answer.Offset));
                    return null;
                case CloseZkSession:
                    await CloseSessionAsync();
                    return null;
                case ScheduleMigrationRetry:
                    Timers.StartSingleTimer(RetryTimer, MigrationRetryDue.Instance, _settings.RetryBackoff);
                    return null;
                default:
                    throw new InvalidOperationException($"no executor for {command.GetType().Name}");
            }
        }
        catch (MigrationFencedException e)
        {
            _log.Warning("Migration driver {0}: {1}; claiming the store again", _settings.NodeId, e.Message);
            Publish(new DualWriteFenced(_settings.NodeId, e.Message));
            return new ZkWriteFenced(e.Message);
        }
        catch (MigrationDivergedException e)
        {
            _log.Warning("Migration driver {0}: {1}; syncing the store with the log", _settings.NodeId, e.Message);
            return new ZkDiverged(e.Message);
        }
        catch (Exception e) when (e is KeeperException or AskTimeoutException or MigrationStepException)
        {
            _log.Warning("Migration driver {0}: {1} failed ({2}); retrying in {3}", _settings.NodeId, command.GetType().Name, e.Message, _settings.RetryBackoff);
            if (e is KeeperException { Code: ZkErrorCode.SessionExpired }) return await DropSessionAndReport(e.Message);
            return new MigrationStepFailed(e.Message);
        }
    }

    private async Task<MigrationInput> DropSessionAndReport(string reason)
    {
        await CloseSessionAsync();
        return new ZkSessionLost(reason);
    }

    private async Task DropSessionThen(MigrationInput input)
    {
        await CloseSessionAsync();
        await DriveAsync(input);
    }

    private void Publish(MigrationEvent e) => Context.System.EventStream.Publish(e);

    private void LogRejection(int brokerId, ControlError error, string request)
    {
        if (error != ControlError.None) _log.Warning("Zk broker {0} refused {1} from KRaft controller {2}: {3}", brokerId, request, _settings.NodeId, error);
    }

    private sealed class RetryBrokerRequests
    {
        public static readonly RetryBrokerRequests Instance = new();
    }
}

/// <summary>A check on /controller_epoch or /migration failed: another controller holds the store.</summary>
internal sealed class MigrationFencedException(string message) : Exception(message);

/// <summary>A dual write found a znode created or removed underneath: the store no longer matches the image it was based on.</summary>
internal sealed class MigrationDivergedException(string message) : Exception(message);

/// <summary>A step could not complete (a claim lost, a batch refused); retried after the backoff.</summary>
internal sealed class MigrationStepException(string message) : Exception(message);
