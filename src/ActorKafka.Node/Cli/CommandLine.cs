using System.Globalization;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>What the command line asked for.</summary>
internal abstract record ParsedCommand;

internal sealed record HelpRequested : ParsedCommand;

internal enum DemoMode
{
    /// <summary>Store plus plain members registering /brokers/ids/N: the coordination store on its own.</summary>
    Membership,

    /// <summary>The ZooKeeper-mode Kafka story: brokers, controller elections, failover, a zombie fenced by its epoch.</summary>
    Zk,

    /// <summary>The same story in KRaft mode: a Raft quorum of controllers, brokers as observers of the metadata log.</summary>
    Kraft,

    /// <summary>A live migration of a zk-mode cluster to KRaft (KIP-866), through every phase to POST_MIGRATION.</summary>
    Migrate,
}

internal sealed record DemoOptions(bool Json, string? DataDir, DemoMode Mode = DemoMode.Membership,
    int Brokers = DemoOptions.DefaultBrokers, int Partitions = DemoOptions.DefaultPartitions,
    int ReplicationFactor = DemoOptions.DefaultReplicationFactor, int Seed = DemoOptions.DefaultSeed) : ParsedCommand
{
    public const int DefaultBrokers = 3;
    public const int DefaultPartitions = 6;
    public const int DefaultReplicationFactor = 3;
    public const int DefaultSeed = 42;

    /// <summary>The zk story kills one broker and then the controller's node, and still needs a broker to lead.</summary>
    public const int MinBrokers = 3;

    /// <summary>The kraft story's controllers (Raft voters): three, so that one paused and then another killed still leaves a majority in turn.</summary>
    public const int KraftControllers = 3;

    /// <summary>Each broker is an ActorSystem of its own; beyond this the demo stops being quick.</summary>
    public const int MaxBrokers = 9;
}

/// <summary>Exactly one of DataDir (embedded store) and Store (a running store node) is set.</summary>
internal sealed record ShellOptions(string? DataDir, Address? Store) : ParsedCommand;

/// <summary>Where an admin command finds the cluster: exactly one of DataDir (embedded store) and Store (a running store node).</summary>
internal sealed record StoreTarget(string? DataDir, Address? Store)
{
    public override string ToString() => DataDir is null ? $"the store at {Store}" : $"the embedded store on {DataDir}";
}

internal abstract record AdminOptions(StoreTarget Target, bool Json) : ParsedCommand;

internal sealed record ClusterDescribeOptions(StoreTarget Target, bool Json) : AdminOptions(Target, Json);

internal sealed record TopicsCreateOptions(StoreTarget Target, bool Json, string Topic, int Partitions, int ReplicationFactor,
    IReadOnlyDictionary<string, string> Config) : AdminOptions(Target, Json)
{
    // Kafka's num.partitions and default.replication.factor.
    public const int DefaultPartitions = 1;
    public const int DefaultReplicationFactor = 1;
}

internal sealed record TopicsDescribeOptions(StoreTarget Target, bool Json, string? Topic) : AdminOptions(Target, Json);

/// <summary>`cluster describe` in KRaft mode: the controllers' node addresses, asked for the active controller's view.</summary>
internal sealed record KraftClusterDescribeOptions(IReadOnlyList<Address> Controllers, bool Json) : ParsedCommand;

/// <summary>`topics create --bootstrap-controllers`: CreateTopics at a KRaft cluster's active controller, which places the replicas.</summary>
internal sealed record KraftTopicsCreateOptions(IReadOnlyList<Address> Controllers, bool Json, string Topic, int Partitions, int ReplicationFactor)
    : ParsedCommand;

/// <summary>`topics describe --bootstrap-controllers`: the partitions in the active controller's committed image.</summary>
internal sealed record KraftTopicsDescribeOptions(IReadOnlyList<Address> Controllers, bool Json, string? Topic) : ParsedCommand;

/// <summary>`actorkafka node`: the flags given, keyed by flag name; the loader layers them over env and file.</summary>
internal sealed record NodeCommandOptions(IReadOnlyDictionary<string, string> Flags) : ParsedCommand;

internal sealed record CommandLineError(string Message) : ParsedCommand;

/// <summary>Parses the executable's arguments; hand-written because there are only a few commands.</summary>
internal static partial class CommandLine
{
    public const string StoreProtocol = "akka.tcp";
    private const string ExampleStore = StoreProtocol + "://actorkafka@127.0.0.1:2552";

