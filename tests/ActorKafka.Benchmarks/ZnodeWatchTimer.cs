using System.Collections.Concurrent;
using ActorKafka.Coordination;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>
/// Exists watches on many znodes from one store session, and when each first fired. A watch
/// fires the moment the store applies the write, so it times the write itself and not a polling
/// interval; the session lives in the store's own ActorSystem to add no remoting hop.
/// </summary>
public sealed class ZnodeWatchTimer
{
    private const int InFlight = 500;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, long> _fired = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IActorRef _client;
    private int _remaining;

    private ZnodeWatchTimer(ActorSystem system, ClientSettings settings, int count)
    {
        _remaining = count;
        var recorder = system.ActorOf(Props.Create(() => new TimedEventRecorder(Fired)));
        _client = system.ActorOf(CoordinationClient.Props(settings, watcher: recorder));
    }

    /// <summary>Arrival time (Stopwatch timestamp) of each path's first watch event.</summary>
    public IReadOnlyDictionary<string, long> FiredAt => _fired;

    /// <summary>Sets a data watch on every path (they must exist) and returns once every watch is in place.</summary>
    public static async Task<ZnodeWatchTimer> WatchAsync(ActorSystem system, ClientSettings settings, IReadOnlyList<string> paths)
    {
        var timer = new ZnodeWatchTimer(system, settings, paths.Count);
        foreach (var chunk in paths.Chunk(InFlight))
        {
            var replies = await Task.WhenAll(chunk.Select(p => timer._client.RequestAsync(new ExistsRequest(p, Watch: true), RequestTimeout)));
            if (replies.FirstOrDefault(r => r is not ExistsResponse { Stat: not null }) is { } bad)
                throw new InvalidOperationException($"setting a watch: {bad}");
        }
        if (paths.Count == 0) timer._all.TrySetResult();
        return timer;
    }

    /// <summary>Waits until every watch fired, or the bound passed; returns whether all did.</summary>
    public async Task<bool> AllFiredAsync(TimeSpan bound)
    {
        try
        {
            await _all.Task.WaitAsync(bound);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Stop(ActorSystem system) => system.Stop(_client);

    private void Fired(long at, object message)
    {
        if (message is not WatchedEvent e || !_fired.TryAdd(e.Path, at)) return;
        if (Interlocked.Decrement(ref _remaining) == 0) _all.TrySetResult();
    }
}
