namespace ActorKafka.Node.Cli;

/// <summary>`actorkafka store shell`: connects (or starts an embedded store), then runs the shell on stdin.</summary>
internal static class StoreShellCommand
{
    public static async Task<int> RunAsync(ShellOptions options, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var connection = await StoreConnection.OpenAsync(new StoreTarget(options.DataDir, options.Store), "store shell", stderr).ConfigureAwait(false);
        if (connection is null) return ExitCodes.Failed;
        await using (connection.ConfigureAwait(false))
        {
            var session = connection.Session;
            await new StoreShell(session, new ShellOutput(stdout, stderr, session.Events)).RunAsync(stdin).ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }
}
