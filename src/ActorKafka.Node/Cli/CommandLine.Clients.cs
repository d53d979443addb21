using System.Globalization;
using ActorKafka.Broker.Replication;

namespace ActorKafka.Node.Cli;

/// <summary>The data-plane commands, `produce` and `consume`: their usage and their options.</summary>
internal static partial class CommandLine
{
    private const string BootstrapBrokers = "--bootstrap-brokers";

    private static string ClientsUsage => $"""
          actorkafka produce --bootstrap-brokers ADDRESS[,ADDRESS...] --topic T [--partition N] [--acks 0|1|all]
                             [--key-separator SEP]
              Send the lines of stdin to topic T, one record per line: KEY<SEP>VALUE, where SEP is a tab
              unless given (\t also means a tab); a line without SEP is a value without a key. Lines go in
              batches (as many as are waiting, up to {CliDefaults.ProduceBatchMaxLines}) to partition N, else to the partition of the key's
              hash (Kafka's murmur2: a key always lands in the same partition), keyless lines in turn.
              --acks all (default): answered once every in-sync replica holds the batch; 1: once the leader
              does; 0: never answered, so nothing is confirmed. Each batch prints "produced N records to
              T-P at offsets A..B" to stderr, then a summary. A batch that fails (after retries that follow
              leader changes) stops the command with its error and what to do.
              --bootstrap-brokers  broker nodes' ActorSystem addresses, e.g. {ExampleStore};
                                   any live one will do
          actorkafka consume --bootstrap-brokers ADDRESS[,ADDRESS...] --topic T [--partition N|all]
                             [--from-beginning | --offset N] [--max-records N] [--follow] [--format text|json]
              Print topic T's committed records (those below the high watermark) to stdout: KEY<TAB>VALUE
              per line (just VALUE for a record without a key), or with --format json one object per line
              with topic, partition, offset, key and value. Every partition unless --partition N; each from
              its first offset (--from-beginning, the default without --follow) or from --offset N (needs
              --partition N). It stops at the high watermarks it found on starting, or after --max-records
              records. --follow keeps printing new records (starting at the end unless told otherwise)
              until Ctrl-C or --max-records.
        """;

    private static ParsedCommand ParseProduce(IReadOnlyList<string> args)
    {
        const string command = "produce";
        var (options, error) = ReadOptions(command, args, switches: [], valued: [BootstrapBrokers, "--topic", "--partition", "--acks", "--key-separator"]);
        if (error is not null) return new CommandLineError(error);
        var (bootstrap, topic, problem) = ParseClientTarget(command, options);
        if (problem is not null) return new CommandLineError(problem);
        if (!TryPartition(options, allowAll: false, out var partition, out error)) return new CommandLineError(error!);
        Acks? acks = options.Value("--acks") switch
        {
            null or "all" or "-1" => Acks.All,
            "1" => Acks.Leader,
            "0" => Acks.None,
            _ => null,
        };
        if (acks is null) return new CommandLineError($"--acks takes 0, 1 or all, not '{options.Value("--acks")}'");
        var separator = options.Value("--key-separator") ?? ProduceOptions.DefaultKeySeparator;
        return new ProduceOptions(bootstrap!, topic!, partition, acks.Value, separator.Replace("\\t", "\t", StringComparison.Ordinal));
    }

    private static ParsedCommand ParseConsume(IReadOnlyList<string> args)
    {
        const string command = "consume";
        var (options, error) = ReadOptions(command, args, switches: ["--from-beginning", "--follow"],
            valued: [BootstrapBrokers, "--topic", "--partition", "--offset", "--max-records", "--format"]);
        if (error is not null) return new CommandLineError(error);
        var (bootstrap, topic, problem) = ParseClientTarget(command, options);
        if (problem is not null) return new CommandLineError(problem);
        if (!TryPartition(options, allowAll: true, out var partition, out error)) return new CommandLineError(error!);
        if (!TryLong(options, "--max-records", 1, out var maxRecords, out error) || !TryLong(options, "--offset", 0, out var offset, out error))
            return new CommandLineError(error!);
        if (offset is not null && options.Has("--from-beginning")) return new CommandLineError("give either --from-beginning or --offset N to 'consume', not both");
        if (offset is not null && partition is null)
            return new CommandLineError("--offset N needs --partition N: an offset belongs to one partition");
        var follow = options.Has("--follow");
        var start = offset is not null ? ConsumeStart.Offset
            : options.Has("--from-beginning") || !follow ? ConsumeStart.Beginning
            : ConsumeStart.End;
        ConsumeFormat? format = options.Value("--format") switch
        {
            null or "text" => ConsumeFormat.Text,
            "json" => ConsumeFormat.Json,
            _ => null,
        };
        if (format is null) return new CommandLineError($"--format takes 'text' or 'json', not '{options.Value("--format")}'");
        return new ConsumeOptions(bootstrap!, topic!, partition, start, offset, maxRecords, follow, format.Value);
    }

    /// <summary>--bootstrap-brokers (node addresses, duplicates dropped) and --topic, both required.</summary>
    private static (IReadOnlyList<string>? Bootstrap, string? Topic, string? Error) ParseClientTarget(string command, Options options)
    {
        if (options.Value(BootstrapBrokers) is not { } list)
            return (null, null, $"'{command}' needs {BootstrapBrokers} ADDRESS[,ADDRESS...]: broker nodes' addresses, like {ExampleStore}");
        if (options.Value("--topic") is not { } topic) return (null, null, $"'{command}' needs --topic T: the topic to {command} records {(command == "produce" ? "to" : "from")}");
        var addresses = new List<string>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (ParseNodeAddress(part) is not { } address)
                return (null, null, $"{BootstrapBrokers} expects broker node addresses like {ExampleStore}, separated by commas, not '{part}'");
            if (!addresses.Contains(address.ToString())) addresses.Add(address.ToString());
        }
        return (addresses, topic, null);
    }

    /// <summary>--partition N: absent is null; "all" is allowed only where <paramref name="allowAll"/> (it is null too).</summary>
    private static bool TryPartition(Options options, bool allowAll, out int? partition, out string? error)
    {
        partition = null;
        error = null;
        var text = options.Value("--partition");
        if (text is null || (allowAll && text == "all")) return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            partition = value;
            return true;
        }
        error = $"--partition needs a partition number (0, 1, ...){(allowAll ? " or 'all'" : "")}, not '{text}'";
        return false;
    }

    private static bool TryLong(Options options, string name, long min, out long? value, out string? error)
    {
        value = null;
        error = null;
        if (options.Value(name) is not { } text) return true;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < min)
        {
            error = $"{name} needs a whole number of at least {min}, not '{text}'";
            return false;
        }
        value = parsed;
        return true;
    }
}
