using System.Diagnostics;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Raft;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Broker.Kraft;

/// <summary>
/// A Kafka broker in KRaft mode, at /user/broker on its node: a thin shell around
/// <see cref="BrokerLifecycle"/> (registration, heartbeats, fencing, controlled shutdown) and
/// <see cref="LocalReplicas"/> (its partitions' roles). Its metadata comes from its own Raft
/// observer, to which it subscribes at start: every committed batch and snapshot is folded through
/// <see cref="MetadataLoader"/>, so leadership changes arrive from the log rather than as pushed
/// LeaderAndIsr requests. It talks to the quorum controller at
/// <c>&lt;voter address&gt;/user/quorum-controller</c> of the voter the lifecycle picks.
/// Every change of a replica it hosts is published as <see cref="PartitionStateChanged"/>; a
/// leader's <see cref="ProposeIsrChange"/> becomes an AlterPartition request through
/// <see cref="AlterPartitionManager{TReply}"/>, answered once the log has brought the change here.
/// </summary>
public sealed class KraftBroker : ReceiveActor, IWithTimers
{
    private const string TickTimer = "lifecycle";
    private const string AlterTimer = "alter-partition";

    private readonly KraftBrokerSettings _settings;
    private readonly IActorRef _observer;
    private readonly Func<int, ICanTell>? _controllerOverride;
    private readonly Dictionary<int, ICanTell> _controllers = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly MetadataLoader _loader = new();
    private readonly LocalReplicas _replicas;
    private readonly BrokerLifecycle _lifecycle;
    private readonly AlterPartitionManager<IActorRef> _alterPartition;
    private readonly List<IActorRef> _shutdownRequesters = new();
    private long? _wakeAt;
    private long? _alterWakeAt;

    private KraftBroker(KraftBrokerSettings settings, IActorRef observer, Func<int, ICanTell>? controllerOf)
    {
        _settings = settings;
        _observer = observer;
        _controllerOverride = controllerOf;
        _replicas = new LocalReplicas(settings.BrokerId);
        // A new incarnation id per start: the controller tells a restart of this broker from a second broker with its id.
        var address = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        _lifecycle = new BrokerLifecycle(settings.LifecycleConfig(Guid.NewGuid(), address));
        _alterPartition = new AlterPartitionManager<IActorRef>(settings.BrokerId, settings.Controllers.Select(c => c.Id).ToArray(),
            (long)settings.RequestTimeout.TotalMilliseconds, (long)settings.RetryBackoff.TotalMilliseconds, () => _lifecycle.BrokerEpoch,
            tp => _replicas.Replicas.TryGetValue(tp, out var replica) ? replica.PartitionEpoch : null);
        Active();
    }

    /// <summary><paramref name="observer"/> is this node's Raft replica (an observer whose node id is the broker id).</summary>
    public static Props Props(KraftBrokerSettings settings, IActorRef observer) =>
        Akka.Actor.Props.CreateBy(new Producer(settings, observer, null));