    public static readonly string Usage = $"""
        usage:
          actorkafka cluster describe (--data-dir DIR | --store ADDRESS) [--json]
              The active controller (id and epoch) and the brokers: registered ones with their broker
              epoch (the czxid of /brokers/ids/N) and endpoint, and replicas' brokers that are not live.
          actorkafka cluster describe --bootstrap-controllers ADDRESS[,ADDRESS...] [--json]
              KRaft mode: ask the controller nodes (their ActorSystem addresses, e.g. {ExampleStore})
              for the active controller's view: its id and epoch (the Raft epoch); every broker with its
              broker epoch, fenced or unfenced, in controlled shutdown or not, and address; the metadata
              quorum (leader, epoch, high watermark, each voter's and observer's log end offset, lag
              behind the high watermark and last fetch); and the partitions. Every controller is asked at
              once: the active one answers, standbys name it, so list every voter (actorkafka.raft.voters).
          actorkafka topics create --topic T [--partitions P] [--replication-factor R] [--config k=v ...]
                                   (--data-dir DIR | --store ADDRESS) [--json]
              Create a topic with a replica assignment over the live brokers (P and R default to 1);
              the controller elects its leaders. --config may be given once per setting.
          actorkafka topics describe [--topic T] (--data-dir DIR | --store ADDRESS) [--json]
              Every partition of T (of every topic without --topic): leader, leader epoch, ISR, replicas.
          actorkafka topics create --topic T [--partitions P] [--replication-factor R] --bootstrap-controllers ADDRESS,... [--json]
          actorkafka topics describe [--topic T] --bootstrap-controllers ADDRESS,... [--json]
              The same on a KRaft cluster: CreateTopics at the active controller (it places the replicas
              over the unfenced brokers), and the partitions of its committed metadata image.
              --data-dir DIR   run an embedded store on DIR (created if missing)
              --store ADDRESS  use a running store node, e.g. {ExampleStore}
              --json           one JSON object instead of the table
          actorkafka demo [--mode membership|zk|kraft|migrate] [--json] [--data-dir DIR]
              --mode membership (default): start an embedded store and three members, register
              /brokers/ids/N, refuse a duplicate broker id, stop one member and show the watch that
              reports it.
              --mode zk: the ZooKeeper-mode story on an embedded cluster: brokers register (a
              duplicate id is refused), a controller is elected, a topic is created, the broker
              leading most partitions is killed and its leaderships move, the controller is paused
              past its session timeout and replaced (epoch+1), then resumed as a zombie whose
              requests every broker rejects until it resigns; the new controller's node is killed
              and another is elected (epoch+1); last, the partition table. Throughout, from the topic's
              creation, a producer writes numbered records with acks=all (min.insync.replicas 2 when the
              replication factor is 3 or more); at the end every partition is read back and it prints
              "records: N acknowledged, N found, N lost" (--json: a records-verified event).
                [--brokers N]  brokers, each its own ActorSystem (default {DemoOptions.DefaultBrokers}, {DemoOptions.MinBrokers}..{DemoOptions.MaxBrokers})
                [--partitions P] [--replication-factor R]  the topic (default {DemoOptions.DefaultPartitions} and {DemoOptions.DefaultReplicationFactor})
                [--seed S]     seeds the replica assignment (default {DemoOptions.DefaultSeed})
              --json          one JSON object per line instead of the readable timeline
              --data-dir DIR  keep the nodes' data in DIR (default: a temporary dir, deleted)
          actorkafka demo --mode kraft [--brokers N] [--partitions P] [--replication-factor R] [--json] [--data-dir DIR]
              The same story in KRaft mode, on {DemoOptions.KraftControllers} controllers (Raft voters, ids from {KraftCluster.FirstControllerId})
              and N brokers (Raft observers), each its own ActorSystem: brokers register (broker epoch =
              the offset of their RegisterBroker record) and are unfenced once caught up with the
              metadata log; a duplicate id is refused; a topic is created (the controller places the
              replicas); the broker leading most partitions is killed and fenced after its session
              timeout, its leaderships move; the active controller and its voter are paused and a
              standby takes over in the next Raft epoch from the image it already holds; the zombie
              wakes, answers the heartbeats queued at it with its old epoch and every broker rejects
              them, then its voter wakes and it renounces; the new active controller's node is killed
              and another takes over; last, the partitions and the quorum. The same producer and check
              of acknowledged records as --mode zk. Options as for --mode zk.
          actorkafka demo --mode migrate [--brokers N] [--partitions P] [--replication-factor R] [--seed S] [--json] [--data-dir DIR]
              A live migration from zk mode to KRaft (KIP-866) while the producer writes acks=all: a zk-mode
              cluster with the topic; {DemoOptions.KraftControllers} KRaft controllers provisioned in migration mode (PRE_MIGRATION); each
              broker rolled (a controlled shutdown, then a restart on its data) into zk mode with migration on;
              the active KRaft controller claims /controller with the next controller epoch and copies the
              metadata into its log (MIGRATION, dual writes); each broker rolled into KRaft mode; finalize
              (POST_MIGRATION); then the records check and the migration status. --json adds the events
              migration-phase (with the phase), migration-step, zk-controller-claimed, zk-metadata-migrated, broker-rolled.
        {MigrateUsage}
        {ClientsUsage}
        {WatchUsage}
          actorkafka store shell (--data-dir DIR | --store ADDRESS)
              Read zkCli-style commands from stdin, one per line, print one answer per command.
              --data-dir DIR   run an embedded store on DIR (created if missing)
              --store ADDRESS  use a running store node, e.g. {ExampleStore}
              commands: {ShellParser.AllUsage}
          actorkafka node [--config FILE] [--node-id N] [--roles store,controller,broker] [--seed-nodes A,B]
                          [--data-dir DIR] [--hostname H] [--port P] [--store ADDRESS] [--broker-host H]
                          [--tls-enabled on|off] [--tls-certificate FILE.pfx] [--tls-suppress-validation on|off]
              Start one node of a cluster and run it until SIGTERM or Ctrl-C, which stop it gracefully
              (a broker's controlled shutdown, then leaving the cluster). Settings come from FILE over the
              defaults; each flag overrides its environment variable, which overrides the file:
              ACTORKAFKA_CONFIG, ACTORKAFKA_NODE_ID, ACTORKAFKA_ROLES, ACTORKAFKA_SEED_NODES,
              ACTORKAFKA_DATA_DIR, ACTORKAFKA_HOSTNAME, ACTORKAFKA_PORT, ACTORKAFKA_STORE, ACTORKAFKA_BROKER_HOST,
              ACTORKAFKA_TLS_ENABLED,
              ACTORKAFKA_TLS_CERTIFICATE, ACTORKAFKA_TLS_SUPPRESS_VALIDATION; the certificate's password only from
              ACTORKAFKA_TLS_CERTIFICATE_PASSWORD or the file (actorkafka.node.tls.certificate-password).
              No seed nodes: the node starts a new cluster. A broker's id is the node id; the listener it
              advertises in /brokers/ids/N (--broker-host) defaults to --hostname. A config with
              actorkafka.raft.voters makes a KRaft node: a quorum controller (role controller, its id a voter)
              or a broker (role broker, an observer); without voters it is a zk-mode node (roles store, broker).
              actorkafka.node.print-events = on prints every event of the node as "event TYPE" and the event as JSON.
              Ready configs (docs/RUNNING.md): hocon/cluster-3-nodes/, hocon/cluster-5-nodes/ and
              hocon/kraft-6-nodes/ on one machine; hocon/cluster-3-machines/ (SQLite) and
              hocon/cluster-3-machines-postgres/ for three machines.
          actorkafka help
        TLS (docs/TLS.md): with ACTORKAFKA_TLS_ENABLED=on, ACTORKAFKA_TLS_CERTIFICATE and, if the file has one,
        ACTORKAFKA_TLS_CERTIFICATE_PASSWORD, the commands that reach a cluster speak TLS to it, at its
        akka.ssl.tcp:// addresses.
        exit codes: 0 done; 1 the command failed (no store, no broker answered, a batch not produced, a bad or
        unknown topic for topics create/describe...); 2 bad command line, or a topic or partition that
        produce/consume cannot use (unknown, or an offset it does not hold)
        """ + Environment.NewLine;

