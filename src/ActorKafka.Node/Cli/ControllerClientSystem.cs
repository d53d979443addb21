using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>
/// The short-lived client system of a command that talks to a KRaft cluster's controllers:
/// remoting only, never a cluster member, terminated when the command is done. A system that
/// cannot start is reported as the command's failure.
/// </summary>
internal static class ControllerClientSystem
{
    public static async Task<int> RunAsync(string command, TextWriter stderr, Func<ActorSystem, Task<int>> run)
    {
        ActorSystem system;
        try
        {
            system = ActorSystem.Create("actorkafka-cli", ShellHost.RemoteClientConfig());
        }
        catch (Exception e)
        {
            return await FailAsync(stderr, command, $"could not start a client to reach the controllers: {e.Message}").ConfigureAwait(false);
        }
        try
        {
            return await run(system).ConfigureAwait(false);
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    public static async Task<int> FailAsync(TextWriter stderr, string command, string message)
    {
        await stderr.WriteLineAsync($"actorkafka {command}: {message}").ConfigureAwait(false);
        return ExitCodes.Failed;
    }
}
