using System.Globalization;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `actorkafka watch`: exactly one of Store (a zk-mode cluster's store node) and Controllers (a
/// KRaft cluster's controller nodes); Iterations null means until Ctrl-C.
/// </summary>
internal sealed record WatchOptions(Address? Store, IReadOnlyList<Address>? Controllers, TimeSpan Interval, int? Iterations, bool Plain)
    : ParsedCommand
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    /// <summary>Below this a frame is mostly the time it takes to fetch it, and a terminal only flickers.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);
}

/// <summary>The live view's usage and options.</summary>
internal static partial class CommandLine
{
    private static string WatchUsage => $"""
          actorkafka watch (--store ADDRESS | --bootstrap-controllers ADDRESS[,ADDRESS...]) [--interval 1s] [--iterations N] [--plain]
              A live view of a running cluster, redrawn every interval (default 1s; ms, s or m, e.g. 500ms)
              until Ctrl-C or N frames: the controller and its epoch; the brokers (epoch, live, or in KRaft
              mode fenced and in controlled shutdown); in KRaft mode the quorum (leader, epoch, high
              watermark, each replica's log end offset and lag); the partitions (leader, ISR, leader epoch,
              partition epoch; offline and under-replicated ones marked and listed first, at most {WatchRender.MaxPartitionRows} rows).
              Each frame's header line has the time and what changed since the frame before, e.g.
              "controller 1 -> 2 (epoch 3)", "broker 2 fenced", "orders-0 leader 1 -> 3". A cluster that does
              not answer is shown as unreachable and asked again at the next frame.
              --store ADDRESS              a zk-mode cluster's store node, e.g. {ExampleStore}
              --bootstrap-controllers ...  a KRaft cluster's controller nodes (list every voter)
              --plain                      print frames one after another, each under a timestamped header line,
                                           instead of redrawing the screen (the default when stdout is not a terminal)
        """;

    private static ParsedCommand ParseWatch(IReadOnlyList<string> args)
    {
        const string command = "watch";
        var (options, error) = ReadOptions(command, args, switches: ["--plain"], valued: [.. TargetOptions, BootstrapControllers, "--interval", "--iterations"]);
        if (error is not null) return new CommandLineError(error);
        // An embedded store started for the watch would hold no cluster: there would be nothing to see.
        if (options.Has("--data-dir"))
            return new CommandLineError($"'{command}' watches a running cluster: give --store ADDRESS (its store node) or {BootstrapControllers} ADDRESS,... " +
                                        "(its KRaft controllers) instead of --data-dir");
        var store = options.Value("--store");
        var controllers = options.Value(BootstrapControllers);
        if ((store is null) == (controllers is null))
            return new CommandLineError(store is null
                ? $"'{command}' needs --store ADDRESS (a zk-mode cluster's store node) or {BootstrapControllers} ADDRESS,... (a KRaft cluster's controllers)"
                : $"give either --store (a zk-mode cluster) or {BootstrapControllers} (a KRaft cluster) to '{command}', not both");

        if (!TryInterval(options.Value("--interval"), out var interval, out error)
            || !TryInt(options, "--iterations", 0, 1, int.MaxValue, out var iterations, out error))
            return new CommandLineError(error!);
        var watch = new WatchOptions(null, null, interval, options.Has("--iterations") ? iterations : null, options.Has("--plain"));
        if (store is not null)
            return ParseNodeAddress(store) is { } address
                ? watch with { Store = address }
                : new CommandLineError($"--store expects a store node's address like {ExampleStore}, not '{store}'");
        return ParseControllers(controllers!) switch
        {
            (var addresses, null) => watch with { Controllers = addresses },
            (_, var problem) => new CommandLineError(problem),
        };
    }

    /// <summary>"500ms", "2s", "1.5s", "1m"; a bare number is seconds.</summary>
    private static bool TryInterval(string? text, out TimeSpan interval, out string? error)
    {
        interval = WatchOptions.DefaultInterval;
        error = null;
        if (text is null) return true;
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : (text, 1000.0);
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            && TimeSpan.FromMilliseconds(value * unit) is var parsed && parsed >= WatchOptions.MinInterval && parsed <= WatchOptions.MaxInterval)
        {
            interval = parsed;
            return true;
        }
        error = $"--interval needs a duration from {WatchOptions.MinInterval.TotalMilliseconds:0}ms to {WatchOptions.MaxInterval.TotalMinutes:0}m, like 500ms, 2s or 1m, not '{text}'";
        return false;
    }
}
