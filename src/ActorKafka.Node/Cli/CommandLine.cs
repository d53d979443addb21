using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>What the command line asked for.</summary>
internal abstract record ParsedCommand;

internal sealed record HelpRequested : ParsedCommand;

internal sealed record DemoOptions(bool Json, string? DataDir) : ParsedCommand;

/// <summary>Exactly one of DataDir (embedded store) and Store (a running store node) is set.</summary>
internal sealed record ShellOptions(string? DataDir, Address? Store) : ParsedCommand;

internal sealed record CommandLineError(string Message) : ParsedCommand;

/// <summary>Parses the executable's arguments; hand-written because there are only a few commands.</summary>
internal static class CommandLine
{
    public const string StoreProtocol = "akka.tcp";

    public static readonly string Usage = $"""
        usage:
          actorkafka demo [--json] [--data-dir DIR]
              Start an embedded store and three broker members, register /brokers/ids/N, refuse a
              duplicate broker id, stop one member and show the watch that reports it.
              --json          one JSON object per line instead of the readable timeline
              --data-dir DIR  keep the store's data in DIR (default: a temporary dir, deleted)
          actorkafka store shell (--data-dir DIR | --store ADDRESS)
              Read zkCli-style commands from stdin, one per line, print one answer per command.
              --data-dir DIR   run an embedded store on DIR (created if missing)
              --store ADDRESS  use a running store node, e.g. {StoreProtocol}://actorkafka@127.0.0.1:2552
              commands: {ShellParser.AllUsage}
          actorkafka help
        """ + Environment.NewLine;

    public static ParsedCommand Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return new CommandLineError("no command given; choose one of the commands below");
        if (args[0] is "help" or "--help" or "-h" || args.Any(a => a is "--help" or "-h")) return new HelpRequested();
        return args[0] switch
        {
            "demo" => ParseDemo(args.Skip(1).ToArray()),
            "store" when args.Count == 1 => new CommandLineError("'store' needs a subcommand: use 'actorkafka store shell'"),
            "store" when args[1] == "shell" => ParseShell(args.Skip(2).ToArray()),
            "store" => new CommandLineError($"unknown store subcommand '{args[1]}': use 'actorkafka store shell'"),
            _ => new CommandLineError($"unknown command '{args[0]}': use one of the commands below"),
        };
    }

    private static ParsedCommand ParseDemo(IReadOnlyList<string> args)
    {
        var (options, error) = ReadOptions("demo", args, switches: ["--json"], valued: ["--data-dir"]);
        if (error is not null) return new CommandLineError(error);
        return new DemoOptions(options.ContainsKey("--json"), options.GetValueOrDefault("--data-dir"));
    }

    private static ParsedCommand ParseShell(IReadOnlyList<string> args)
    {
        var (options, error) = ReadOptions("store shell", args, switches: [], valued: ["--data-dir", "--store"]);
        if (error is not null) return new CommandLineError(error);
        var dataDir = options.GetValueOrDefault("--data-dir");
        var store = options.GetValueOrDefault("--store");
        if ((dataDir is null) == (store is null))
            return new CommandLineError(dataDir is null
                ? "'store shell' needs --data-dir DIR (run an embedded store) or --store ADDRESS (use a running one)"
                : "give either --data-dir or --store to 'store shell', not both");
        if (store is null) return new ShellOptions(dataDir, null);
        return ParseStoreAddress(store) is { } address
            ? new ShellOptions(null, address)
            : new CommandLineError($"--store expects a store node's address like {StoreProtocol}://actorkafka@127.0.0.1:2552, not '{store}'");
    }

    private static Address? ParseStoreAddress(string value)
    {
        try
        {
            var address = Address.Parse(value);
            return address.Protocol == StoreProtocol && !string.IsNullOrEmpty(address.Host) && address.Port > 0 ? address : null;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    /// <summary>Reads "--name", "--name VALUE" and "--name=VALUE"; anything else is an error naming the command.</summary>
    private static (Dictionary<string, string?> Options, string? Error) ReadOptions(string command, IReadOnlyList<string> args,
        string[] switches, string[] valued)
    {
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] && n.StartsWith("--", StringComparison.Ordinal) ? (n, v) : (args[i], null);
            string? value = null;
            if (switches.Contains(name))
            {
                if (inline is not null) return (options, $"{name} takes no value");
            }
            else if (valued.Contains(name))
            {
                // "--data-dir --json" is a forgotten value, not a directory named "--json".
                value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                if (string.IsNullOrEmpty(value)) return (options, $"{name} needs a value");
            }
            else
            {
                var known = string.Join(", ", switches.Concat(valued));
                return (options, name.StartsWith('-')
                    ? $"unknown option '{name}' for '{command}' (it takes {known})"
                    : $"unexpected argument '{name}' for '{command}' (it takes {known})");
            }
            if (!options.TryAdd(name, value)) return (options, $"{name} given twice");
        }
        return (options, null);
    }
}
