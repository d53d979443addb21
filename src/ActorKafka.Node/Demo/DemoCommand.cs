using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;

namespace ActorKafka.Node.Demo;

/// <summary>`actorkafka demo`: a scenario on an embedded cluster (zk or kraft mode, or a migration between them), on a temporary data dir unless one is given.</summary>
internal static class DemoCommand
{
    public static async Task<int> RunAsync(DemoOptions options, TextWriter stdout, TextWriter stderr)
    {
        var dataDir = options.DataDir ?? Path.Combine(Path.GetTempPath(), "actorkafka-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            var timeline = new Timeline(stdout, options.Json);
            if (options.Mode == DemoMode.Zk)
            {
                // The store needs the short session bounds too: it clamps a client's session timeout to its own minimum.
                await using var cluster = await EmbeddedCluster.StartAsync(dataDir, fastFailureDetection: true, logLevel: CliDefaults.LogLevel,
                    storeHocon: ZkDemoScenario.Timings + "\n" + StderrLogger.Hocon).ConfigureAwait(false);
                await new ZkDemoScenario(cluster, timeline, options).RunAsync().ConfigureAwait(false);
            }
            else if (options.Mode == DemoMode.Kraft)
            {
                // No store: the controllers' Raft quorum holds the metadata; the scenario starts the nodes itself.
                await new KraftDemoScenario(timeline, options).RunAsync(dataDir).ConfigureAwait(false);
            }
            else if (options.Mode == DemoMode.Migrate)
            {
                // The store, the zk-mode brokers and later the KRaft controllers: the scenario starts them as the migration goes.
                await new MigrateDemoScenario(timeline, options).RunAsync(dataDir).ConfigureAwait(false);
            }
            else
            {
                await using var cluster = await EmbeddedCluster.StartAsync(dataDir, fastFailureDetection: true, logLevel: CliDefaults.LogLevel,
                    storeHocon: StderrLogger.Hocon).ConfigureAwait(false);
                await new DemoScenario(cluster, timeline).RunAsync().ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }
        catch (Exception e)
        {
            // The top of a command: whatever went wrong is reported, not thrown at the user as a stack trace.
            await stderr.WriteLineAsync($"actorkafka demo failed: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        finally
        {
            if (options.DataDir is null) await DeleteAsync(dataDir, stderr).ConfigureAwait(false);
        }
    }

    private static async Task DeleteAsync(string dataDir, TextWriter stderr)
    {
        try
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException e)
        {
            await stderr.WriteLineAsync($"actorkafka demo: could not delete its temporary data dir {dataDir}: {e.Message}").ConfigureAwait(false);
        }
    }
}
