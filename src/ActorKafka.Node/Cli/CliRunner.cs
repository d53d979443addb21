using ActorKafka.Node.Demo;

namespace ActorKafka.Node.Cli;

/// <summary>The executable's entry point, with its streams passed in so tests can drive it.</summary>
public static class CliRunner
{
    /// <summary><paramref name="shutdown"/> asks a long-running command (the node, consume --follow) to stop gracefully.</summary>
    public static Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr,
        CancellationToken shutdown = default) =>
        RunAsync(args, stdin, stdout, stderr, Environment.GetEnvironmentVariable, shutdown);

    /// <summary>With <paramref name="environment"/> in place of the process's environment variables.</summary>
    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr,
        Func<string, string?> environment, CancellationToken shutdown = default)
    {
        var command = CommandLine.Parse(args);
        // The demo's cluster is this process's own, and the node reads its TLS with the rest of its settings.
        if (command is not (HelpRequested or DemoOptions or NodeCommandOptions or CommandLineError)
            && ClientTls.Configure(args, environment) is { } problem)
        {
            await stderr.WriteLineAsync($"actorkafka: {problem}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        switch (command)
        {
            case HelpRequested:
                await stdout.WriteAsync(CommandLine.Usage).ConfigureAwait(false);
                return ExitCodes.Ok;
            case DemoOptions demo:
                return await DemoCommand.RunAsync(demo, stdout, stderr).ConfigureAwait(false);
            case AdminOptions admin:
                return await AdminCommand.RunAsync(admin, stdout, stderr).ConfigureAwait(false);
            case KraftClusterDescribeOptions kraft:
                return await KraftAdminCommand.RunAsync(kraft, stdout, stderr).ConfigureAwait(false);
            case KraftTopicsCreateOptions create:
                return await KraftTopicsCommand.CreateAsync(create, stdout, stderr).ConfigureAwait(false);
            case KraftTopicsDescribeOptions describe:
                return await KraftTopicsCommand.DescribeAsync(describe, stdout, stderr).ConfigureAwait(false);
            case MigrateStatusOptions status:
                return await MigrateCommand.StatusAsync(status, stdout, stderr).ConfigureAwait(false);
            case MigrateFinalizeOptions finalize:
                return await MigrateCommand.FinalizeAsync(finalize, stdout, stderr).ConfigureAwait(false);
            case MigrateRollbackOptions rollback:
                return await MigrateRollbackCommand.RunAsync(rollback, stdout, stderr).ConfigureAwait(false);
            case NodeCommandOptions node:
                return await NodeCommand.RunAsync(node, environment, stdout, stderr, shutdown).ConfigureAwait(false);
            case ProduceOptions produce:
                return await ProduceCommand.RunAsync(produce, stdin, stderr, shutdown).ConfigureAwait(false);
            case ConsumeOptions consume:
                return await ConsumeCommand.RunAsync(consume, stdout, stderr, shutdown).ConfigureAwait(false);
            case WatchOptions watch:
                return await WatchCommand.RunAsync(watch, stdout, stderr, shutdown).ConfigureAwait(false);
            case ShellOptions shell:
                return await StoreShellCommand.RunAsync(shell, stdin, stdout, stderr).ConfigureAwait(false);
            case CommandLineError error:
                await stderr.WriteLineAsync($"actorkafka: {error.Message}").ConfigureAwait(false);
                await stderr.WriteAsync(CommandLine.Usage).ConfigureAwait(false);
                return ExitCodes.Usage;
            default:
                throw new InvalidOperationException("the parser returned an unknown command kind");
        }
    }
}