    private static readonly string[] TargetOptions = ["--data-dir", "--store"];
    private const string BootstrapControllers = "--bootstrap-controllers";

    public static ParsedCommand Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return new CommandLineError("no command given; choose one of the commands below");
        if (args[0] is "help" or "--help" or "-h" || args.Any(a => a is "--help" or "-h")) return new HelpRequested();
        var rest = args.Skip(2).ToArray();
        return args[0] switch
        {
            "demo" => ParseDemo(args.Skip(1).ToArray()),
            "node" => ParseNode(args.Skip(1).ToArray()),
            "produce" => ParseProduce(args.Skip(1).ToArray()),
            "consume" => ParseConsume(args.Skip(1).ToArray()),
            "watch" => ParseWatch(args.Skip(1).ToArray()),
            "store" when args.Count == 1 => new CommandLineError("'store' needs a subcommand: use 'actorkafka store shell'"),
            "store" when args[1] == "shell" => ParseShell(rest),
            "store" => new CommandLineError($"unknown store subcommand '{args[1]}': use 'actorkafka store shell'"),
            "cluster" when args.Count == 1 => new CommandLineError("'cluster' needs a subcommand: use 'actorkafka cluster describe'"),
            "cluster" when args[1] == "describe" => ParseClusterDescribe(rest),
            "cluster" => new CommandLineError($"unknown cluster subcommand '{args[1]}': use 'actorkafka cluster describe'"),
            "topics" when args.Count == 1 => new CommandLineError("'topics' needs a subcommand: use 'actorkafka topics create' or 'actorkafka topics describe'"),
            "topics" when args[1] == "create" => ParseTopicsCreate(rest),
            "topics" when args[1] == "describe" => ParseTopicsDescribe(rest),
            "topics" => new CommandLineError($"unknown topics subcommand '{args[1]}': use 'actorkafka topics create' or 'actorkafka topics describe'"),
            "migrate" => ParseMigrate(args.Skip(1).ToArray()),
            _ => new CommandLineError($"unknown command '{args[0]}': use one of the commands below"),
        };
    }

    private static ParsedCommand ParseDemo(IReadOnlyList<string> args)
    {
        string[] story = ["--brokers", "--partitions", "--replication-factor"];
        var (options, error) = ReadOptions("demo", args, switches: ["--json"], valued: ["--mode", "--data-dir", .. story, "--seed"]);
        if (error is not null) return new CommandLineError(error);
        var mode = options.Value("--mode") switch
        {
            null or "membership" => DemoMode.Membership,
            "zk" => DemoMode.Zk,
            "kraft" => DemoMode.Kraft,
            "migrate" => DemoMode.Migrate,
            var other => (DemoMode?)null,
        };
        if (mode is null) return new CommandLineError($"--mode takes 'membership', 'zk', 'kraft' or 'migrate', not '{options.Value("--mode")}'");
        var demo = new DemoOptions(options.Has("--json"), options.Value("--data-dir"), mode.Value);
        if (mode == DemoMode.Membership && story.Append("--seed").FirstOrDefault(options.Has) is { } misplaced)
            return new CommandLineError($"{misplaced} applies to 'demo --mode zk' and 'demo --mode kraft' only, not to the membership demo");
        if (mode == DemoMode.Membership) return demo;
        // The quorum controller places replicas itself (as Kafka's does): there is nothing to seed.
        if (mode == DemoMode.Kraft && options.Has("--seed"))
            return new CommandLineError("--seed applies to 'demo --mode zk' only: in kraft mode the controller places the replicas itself");

        if (!TryInt(options, "--brokers", DemoOptions.DefaultBrokers, DemoOptions.MinBrokers, DemoOptions.MaxBrokers, out var brokers, out error)
            || !TryInt(options, "--partitions", DemoOptions.DefaultPartitions, 1, int.MaxValue, out var partitions, out error)
            || !TryInt(options, "--replication-factor", DemoOptions.DefaultReplicationFactor, 1, int.MaxValue, out var replicationFactor, out error)
            || !TryInt(options, "--seed", DemoOptions.DefaultSeed, int.MinValue, int.MaxValue, out var seed, out error))
            return new CommandLineError(error!);
        if (replicationFactor > brokers)
            return new CommandLineError($"--replication-factor {replicationFactor} is larger than the {brokers} brokers: give at most {brokers} or more --brokers");
        return demo with { Brokers = brokers, Partitions = partitions, ReplicationFactor = replicationFactor, Seed = seed };
    }

    private static ParsedCommand ParseNode(IReadOnlyList<string> args)
    {
        var (options, error) = ReadOptions("node", args, switches: [], valued: NodeSetting.All.Select(s => s.Flag).OfType<string>().ToArray());
        if (error is not null) return new CommandLineError(error);
        return new NodeCommandOptions(options.Given.ToDictionary(o => o.Key, o => o.Value[^1]!, StringComparer.Ordinal));
    }

    private static ParsedCommand ParseShell(IReadOnlyList<string> args)
    {
        var (options, error) = ReadOptions("store shell", args, switches: [], valued: TargetOptions);
        if (error is not null) return new CommandLineError(error);
        return ParseTarget("store shell", options) switch
        {
            (var target, null) => new ShellOptions(target!.DataDir, target.Store),
            (_, var problem) => new CommandLineError(problem),
        };
    }

    private static ParsedCommand ParseClusterDescribe(IReadOnlyList<string> args)
    {
        const string command = "cluster describe";
        var (options, error) = ReadOptions(command, args, switches: ["--json"], valued: [.. TargetOptions, BootstrapControllers]);
        if (error is not null) return new CommandLineError(error);
        if (options.Value(BootstrapControllers) is { } controllers)
        {
            if (TargetOptions.FirstOrDefault(options.Has) is { } zk)
                return new CommandLineError($"give either {BootstrapControllers} (a KRaft cluster) or {zk} (a zk-mode cluster) to '{command}', not both");
            return ParseControllers(controllers) switch
            {
                (var addresses, null) => new KraftClusterDescribeOptions(addresses!, options.Has("--json")),
                (_, var problem) => new CommandLineError(problem),
            };
        }
        if (!TargetOptions.Any(options.Has))
            return new CommandLineError($"'{command}' needs --data-dir DIR (run an embedded store) or --store ADDRESS (a zk-mode cluster's store), " +
                                        $"or {BootstrapControllers} ADDRESS,... (a KRaft cluster's controllers)");
        var (target, targetProblem) = ParseTarget(command, options);
        return targetProblem is null ? new ClusterDescribeOptions(target!, options.Has("--json")) : new CommandLineError(targetProblem);
    }

    /// <summary>--bootstrap-controllers alone: a command goes to a KRaft cluster or to a zk-mode one, not both.</summary>
    private static (IReadOnlyList<Address>? Addresses, string? Error) ParseKraftTarget(string command, Options options, string controllers) =>
        TargetOptions.FirstOrDefault(options.Has) is { } zk
            ? (null, $"give either {BootstrapControllers} (a KRaft cluster) or {zk} (a zk-mode cluster) to '{command}', not both")
            : ParseControllers(controllers);

    /// <summary>Comma-separated controller node addresses; duplicates are dropped, order kept.</summary>
    private static (IReadOnlyList<Address>? Addresses, string? Error) ParseControllers(string value)
    {
        var addresses = new List<Address>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (ParseNodeAddress(part) is not { } address)
                return (null, $"{BootstrapControllers} expects controller node addresses like {ExampleStore}, separated by commas, not '{part}'");
            if (!addresses.Contains(address)) addresses.Add(address);
        }
        return (addresses, null);
    }

    private static ParsedCommand ParseTopicsCreate(IReadOnlyList<string> args)
    {
        const string command = "topics create";
        var (options, error) = ReadOptions(command, args, switches: ["--json"],
            valued: ["--topic", "--partitions", "--replication-factor", .. TargetOptions, BootstrapControllers], repeatable: ["--config"]);
        if (error is not null) return new CommandLineError(error);
        if (options.Value("--topic") is not { } topic) return new CommandLineError("'topics create' needs --topic T: the name of the topic to create");
        if (!TryInt(options, "--partitions", TopicsCreateOptions.DefaultPartitions, 1, int.MaxValue, out var partitions, out error)
            || !TryInt(options, "--replication-factor", TopicsCreateOptions.DefaultReplicationFactor, 1, short.MaxValue, out var replicationFactor, out error))
            return new CommandLineError(error!);
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in options.Values("--config"))
        {
            if (setting.Split('=', 2) is not [var key, var value] || key.Trim().Length == 0)
                return new CommandLineError($"--config expects key=value, like --config retention.ms=86400000, not '{setting}'");
            if (!config.TryAdd(key.Trim(), value.Trim())) return new CommandLineError($"--config {key.Trim()} given twice");
        }
        if (options.Value(BootstrapControllers) is { } controllers)
        {
            if (config.Count > 0)
                return new CommandLineError($"--config is not supported with {BootstrapControllers}: KRaft topics take no config overrides here yet");
            return ParseKraftTarget(command, options, controllers) switch
            {
                (var addresses, null) => new KraftTopicsCreateOptions(addresses!, options.Has("--json"), topic, partitions, replicationFactor),
                (_, var bad) => new CommandLineError(bad),
            };
        }
        var (target, problem) = ParseTarget(command, options);
        return problem is null
            ? new TopicsCreateOptions(target!, options.Has("--json"), topic, partitions, replicationFactor, config)
            : new CommandLineError(problem);
    }

    private static ParsedCommand ParseTopicsDescribe(IReadOnlyList<string> args)
    {
        const string command = "topics describe";
        var (options, error) = ReadOptions(command, args, switches: ["--json"], valued: ["--topic", .. TargetOptions, BootstrapControllers]);
        if (error is not null) return new CommandLineError(error);
        if (options.Value(BootstrapControllers) is { } controllers)
            return ParseKraftTarget(command, options, controllers) switch
            {
                (var addresses, null) => new KraftTopicsDescribeOptions(addresses!, options.Has("--json"), options.Value("--topic")),
                (_, var bad) => new CommandLineError(bad),
            };
        var (target, problem) = ParseTarget(command, options);
        return problem is null ? new TopicsDescribeOptions(target!, options.Has("--json"), options.Value("--topic")) : new CommandLineError(problem);
    }

    /// <summary>--data-dir or --store, exactly one of them.</summary>
    private static (StoreTarget? Target, string? Error) ParseTarget(string command, Options options)
    {
        var dataDir = options.Value("--data-dir");
        var store = options.Value("--store");
        if ((dataDir is null) == (store is null))
            return (null, dataDir is null
                ? $"'{command}' needs --data-dir DIR (run an embedded store) or --store ADDRESS (use a running one)"
                : $"give either --data-dir or --store to '{command}', not both");
        if (store is null) return (new StoreTarget(dataDir, null), null);
        return ParseNodeAddress(store) is { } address
            ? (new StoreTarget(null, address), null)
            : (null, $"--store expects a store node's address like {ExampleStore}, not '{store}'");
    }

    private static Address? ParseNodeAddress(string value)
    {
        try
        {
            var address = Address.Parse(value);
            // A TLS cluster's nodes are at akka.ssl.tcp://; whether this process speaks TLS is the ACTORKAFKA_TLS_* variables' say.
            return (address.Protocol is StoreProtocol or RemotingTls.AddressProtocol) && !string.IsNullOrEmpty(address.Host) && address.Port > 0
                ? address
                : null;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private static bool TryInt(Options options, string name, int fallback, int min, int max, out int value, out string? error)
    {
        error = null;
        value = fallback;
        if (options.Value(name) is not { } text) return true;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            error = (min, max) switch
            {
                (int.MinValue, int.MaxValue) => $"{name} needs a whole number, not '{text}'",
                (1, int.MaxValue) => $"{name} needs a whole number of at least 1, not '{text}'",
                _ => $"{name} needs a whole number from {min} to {max}, not '{text}'",
            };
            return false;
        }
        return true;
    }

    /// <summary>The options of one command: switches, single values, and repeatable values in the order given.</summary>
    private sealed class Options
    {
        public readonly Dictionary<string, List<string?>> Given = new(StringComparer.Ordinal);

        public bool Has(string name) => Given.ContainsKey(name);

        public string? Value(string name) => Given.TryGetValue(name, out var values) ? values[^1] : null;

        public IEnumerable<string> Values(string name) => Given.TryGetValue(name, out var values) ? values.OfType<string>() : [];
    }

    /// <summary>Reads "--name", "--name VALUE" and "--name=VALUE"; anything else is an error naming the command.</summary>
    private static (Options Options, string? Error) ReadOptions(string command, IReadOnlyList<string> args,
        string[] switches, string[] valued, string[]? repeatable = null)
    {
        repeatable ??= [];
        var options = new Options();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] && n.StartsWith("--", StringComparison.Ordinal) ? (n, v) : (args[i], null);
            string? value = null;
            if (switches.Contains(name))
            {
                if (inline is not null) return (options, $"{name} takes no value");
            }
            else if (valued.Contains(name) || repeatable.Contains(name))
            {
                // "--data-dir --json" is a forgotten value, not a directory named "--json".
                value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                if (string.IsNullOrEmpty(value)) return (options, $"{name} needs a value");
            }
            else
            {
                var known = string.Join(", ", switches.Concat(valued).Concat(repeatable));
                return (options, name.StartsWith('-')
                    ? $"unknown option '{name}' for '{command}' (it takes {known})"
                    : $"unexpected argument '{name}' for '{command}' (it takes {known})");
            }
            if (options.Given.TryGetValue(name, out var values))
            {
                if (!repeatable.Contains(name)) return (options, $"{name} given twice");
                values.Add(value);
            }
            else options.Given[name] = [value];
        }
        return (options, null);
    }
}
