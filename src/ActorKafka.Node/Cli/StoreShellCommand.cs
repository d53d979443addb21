using ActorKafka.Coordination;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>`actorkafka store shell`: connects (or starts an embedded store), then runs the shell on stdin.</summary>
internal static class StoreShellCommand
{
    public static async Task<int> RunAsync(ShellOptions options, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ShellHost host;
        try
        {
            host = options.DataDir is { } dataDir ? await ShellHost.EmbeddedAsync(dataDir).ConfigureAwait(false) : ShellHost.Remote(options.Store!);
        }
        catch (Exception e)
        {
            var what = options.DataDir is null ? $"a client for the store at {options.Store}" : $"the embedded store on {options.DataDir}";
            await stderr.WriteLineAsync($"actorkafka: could not start {what}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await using (host.ConfigureAwait(false))
        {
            CoordinationSession session;
            try
            {
                session = await CoordinationSession.OpenAsync(host.System, host.Settings).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                await stderr.WriteLineAsync($"actorkafka: no coordination store answered at {host.Settings.StorePath}; " +
                                            "check the address and that a node with role 'store' runs there").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            await new StoreShell(session, new ShellOutput(stdout, stderr, session.Events)).RunAsync(stdin).ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }
}
