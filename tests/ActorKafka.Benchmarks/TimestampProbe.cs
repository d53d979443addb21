using System.Diagnostics;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>Records when the first matching message arrives (or, given a ref to watch, when it terminates).</summary>
public sealed class TimestampProbe : ReceiveActor
{
    public TimestampProbe(Func<object, bool> match, TaskCompletionSource<long> arrived, IActorRef? deathWatch)
    {
        if (deathWatch is not null) Context.Watch(deathWatch);
        ReceiveAny(message =>
        {
            if (match(message)) arrived.TrySetResult(Stopwatch.GetTimestamp());
        });
    }

    public static (IActorRef Probe, Task<long> Arrived) Start(IActorRefFactory factory, Func<object, bool> match, IActorRef? deathWatch = null)
    {
        var arrived = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (factory.ActorOf(Props.Create(() => new TimestampProbe(match, arrived, deathWatch))), arrived.Task);
    }

    public static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
