using System.Diagnostics;
using ActorKafka.Broker.Kraft;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Broker.Migration;

/// <summary>
/// A zk-mode broker's registration with the controller quorum during a migration (KIP-866; Kafka's
/// BrokerLifecycleManager and AlterPartitionManager on a zk broker with
/// zookeeper.metadata.migration.enable): a child of <see cref="KafkaBroker"/>, started once the
/// broker holds its /brokers/ids znode. A thin shell around the same pure cores a KRaft broker uses,
/// <see cref="BrokerLifecycle"/> (registering as a migrating zk broker, heartbeating with metadata
/// offset -1, following NotController to the active controller, registering again when the
/// controller lost the registration, controlled shutdown through heartbeats) and
/// <see cref="AlterPartitionManager{TReply}"/> (ISR changes while the controller is a KRaft
/// controller, under the quorum's broker epoch). It runs apart from the broker so that heartbeats
/// never wait behind the broker's store requests.
/// <para>
/// The quorum's epoch for this broker is not its zk broker epoch: registering with the quorum is
/// published as <see cref="BrokerRegisteredWithQuorum"/>, never as <see cref="BrokerRegistered"/>,
/// and the parent is told every change as <see cref="QuorumRegistrationChanged"/>. AlterPartition
/// answers go to the parent as <see cref="AlterIsrAnswered"/>; a zk broker follows no metadata log,
/// so, as in Kafka, the answer itself is the committed state and nothing waits for a log.
/// A <see cref="ShutdownBroker"/> is answered with <see cref="BrokerStopped"/> once the controller
/// says ShouldShutDown (or the lifecycle gave up), and this actor stops.
/// </para>
/// </summary>
public sealed class MigratingBrokerLifecycle : ReceiveActor, IWithTimers
{
    private const string TickTimer = "lifecycle";
    private const string AlterTimer = "alter-partition";

    private readonly int _brokerId;
    private readonly ZkMigrationSettings _settings;
    private readonly Func<int, ICanTell>? _controllerOverride;
    private readonly Dictionary<int, ICanTell> _controllers = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly BrokerLifecycle _lifecycle;
    private readonly AlterPartitionManager<AlterIsrThroughQuorum> _alterPartition;
    private readonly List<IActorRef> _shutdownRequesters = new();
    private QuorumRegistrationChanged? _told;
    private long? _wakeAt;
    private long? _alterWakeAt;

    private MigratingBrokerLifecycle(int brokerId, string? rack, ZkMigrationSettings settings, Guid incarnationId, Func<int, ICanTell>? controllerOf)
    {
        _brokerId = brokerId;
        _settings = settings;
        _controllerOverride = controllerOf;
        var address = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        _lifecycle = new BrokerLifecycle(settings.LifecycleConfig(brokerId, rack, incarnationId, address));
        // Nothing held for a log: a zk broker's replicas change when the parent applies the answer.
        _alterPartition = new AlterPartitionManager<AlterIsrThroughQuorum>(brokerId, settings.Controllers.Select(c => c.Id).ToArray(),
            (long)settings.RequestTimeout.TotalMilliseconds, (long)settings.RetryBackoff.TotalMilliseconds,
            () => _lifecycle.Registered ? _lifecycle.BrokerEpoch : -1, _ => null);

        Receive<BrokerRegistrationResponse>(r => Step(_lifecycle.OnRegistrationResponse(r, Now)));
        Receive<BrokerHeartbeatResponse>(r => Step(_lifecycle.OnHeartbeatResponse(r, Now)));
        Receive<Tick>(_ => Step(_lifecycle.OnTick(Now)));
        Receive<AlterIsrThroughQuorum>(a => StepAlter(_alterPartition.Submit(a.Proposal, a, Now)));
        Receive<AlterPartitionResponse>(r => StepAlter(_alterPartition.OnResponse(r, Now)));
        Receive<AlterTick>(_ =>
        {
            // The timer is spent: whatever the step asks for next is scheduled again, even the same moment.
            _alterWakeAt = null;
            StepAlter(_alterPartition.OnTick(Now));
        });
        Receive<AbandonAlterIsr>(_ => Answer(_alterPartition.Abandon(ControlError.NotController)));
        Receive<ShutdownBroker>(_ =>
        {
            _shutdownRequesters.Add(Sender);
            Step(_lifecycle.OnShutdownRequested(Now));
        });
    }

    /// <param name="incarnationId">Fresh per start of the broker: the controller tells a restart from a second broker with its id.</param>
    public static Props Props(int brokerId, string? rack, ZkMigrationSettings settings, Guid incarnationId) =>
        Akka.Actor.Props.CreateBy(new Producer(brokerId, rack, settings, incarnationId, null));

