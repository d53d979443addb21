using ActorKafka.Node.Hosting;

namespace ActorKafka.Node.Cli;

/// <summary>`actorkafka node`: loads the settings, starts the node, prints its startup lines, runs until shutdown.</summary>
internal static class NodeCommand
{
    public static async Task<int> RunAsync(NodeCommandOptions options, Func<string, string?> environment, TextWriter stdout, TextWriter stderr,
        CancellationToken shutdown)
    {
        var loaded = NodeConfigLoader.Load(options.Flags, environment);
        if (loaded.Settings is not { } settings)
        {
            await stderr.WriteLineAsync($"actorkafka node: {loaded.Error}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        NodeHost host;
        try
        {
            var printEvents = settings.Config.GetBoolean("actorkafka.node.print-events");
            host = await NodeHost.StartAsync(settings, shutdown, printEvents ? system => NodeEventPrinting.Attach(system, stdout) : null, environment)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("actorkafka node: stopped before it joined the cluster").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (NodeConfigException e)
        {
            // What only the environment completes (the PostgreSQL connection string) is found missing here, before anything starts.
            await stderr.WriteLineAsync($"actorkafka node: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception e)
        {
            // Binding the port or opening the data dir failed: reported, not thrown at the operator as a stack trace.
            await stderr.WriteLineAsync($"actorkafka node: could not start: {e.GetBaseException().Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await using (host.ConfigureAwait(false))
        {
            await WriteAsync(stdout, host.StartupLines).ConfigureAwait(false);
            var stopped = await host.RunAsync(shutdown).ConfigureAwait(false);
            if (stopped is null)
            {
                await stderr.WriteLineAsync($"actorkafka node: {host.StoppedBecause}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            await WriteAsync(stdout, stopped).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }

    private static async Task WriteAsync(TextWriter stdout, IEnumerable<string> lines)
    {
        foreach (var line in lines) await stdout.WriteLineAsync(line).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
    }
}
