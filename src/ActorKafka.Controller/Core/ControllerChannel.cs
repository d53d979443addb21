using System.Diagnostics;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller;

/// <summary>
/// The actor side of a <see cref="ControllerChannelManager{TTarget}"/>, shared by the zk controller
/// and the migration driver (both send the zk-mode control requests): stamps each request with a
/// correlation id, sends it, runs the owner's retry timer while anything is pending, and re-sends
/// what is due. The owner passes broker answers to <see cref="Answered"/> and the timer's ticks to
/// <see cref="ResendDue"/>, and drops brokers and the whole channel as it learns of deaths and resigns.
/// </summary>
public sealed class ControllerChannel(
    int controllerId, TimeSpan retryAfter, ITimerScheduler timers, object retryTick, ILoggingAdapter log, EventStream events, string owner)
{
    private const string TimerKey = "controller-channel-retry";

    private readonly ControllerChannelManager<ActorSelection> _manager = new(retryAfter);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public int Pending => _manager.Pending;

    public void Send(int brokerId, ActorSelection to, IBrokerControlRequest request, IActorRef sender)
    {
        var correlationId = _manager.NextCorrelationId();
        var stamped = Stamp(request, correlationId);
        _manager.Sent(brokerId, to, correlationId, stamped, _clock.Elapsed);
        to.Tell(stamped, sender);
        // Checked a few times per retry period, so a silent broker hears again within about 1.25 of it.
        if (!timers.IsTimerActive(TimerKey)) timers.StartPeriodicTimer(TimerKey, retryTick, retryAfter / 4);
    }

    /// <summary>False for an answer that is no news: a re-sent request answered twice, or one for a dropped broker.</summary>
    public bool Answered(IBrokerControlResponse response) => _manager.Answered(response.BrokerId, response.CorrelationId);

    public void ResendDue(IActorRef sender)
    {
        foreach (var broker in _manager.Due(_clock.Elapsed).GroupBy(r => r.BrokerId))
        {
            var (count, attempt) = (broker.Count(), broker.First().Attempt);
            log.Warning("{0}: broker {1} has not answered for {2}; sending its {3} pending request(s) again (attempt {4})",
                owner, broker.Key, retryAfter, count, attempt);
            foreach (var resend in broker) resend.Target.Tell(resend.Request, sender);
            events.Publish(new ControlRequestsResent(controllerId, broker.Key, count, attempt));
        }
        if (_manager.Pending == 0) timers.Cancel(TimerKey);
    }

    /// <summary>The broker died or registered again (a new broker epoch).</summary>
    public void RemoveBroker(int brokerId) => _manager.RemoveBroker(brokerId);

    /// <summary>The owner stopped being the brokers' controller.</summary>
    public void Clear()
    {
        _manager.Clear();
        timers.Cancel(TimerKey);
    }

    /// <summary>The request an answer is for, as Kafka names it in logs (LeaderAndIsr, UpdateMetadata, StopReplica).</summary>
    public static string RequestName(IBrokerControlResponse response) => response.GetType().Name.Replace("Response", "", StringComparison.Ordinal);

    private static IBrokerControlRequest Stamp(IBrokerControlRequest request, long correlationId) => request switch
    {
        LeaderAndIsrRequest r => r with { CorrelationId = correlationId },
        UpdateMetadataRequest r => r with { CorrelationId = correlationId },
        StopReplicaRequest r => r with { CorrelationId = correlationId },
        _ => throw new ArgumentException($"{request.GetType().Name} is not a controller-to-broker request", nameof(request)),
    };
}
