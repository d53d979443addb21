using System.Globalization;
using System.Text;
using ActorKafka.Coordination;

namespace ActorKafka.Node.Cli;

/// <summary>One line of shell input, parsed.</summary>
internal abstract record ShellLine;

/// <summary>A blank line or a comment.</summary>
internal sealed record ShellNothing : ShellLine;

/// <summary>A request for the store; ShowStat adds the node's Stat after the answer (get -s, ls -s).</summary>
internal sealed record ShellRequest(ZkRequest Request, bool ShowStat = false) : ShellLine;

internal sealed record ShellClose : ShellLine;

/// <summary>The line was not a valid command; Message says what was wrong and how to write it.</summary>
internal sealed record ShellUsageError(string Message) : ShellLine;

/// <summary>Parses zkCli-style lines: options before the path, then positional arguments; quotes group words.</summary>
internal static class ShellParser
{
    private sealed record Arguments(IReadOnlySet<char> Flags, int Version, IReadOnlyList<string> Positional)
    {
        public bool Has(char flag) => Flags.Contains(flag);
        public string? At(int index) => index < Positional.Count ? Positional[index] : null;
    }

    /// <summary>A command's grammar: its one-letter flags, whether it takes -v VERSION, and its positional names.</summary>
    private sealed record Grammar(string Verb, string Flags, bool Versioned, string[] Names, int Required, Func<Arguments, ShellLine> Build)
    {
        public string Usage => string.Join(" ", new[] { Verb }
            .Concat(Flags.Select(f => $"[-{f}]"))
            .Concat(Versioned ? ["[-v VERSION]"] : [])
            .Concat(Names.Select((n, i) => i < Required ? n : $"[{n}]")));
    }

    private static readonly Grammar[] Grammars =
    [
        new("create", "es", false, ["PATH", "DATA"], 1,
            a => new ShellRequest(new CreateRequest(a.At(0)!, Encoding.UTF8.GetBytes(a.At(1) ?? ""), ModeOf(a.Has('e'), a.Has('s'))))),
        new("get", "sw", false, ["PATH"], 1, a => new ShellRequest(new GetDataRequest(a.At(0)!, a.Has('w')), a.Has('s'))),
        new("set", "", true, ["PATH", "DATA"], 2,
            a => new ShellRequest(new SetDataRequest(a.At(0)!, Encoding.UTF8.GetBytes(a.At(1)!), a.Version))),
        new("delete", "", true, ["PATH"], 1, a => new ShellRequest(new DeleteRequest(a.At(0)!, a.Version))),
        new("ls", "sw", false, ["PATH"], 1,
            a => new ShellRequest(new GetChildrenRequest(a.At(0)!, a.Has('w'), IncludeStat: a.Has('s')), a.Has('s'))),
        new("stat", "w", false, ["PATH"], 1, a => new ShellRequest(new ExistsRequest(a.At(0)!, a.Has('w')))),
        new("sync", "", false, ["PATH"], 0, a => new ShellRequest(new SyncRequest(a.At(0) ?? ZnodePath.Root))),
        new("close", "", false, [], 0, _ => new ShellClose()),
    ];

    public static string AllUsage { get; } = string.Join(" | ", Grammars.Select(g => g.Usage));

    public static ShellLine Parse(string line)
    {
        var text = line.Trim();
        if (text.Length == 0 || text[0] == '#') return new ShellNothing();
        var tokens = Tokenize(text, out var tokenError);
        if (tokenError is not null) return new ShellUsageError($"{tokenError}; commands: {AllUsage}");
        var grammar = Grammars.FirstOrDefault(g => g.Verb == tokens[0]);
        return grammar is null
            ? new ShellUsageError($"unknown command '{tokens[0]}'; commands: {AllUsage}")
            : Read(grammar, tokens.Skip(1).ToArray());
    }

    private static CreateMode ModeOf(bool ephemeral, bool sequential) => (ephemeral, sequential) switch
    {
        (true, true) => CreateMode.EphemeralSequential,
        (true, false) => CreateMode.Ephemeral,
        (false, true) => CreateMode.PersistentSequential,
        _ => CreateMode.Persistent,
    };

    /// <summary>Options come first (as in zkCli), so data that starts with '-' after the path is just data.</summary>
    private static ShellLine Read(Grammar grammar, string[] args)
    {
        var flags = new HashSet<char>();
        var version = -1;
        var i = 0;
        for (; i < args.Length && args[i].Length > 1 && args[i][0] == '-'; i++)
        {
            var option = args[i];
            if (grammar.Versioned && option == "-v")
            {
                if (++i == args.Length) return Usage("-v needs a VERSION", grammar);
                if (!int.TryParse(args[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out version))
                    return Usage($"VERSION must be an integer, not '{args[i]}'", grammar);
            }
            else if (option.Length == 2 && grammar.Flags.Contains(option[1]))
            {
                flags.Add(option[1]);
            }
            else
            {
                return Usage($"unknown option '{option}'", grammar);
            }
        }
        var positional = args[i..];
        if (positional.Length < grammar.Required)
            return Usage("missing " + string.Join(" and ", grammar.Names[positional.Length..grammar.Required]), grammar);
        if (positional.Length > grammar.Names.Length)
            return Usage($"unexpected argument '{positional[grammar.Names.Length]}' (quote DATA that contains spaces)", grammar);
        return grammar.Build(new Arguments(flags, version, positional));
    }

    private static ShellUsageError Usage(string problem, Grammar grammar) => new($"{problem}; usage: {grammar.Usage}");

    /// <summary>Splits on whitespace; '...' or "..." make one token (so DATA may hold spaces).</summary>
    private static List<string> Tokenize(string text, out string? error)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inToken = false;
        char? quote = null;
        foreach (var c in text)
        {
            if (quote is not null)
            {
                if (c == quote) quote = null;
                else current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken) tokens.Add(current.ToString());
                current.Clear();
                inToken = false;
            }
            else
            {
                current.Append(c);
                inToken = true;
            }
        }
        if (inToken) tokens.Add(current.ToString());
        error = quote is null ? null : $"unterminated {quote} quote";
        return tokens;
    }
}
