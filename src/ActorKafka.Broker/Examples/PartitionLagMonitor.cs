using System.Diagnostics;
using ActorKafka.Broker.Replication;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Broker.Examples;

/// <summary>
/// An example behaviour (docs/EXTENDING.md): watches one broker's replica manager and publishes
/// <see cref="ReplicaHealthChanged"/> on the event stream when a replica it hosts falls out of the
/// ISR, leads too small an ISR or loses its leader, and when it recovers. A thin shell over
/// <see cref="LagMonitorCore"/>, which decides; this actor only asks every poll-interval, gives up on
/// a poll after poll-timeout, publishes, and answers <see cref="GetLagReport"/>.
/// States: Idle -> Polling (one GetReplicaStates out) -> Idle. Stops when the replica manager does.
/// </summary>
public sealed class PartitionLagMonitor : UntypedActor, IWithTimers
{
    private const string PollTimer = "poll";
    private const string TimeoutTimer = "poll-timeout";

    private readonly LagMonitorSettings _settings;
    private readonly IActorRef _replicaManager;
    private readonly LagMonitorCore _core;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _unansweredPolls;

    public PartitionLagMonitor(LagMonitorSettings settings, IActorRef replicaManager)
    {
        _settings = settings;
        _replicaManager = replicaManager;
        _core = new LagMonitorCore(settings.MinInsyncReplicas, (long)settings.ReportAfter.TotalMilliseconds);
    }

    public static Props Props(LagMonitorSettings settings, IActorRef replicaManager) =>
        Akka.Actor.Props.Create(() => new PartitionLagMonitor(settings, replicaManager));

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        Context.Watch(_replicaManager);
        Timers.StartPeriodicTimer(PollTimer, Poll.Instance, TimeSpan.Zero, _settings.PollInterval);
    }

    protected override void OnReceive(object message) => Idle(message);

    /// <summary>Between polls.</summary>
    private void Idle(object message)
    {
        switch (message)
        {
            case Poll:
                _replicaManager.Tell(GetReplicaStates.Instance);
                Timers.StartSingleTimer(TimeoutTimer, PollTimedOut.Instance, _settings.PollTimeout);
                Become(Polling);
                break;
            case ReplicaStates:
                // The answer to a poll that already timed out: the next poll brings fresher states.
                break;
            default:
                Always(message);
                break;
        }
    }

    /// <summary>One GetReplicaStates out, answered or given up within poll-timeout.</summary>
    private void Polling(object message)
    {
        switch (message)
        {
            case ReplicaStates states when Sender.Equals(_replicaManager):
                // After a timeout this may be the previous poll's late answer (one sender's answers
                // arrive in order): still a state the replica manager had, and the next poll follows.
                Timers.Cancel(TimeoutTimer);
                _unansweredPolls = 0;
                foreach (var change in _core.Observe(states, Now)) Context.System.EventStream.Publish(change);
                Become(Idle);
                break;
            case PollTimedOut:
                _unansweredPolls++;
                _log.Warning("Lag monitor: the replica manager did not answer within {0} ({1} poll(s) in a row)", _settings.PollTimeout, _unansweredPolls);
                Become(Idle);
                break;
            case Poll:
                // A slow replica manager gets one question at a time.
                break;
            default:
                Always(message);
                break;
        }
    }

    /// <summary>What every state answers the same way.</summary>
    private void Always(object message)
    {
        switch (message)
        {
            case GetLagReport:
                Sender.Tell(new LagReport(_core.BrokerId, _unansweredPolls, _core.Reported));
                break;
            case Terminated t when t.ActorRef.Equals(_replicaManager):
                _log.Warning("Lag monitor: the replica manager stopped; stopping");
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record PollTimedOut
    {
        public static readonly PollTimedOut Instance = new();
    }
}