    /// <summary>For tests: the controllers are <paramref name="controllerOf"/>(voter id) instead of the actors at the voters' addresses.</summary>
    internal static Props Props(int brokerId, string? rack, ZkMigrationSettings settings, Guid incarnationId, Func<int, ICanTell> controllerOf) =>
        Akka.Actor.Props.CreateBy(new Producer(brokerId, rack, settings, incarnationId, controllerOf));

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        _log.Info("Broker {0} (zk mode, migrating) registering with the controller quorum [{1}]", _brokerId,
            string.Join(", ", _settings.Controllers.Select(c => $"{c.Id}@{c.Address}")));
        Step(_lifecycle.Start(Now));
    }

    private void Step(LifecycleStep step)
    {
        foreach (var warning in step.Warnings) _log.Warning("Broker {0} (quorum registration): {1}", _brokerId, warning);
        // The parent first: whoever follows the events and then asks the broker sees the registration they announce.
        if (step.Stopped is null) TellRegistration();
        foreach (var e in step.Events)
        {
            switch (e)
            {
                case BrokerRegistered registered:
                    var controller = _lifecycle.ActiveControllerId ?? -1;
                    _log.Info("Broker {0} registered with the controller quorum: broker epoch {1} from controller {2}", _brokerId,
                        registered.BrokerEpoch, controller);
                    Context.System.EventStream.Publish(new BrokerRegisteredWithQuorum(_brokerId, registered.BrokerEpoch, controller));
                    break;
                case MetadataCaughtUp or BrokerStopped:
                    // A zk broker replays no log; its stop is the parent's to publish.
                    break;
                case StaleEpochRejected stale:
                    _log.Warning("Broker {0} ignored a {1} answer from stale controller epoch {2} (it has seen {3})", _brokerId, stale.Request,
                        stale.StaleEpoch, stale.CurrentEpoch);
                    Context.System.EventStream.Publish(e);
                    break;
                default:
                    _log.Info("Broker {0} (quorum registration): {1}", _brokerId, e);
                    Context.System.EventStream.Publish(e);
                    break;
            }
        }
        if (step.Stopped is { } stopped)
        {
            _log.Info("Broker {0}: quorum registration ended: {1}", _brokerId, stopped.Reason);
            foreach (var requester in _shutdownRequesters) requester.Tell(stopped);
            Answer(_alterPartition.Abandon(ControlError.BrokerNotAvailable));
            Context.Stop(Self);
            return;
        }
        if (step.Send is { } send) ControllerOf(send.ControllerId).Tell(send.Request, Self);
        if (step.WakeAt == _wakeAt) return;
        _wakeAt = step.WakeAt;
        if (step.WakeAt is { } at) Timers.StartSingleTimer(TickTimer, Tick.Instance, TimeSpan.FromMilliseconds(Math.Max(0, at - Now)));
        else Timers.Cancel(TickTimer);
    }

    /// <summary>The parent keeps the registration for GetBrokerState: told on every change only.</summary>
    private void TellRegistration()
    {
        var now = new QuorumRegistrationChanged(_brokerId, _lifecycle.Registered ? _lifecycle.BrokerEpoch : -1, _lifecycle.ActiveControllerId ?? -1,
            _lifecycle.Fenced);
        if (now == _told) return;
        _told = now;
        Context.Parent.Tell(now);
    }

    private void StepAlter(AlterPartitionStep<AlterIsrThroughQuorum> step)
    {
        foreach (var warning in step.Warnings) _log.Warning("Broker {0}: {1}", _brokerId, warning);
        foreach (var e in step.Events) Context.System.EventStream.Publish(e);
        if (step.Send is { } send) ControllerOf(send.ControllerId).Tell(send.Request, Self);
        Answer(step.Answers);
        if (step.WakeAt == _alterWakeAt) return;
        _alterWakeAt = step.WakeAt;
        if (step.WakeAt is { } at) Timers.StartSingleTimer(AlterTimer, AlterTick.Instance, TimeSpan.FromMilliseconds(Math.Max(0, at - Now)));
        else Timers.Cancel(AlterTimer);
    }

    private void Answer(IReadOnlyList<(AlterIsrThroughQuorum ReplyTo, IsrChangeResult Result)> answers)
    {
        foreach (var (asked, result) in answers) Context.Parent.Tell(new AlterIsrAnswered(asked.Proposal, asked.ReplyTo, result));
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

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class AlterTick
    {
        public static readonly AlterTick Instance = new();
    }

    /// <summary>Builds the actor through its private constructor, so the test seam stays internal.</summary>
    private sealed class Producer(int brokerId, string? rack, ZkMigrationSettings settings, Guid incarnationId, Func<int, ICanTell>? controllerOf)
        : IIndirectActorProducer
    {
        public Type ActorType => typeof(MigratingBrokerLifecycle);

        public ActorBase Produce() => new MigratingBrokerLifecycle(brokerId, rack, settings, incarnationId, controllerOf);

        public void Release(ActorBase actor)
        {
        }
    }
}
