using System.Diagnostics;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `actorkafka watch`: fetch, diff against the last snapshot, render, show; then wait out the rest
/// of the interval. Runs until Ctrl-C or --iterations frames, and exits 0 either way: an
/// unreachable cluster is something to show, not a failure.
/// </summary>
internal static class WatchCommand
{
    public static async Task<int> RunAsync(WatchOptions options, TextWriter stdout, TextWriter stderr, CancellationToken shutdown)
    {
        // The executable turns Ctrl-C into a graceful stop for the node only; the watch asks for the same.
        using var signals = new ShutdownSignals();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown, signals.Token);

        IWatchSource source;
        try
        {
            source = options.Store is { } store ? WatchStoreSource.Start(store) : WatchKraftSource.Start(options.Controllers!);
        }
        catch (Exception e)
        {
            await stderr.WriteLineAsync($"actorkafka watch: could not start a client to reach the cluster: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await using (source.ConfigureAwait(false))
        {
            var screen = new WatchScreen(stdout, redraw: !options.Plain && !Console.IsOutputRedirected);
            var history = new WatchHistory();
            for (var number = 1; !stop.IsCancellationRequested; number++)
            {
                var started = Stopwatch.GetTimestamp();
                WatchObservation seen;
                try
                {
                    seen = await source.FetchAsync().WaitAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                var changes = history.Next(seen);
                await screen.ShowAsync(WatchRender.Frame(new WatchFrame(number, seen, changes, options.Interval, history.LastReached))).ConfigureAwait(false);
                if (number == options.Iterations) break;
                // The interval runs from one frame's start to the next, so a slow fetch does not stretch it.
                var rest = options.Interval - Stopwatch.GetElapsedTime(started);
                try
                {
                    if (rest > TimeSpan.Zero) await Task.Delay(rest, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        return ExitCodes.Ok;
    }
}
