using System.Diagnostics;
using Akka.Actor;
using ActorKafka.Coordination;

namespace ActorKafka.Benchmarks;

/// <summary>
/// Closed-loop load: keeps <c>inFlight</c> requests outstanding against a client actor until
/// <c>total</c> are answered, timing each from send to reply. Runs inside the client's ActorSystem.
/// </summary>
public sealed class LoadDriver : ReceiveActor
{
    public sealed record Result(double Seconds, double[] LatenciesMs, int Errors);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Queue<long> _sentAt = new();
    private readonly List<double> _latencies;
    private int _sent, _errors;
    private long _started;
    private IActorRef _replyTo = ActorRefs.Nobody;

    public LoadDriver(IActorRef client, Func<int, ZkRequest> request, int total, int inFlight)
    {
        _latencies = new List<double>(total);
        Receive<Start>(_ =>
        {
            _replyTo = Sender;
            _started = _clock.ElapsedTicks;
            for (var i = 0; i < inFlight && _sent < total; i++) Send();
        });
        Receive<ZkResponse>(response =>
        {
            // The client answers in request order, so the oldest send time is this reply's.
            _latencies.Add((_clock.ElapsedTicks - _sentAt.Dequeue()) * 1000.0 / Stopwatch.Frequency);
            if (response is ErrorResponse) _errors++;
            if (_sent < total) Send();
            else if (_latencies.Count == total)
                _replyTo.Tell(new Result((_clock.ElapsedTicks - _started) / (double)Stopwatch.Frequency, _latencies.ToArray(), _errors));
        });

        void Send()
        {
            _sentAt.Enqueue(_clock.ElapsedTicks);
            client.Tell(request(_sent++));
        }
    }

    public sealed record Start
    {
        public static readonly Start Instance = new();
    }
}

public static class Load
{
    public static async Task<LoadDriver.Result> RunAsync(ActorSystem system, IActorRef client, Func<int, ZkRequest> request, int total, int inFlight)
    {
        var driver = system.ActorOf(Props.Create(() => new LoadDriver(client, request, total, inFlight)));
        var result = await driver.Ask<LoadDriver.Result>(LoadDriver.Start.Instance, TimeSpan.FromMinutes(5));
        system.Stop(driver);
        return result;
    }
}
