using System.Diagnostics;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Raft;
using ActorKafka.Controller.Migration;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// Kafka's QuorumController: one per controller node, beside its Raft voter. Every controller
/// replays the committed metadata log into its image, so the standbys are always current; the
/// one whose voter leads is active: it turns requests into records (through the pure
/// <see cref="QuorumControllerCore"/>), appends them at the offsets it predicted, and answers once
/// they commit. It becomes active only when its own LeaderChange record is committed, which means
/// every earlier record is in its image: a failover continues from memory, with no reload.
/// States: Standby -> Active -> Standby (renounce on a leader change or a refused append).
/// </summary>
public sealed partial class QuorumController : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private readonly QuorumControllerSettings _settings;
    private readonly IActorRef _voter;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly MetadataLoader _committed = new();
    private readonly QuorumControllerCore _core;
    private RaftLeaderChanged? _view;

    public QuorumController(QuorumControllerSettings settings, IActorRef voter, Func<Guid>? newTopicId = null)
    {
        _settings = settings;
        _voter = voter;
        _core = new QuorumControllerCore(settings.NodeId, settings.CoreConfig(), newTopicId ?? Guid.NewGuid);
    }

    public static Props Props(QuorumControllerSettings settings, IActorRef voter) =>
        Akka.Actor.Props.Create(() => new QuorumController(settings, voter, null));

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    /// <summary>The active controller as far as this node knows: its own voter's view of the Raft leader.</summary>
    private int KnownLeader => _view?.LeaderId ?? -1;

    private int KnownEpoch => _view?.Epoch ?? 0;

    protected override void PreStart()
    {
        _voter.Tell(new SubscribeCommitted(Self));
        Context.Watch(_voter);
        Timers.StartPeriodicTimer("session-check", SessionCheck.Instance, _settings.SessionCheckInterval);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case CommittedBatch batch:
                OnCommitted(batch);
                break;
            case LoadSnapshot load:
                OnLoadSnapshot(load);
                break;
            case RaftLeaderChanged view:
                OnLeaderChanged(view);
                break;
            case SnapshotDue:
                TakeSnapshot();
                break;
            case SnapshotAccepted or Proposed:
                break;
            case SnapshotRejected r:
                _log.Warning("Raft refused the metadata snapshot at {0}: {1}", r.EndOffset, r.Reason);
                break;
            case ProposalRejected r:
                OnProposalRejected(r);
                break;
            case SubscribeControllerMetadata subscribe:
                OnSubscribeControllerMetadata(subscribe);
                break;
            case AppendMigrationRecords append:
                OnAppendMigrationRecords(append);
                break;
            case IQuorumControllerRequest request:
                OnRequest(request);
                break;
            case SessionCheck:
                if (_core.IsActive) Append(_core.FenceExpiredBrokers(Now), _ => { }, _ => { });
                break;
            case GetQuorumControllerStatus:
                Sender.Tell(Status());
                break;
            case PauseController:
                _log.Warning("Quorum controller {0} paused: processing nothing until resumed", _settings.NodeId);
                Become(Paused);
                break;
            case Terminated t when t.ActorRef.Equals(_voter):
                // Without its voter this controller can neither learn nor write anything: stop, and let the host decide.
                _log.Error("Quorum controller {0}: its Raft voter stopped; stopping", _settings.NodeId);
                Context.Stop(Self);
                break;
            case Terminated t:
                _metadataSubscribers.Remove(t.ActorRef);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnLeaderChanged(RaftLeaderChanged view)
    {
        var (wasActive, wasEpoch) = (_core.IsActive, _core.Epoch);
        if (view.IsLocalLeader && (_view is not { IsLocalLeader: true } || _view.Epoch != view.Epoch))
            Context.System.EventStream.Publish(new QuorumLeaderElected(_settings.NodeId, view.Epoch));
        _view = view;
        if (_core.IsActive && (!view.IsLocalLeader || view.Epoch != _core.Epoch))
            Renounce($"Raft moved on: epoch {view.Epoch}, leader {view.LeaderId?.ToString() ?? "unknown"}");
        MaybeActivate();
        if (_core.IsActive != wasActive || _core.Epoch != wasEpoch) NotifyMetadataSubscribers();
    }

    /// <summary>A stop-the-world pause (a zombie in the making): everything waits, timers included.</summary>
    private void Paused(object message)
    {
        switch (message)
        {
            case ResumeController:
                _log.Warning("Quorum controller {0} resumed", _settings.NodeId);
                Become(OnReceive);
                Stash.UnstashAll();
                break;
            case SessionCheck:
                break;
            case GetQuorumControllerStatus:
                Sender.Tell(Status());
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    private QuorumControllerStatus Status() => new(_settings.NodeId, _core.IsActive, _core.IsActive ? _core.Epoch : -1, KnownEpoch, _view?.LeaderId,
        _committed.Image.Offset, _committed.Image.Cluster.Brokers.Count, _committed.Image.Topics.PartitionCount(), _pending.Count);

    private void TakeSnapshot()
    {
        var image = _committed.Image;
        if (image.IsEmpty) return;
        var voter = _voter;
        // The image is immutable: encode it off the actor so a million-partition snapshot does not stall requests.
        Task.Run(() => new TakeSnapshot(image.Offset + 1, ImageSnapshot.Write(image))).PipeTo(voter, Self);
    }

    private sealed class SessionCheck
    {
        public static readonly SessionCheck Instance = new();
    }
}