    /// <summary>For tests: the controllers are <paramref name="controllerOf"/>(voter id) instead of the actors at the voters' addresses.</summary>
    internal static Props Props(KraftBrokerSettings settings, IActorRef observer, Func<int, ICanTell> controllerOf) =>
        Akka.Actor.Props.CreateBy(new Producer(settings, observer, controllerOf));

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        _observer.Tell(new SubscribeCommitted(Self));
        Context.Watch(_observer);
        _log.Info("Broker {0} starting in KRaft mode: registering with controllers [{1}]", _settings.BrokerId,
            string.Join(", ", _settings.Controllers.Select(c => c.Id)));
        Step(_lifecycle.Start(Now));
    }

    private void Active()
    {
        Receive<LoadSnapshot>(OnLoadSnapshot);
        Receive<CommittedBatch>(OnCommittedBatch);
        Receive<RaftLeaderChanged>(l =>
        {
            Step(_lifecycle.OnControllerChanged(l.LeaderId, l.Epoch, Now));
            StepAlter(_alterPartition.OnControllerChanged(l.LeaderId, l.Epoch, Now));
        });
        Receive<SnapshotDue>(_ => OnSnapshotDue());
        Receive<SnapshotAccepted>(a => _log.Debug("Broker {0}: the observer took a snapshot at {1}", _settings.BrokerId, a.Id));
        Receive<SnapshotRejected>(r => _log.Warning("Broker {0}: the observer refused a snapshot to {1}: {2}", _settings.BrokerId, r.EndOffset, r.Reason));
        Receive<BrokerRegistrationResponse>(r => Step(_lifecycle.OnRegistrationResponse(r, Now)));
        Receive<BrokerHeartbeatResponse>(r => Step(_lifecycle.OnHeartbeatResponse(r, Now)));
        Receive<Tick>(_ => Step(_lifecycle.OnTick(Now)));
        Receive<ProposeIsrChange>(OnProposeIsrChange);
        Receive<AlterPartitionResponse>(r => StepAlter(_alterPartition.OnResponse(r, Now)));
        Receive<AlterTick>(_ =>
        {
            // The timer is spent: whatever the step asks for next is scheduled again, even the same moment.
            _alterWakeAt = null;
            StepAlter(_alterPartition.OnTick(Now));
        });
        Receive<ShutdownBroker>(_ =>
        {
            _shutdownRequesters.Add(Sender);
            Step(_lifecycle.OnShutdownRequested(Now));
        });
        Receive<GetBrokerState>(_ => Sender.Tell(Snapshot()));
        Receive<Replication.ClientMetadataRequest>(r => Sender.Tell(Replication.ClientMetadataAnswer.FromImage(r, _loader.Image)));
        Receive<Terminated>(t => t.ActorRef.Equals(_observer), _ =>
        {
            // Without its observer the broker learns nothing more of the log: it cannot serve, so it goes.
            _log.Error("Broker {0}: its Raft observer {1} stopped; stopping", _settings.BrokerId, _observer.Path);
            StopNow(new BrokerStopped(_settings.BrokerId, "its Raft observer stopped, so it could no longer follow the metadata log"));
        });
    }

    private void OnLoadSnapshot(LoadSnapshot load)
    {
        // The log replayed to an offset and a snapshot up to it are the same image: one the image
        // already covers (a repeated subscription) would only move the replicas back in time.
        if (load.Snapshot.Id.Offset - 1 <= _loader.Image.Offset) return;
        if (_loader.LoadSnapshot(load.Snapshot.Data) is { } error)
        {
            _log.Error("Broker {0}: metadata snapshot {1} could not be read ({2}); the image stays at offset {3}", _settings.BrokerId,
                load.Snapshot.Id, error, _loader.Image.Offset);
            return;
        }
        Publish(_replicas.OnSnapshot(_loader.Image));
        Step(_lifecycle.OnMetadataApplied(_loader.Image.Offset, Now));
        StepAlter(_alterPartition.OnMetadataApplied(Now));
    }

    private void OnCommittedBatch(CommittedBatch batch)
    {
        var before = _loader.Image;
        var loaded = _loader.ApplyBatch(batch.Offset, batch.Epoch, batch.Type == EntryType.LeaderChange, batch.Records);
        foreach (var problem in loaded.Problems) _log.Warning("Broker {0}: metadata record skipped: {1}", _settings.BrokerId, problem);
        Publish(_replicas.OnBatch(before, _loader.Image, loaded.Records));
        Step(_lifecycle.OnMetadataApplied(_loader.Image.Offset, Now));
        // After the replicas' events: a success is answered once its PartitionStateChanged is out.
        StepAlter(_alterPartition.OnMetadataApplied(Now));
    }

    /// <summary>
    /// A leader's ISR proposal: refused here when this broker's replica, as the log has it, is not
    /// the leader of that leader epoch or the ISR is not one it may propose (the same rules as zk
    /// mode); else sent to the active controller as AlterPartition, which fences the partition epoch.
    /// </summary>
    private void OnProposeIsrChange(ProposeIsrChange proposal)
    {
        if (!_replicas.Replicas.TryGetValue(proposal.Partition, out var replica))
        {
            Sender.Tell(new IsrChangeResult(proposal.Partition, ControlError.NotLeaderOrFollower, -1, [], -1));
            return;
        }
        if (replica.RefuseIsrChange(proposal) is { } refused)
        {
            Sender.Tell(BrokerControlState.Known(replica, refused));
            return;
        }
        StepAlter(_alterPartition.Submit(proposal, Sender, Now));
    }

    private void StepAlter(AlterPartitionStep<IActorRef> step)
    {
        foreach (var warning in step.Warnings) _log.Warning("Broker {0}: {1}", _settings.BrokerId, warning);
        Publish(step.Events);
        if (step.Send is { } send) ControllerOf(send.ControllerId).Tell(send.Request, Self);
        foreach (var (replyTo, result) in step.Answers)
        {
            if (result.Error == ControlError.None)
                _log.Info("Broker {0}: the controller changed the ISR of {1} to [{2}] at partition epoch {3}", _settings.BrokerId, result.Partition,
                    string.Join(",", result.Isr), result.PartitionEpoch);
            else _log.Warning("Broker {0}: ISR change of {1} refused: {2}", _settings.BrokerId, result.Partition, result.Error);
            replyTo.Tell(result);
        }
        if (step.WakeAt == _alterWakeAt) return;
        _alterWakeAt = step.WakeAt;
        if (step.WakeAt is { } at) Timers.StartSingleTimer(AlterTimer, AlterTick.Instance, TimeSpan.FromMilliseconds(Math.Max(0, at - Now)));
        else Timers.Cancel(AlterTimer);
    }

    /// <summary>The observer's log is compacted with the broker's image, as Kafka's brokers write their own snapshots.</summary>
    private void OnSnapshotDue()
    {
        var image = _loader.Image;
        if (image.IsEmpty) return;
        _observer.Tell(new TakeSnapshot(image.Offset + 1, ImageSnapshot.Write(image)));
    }

    private void Step(LifecycleStep step)
    {
        foreach (var warning in step.Warnings) _log.Warning("Broker {0}: {1}", _settings.BrokerId, warning);
        if (step.Stopped is { } stopped)
        {
            Publish(step.Events.Where(e => e != stopped).ToList());
            StopNow(stopped);
            return;
        }
        Publish(step.Events);
        if (step.Send is { } send) ControllerOf(send.ControllerId).Tell(send.Request, Self);
        if (step.WakeAt == _wakeAt) return;
        _wakeAt = step.WakeAt;
        if (step.WakeAt is { } at) Timers.StartSingleTimer(TickTimer, Tick.Instance, TimeSpan.FromMilliseconds(Math.Max(0, at - Now)));
        else Timers.Cancel(TickTimer);
    }

    private void StopNow(BrokerStopped stopped)
    {
        _log.Info("Broker {0} stopped: {1}", _settings.BrokerId, stopped.Reason);
        Context.System.EventStream.Publish(stopped);
        foreach (var requester in _shutdownRequesters) requester.Tell(stopped);
        foreach (var (replyTo, result) in _alterPartition.Abandon(ControlError.BrokerNotAvailable)) replyTo.Tell(result);
        _observer.Tell(new UnsubscribeCommitted(Self));
        Context.Stop(Self);
    }

    private void Publish(IReadOnlyList<BrokerEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case StaleEpochRejected stale:
                    _log.Warning("Broker {0} ignored a {1} answer from stale controller epoch {2} (it has seen {3})", e.BrokerId, stale.Request,
                        stale.StaleEpoch, stale.CurrentEpoch);
                    break;
                case BrokerRegistrationRejected rejected:
                    _log.Error("Broker {0} refuses to start: {1}", e.BrokerId, rejected.Error);
                    break;
                case BrokerRegistered registered:
                    _log.Info("Broker {0} registered with broker epoch {1}", e.BrokerId, registered.BrokerEpoch);
                    break;
                case MetadataCaughtUp or BrokerUnfenced or BrokerFenced:
                    _log.Info("Broker {0}: {1}", e.BrokerId, e);
                    break;
            }
            Context.System.EventStream.Publish(e);
        }
    }

    private ICanTell ControllerOf(int id)
    {
        if (_controllers.TryGetValue(id, out var controller)) return controller;
        if (_controllerOverride is not null) controller = _controllerOverride(id);
        else
        {
            var voter = _settings.Controllers.First(v => v.Id == id);
            controller = Context.ActorSelection(ActorNames.QuorumControllerPath(voter.Address));
        }
        _controllers[id] = controller;
        return controller;
    }

    private BrokerStateSnapshot Snapshot()
    {
        var image = _loader.Image;
        var epoch = _lifecycle.RaftEpoch;
        // Every partition's state costs memory and a large message at a million partitions; the
        // broker's own replicas are always listed, the rest only for images up to the configured size.
        var metadata = image.Topics.PartitionCount() <= _settings.StateMetadataMaxPartitions
            ? image.PartitionStates(epoch).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToArray()
            : [];
        return new BrokerStateSnapshot(_settings.BrokerId, _lifecycle.BrokerEpoch, _lifecycle.Registered, _lifecycle.RaftLeaderId ?? -1, epoch,
            _replicas.Replicas.Values.OrderBy(r => r.Partition.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition.Partition).ToArray(),
            metadata, image.Cluster.UnfencedBrokerIds().Order().ToArray());
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class AlterTick
    {
        public static readonly AlterTick Instance = new();
    }

    /// <summary>Builds the actor through its private constructor, so the test seam stays internal.</summary>
    private sealed class Producer(KraftBrokerSettings settings, IActorRef observer, Func<int, ICanTell>? controllerOf) : IIndirectActorProducer
    {
        public Type ActorType => typeof(KraftBroker);

        public ActorBase Produce() => new KraftBroker(settings, observer, controllerOf);

        public void Release(ActorBase actor)
        {
        }
    }
}
