using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>`migrate status` and `migrate finalize`: the KRaft controllers' node addresses, asked for the active migration driver.</summary>
internal sealed record MigrateStatusOptions(IReadOnlyList<Address> Controllers, bool Json) : ParsedCommand;

internal sealed record MigrateFinalizeOptions(IReadOnlyList<Address> Controllers, bool Json) : ParsedCommand;

/// <summary>`migrate rollback`: the store it cleans, exactly one of an embedded store's data dir and a running store node.</summary>
internal sealed record MigrateRollbackOptions(StoreTarget Target, bool Json) : ParsedCommand;

/// <summary>The migration commands (KIP-866): their usage and their options.</summary>
internal static partial class CommandLine
{
    private const string MigrateSubcommands = "use 'actorkafka migrate status', 'actorkafka migrate finalize' or 'actorkafka migrate rollback'";

    private static string MigrateUsage => $"""
          actorkafka migrate status --bootstrap-controllers ADDRESS[,ADDRESS...] [--json]
              A migration from zk mode to KRaft (KIP-866), as the active KRaft controller's migration driver
              sees it: the phase (NONE, PRE_MIGRATION, MIGRATION, POST_MIGRATION), the driver's state
              (WAIT_FOR_BROKERS, DUAL_WRITE, ...), the zk controller epoch it claimed, the log offset the store
              is in step with, every registered broker with its mode (zk or kraft) and whether it is fenced,
              and the next step. The controllers must run with actorkafka.controller.migration.enabled = on;
              list every voter of actorkafka.raft.voters, as for 'cluster describe --bootstrap-controllers'.
          actorkafka migrate finalize --bootstrap-controllers ADDRESS[,ADDRESS...] [--json]
              End the migration: the active controller commits POST_MIGRATION and stops writing to the store.
              Refused (exit 1, with the reason) unless the metadata is copied and every registered broker runs
              in KRaft mode. There is no way back to zk mode afterwards.
          actorkafka migrate rollback (--store ADDRESS | --data-dir DIR) [--json]
              Before finalize only, with every KRaft controller stopped: delete /migration, and /controller
              while a KRaft controller still holds it, so that the zk-mode controllers elect again and run the
              cluster from what the KRaft controller wrote back to the store. Prints what it deleted.
        """;

    private static ParsedCommand ParseMigrate(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return new CommandLineError($"'migrate' needs a subcommand: {MigrateSubcommands}");
        var rest = args.Skip(1).ToArray();
        return args[0] switch
        {
            "status" => ParseMigrateControllers("migrate status", rest, (controllers, json) => new MigrateStatusOptions(controllers, json)),
            "finalize" => ParseMigrateControllers("migrate finalize", rest, (controllers, json) => new MigrateFinalizeOptions(controllers, json)),
            "rollback" => ParseMigrateRollback(rest),
            var other => new CommandLineError($"unknown migrate subcommand '{other}': {MigrateSubcommands}"),
        };
    }

    private static ParsedCommand ParseMigrateControllers(string command, IReadOnlyList<string> args, Func<IReadOnlyList<Address>, bool, ParsedCommand> build)
    {
        var (options, error) = ReadOptions(command, args, switches: ["--json"], valued: [BootstrapControllers]);
        if (error is not null) return new CommandLineError(error);
        if (options.Value(BootstrapControllers) is not { } controllers)
            return new CommandLineError($"'{command}' needs {BootstrapControllers} ADDRESS[,ADDRESS...]: the KRaft controller nodes' addresses, " +
                                        $"like {ExampleStore} (every voter of actorkafka.raft.voters)");
        return ParseControllers(controllers) switch
        {
            (var addresses, null) => build(addresses!, options.Has("--json")),
            (_, var problem) => new CommandLineError(problem),
        };
    }

    private static ParsedCommand ParseMigrateRollback(IReadOnlyList<string> args)
    {
        const string command = "migrate rollback";
        var (options, error) = ReadOptions(command, args, switches: ["--json"], valued: TargetOptions);
        if (error is not null) return new CommandLineError(error);
        var (target, problem) = ParseTarget(command, options);
        return problem is null ? new MigrateRollbackOptions(target!, options.Has("--json")) : new CommandLineError(problem);
    }
}
