using System.Text.Json.Nodes;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `migrate status` and `migrate finalize`: a short-lived client system (remoting only, never a
/// cluster member) asks every controller node's migration driver at once; the active one answers,
/// standbys name it. Finalize is a write, so it goes to the active driver alone, once a describe
/// has found it (a write sent to all would also wait in a paused ex-leader's mailbox).
/// </summary>
internal static class MigrateCommand
{
    /// <summary>How long finalize waits: the driver answers once PostMigration commits (actorkafka.controller.migration.append-timeout's default).</summary>
    private static readonly TimeSpan FinalizeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the check for a controller without a migration driver waits for each node.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static Task<int> StatusAsync(MigrateStatusOptions options, TextWriter stdout, TextWriter stderr) =>
        WithClientAsync("migrate status", options.Controllers, stderr, async (system, client) =>
        {
            var (status, _, problem) = await DescribeAsync(system, client, options.Controllers).ConfigureAwait(false);
            if (status is null) return await FailAsync(stderr, "migrate status", problem!).ConfigureAwait(false);
            await WriteAsync(stdout, options.Json ? [MigrationFormat.StatusJson(status).ToJsonString()] : MigrationFormat.Status(status)).ConfigureAwait(false);
            return ExitCodes.Ok;
        });

    public static Task<int> FinalizeAsync(MigrateFinalizeOptions options, TextWriter stdout, TextWriter stderr) =>
        WithClientAsync("migrate finalize", options.Controllers, stderr, async (system, client) =>
        {
            const string command = "migrate finalize";
            var (status, active, problem) = await DescribeAsync(system, client, options.Controllers).ConfigureAwait(false);
            if (status is null) return await FailAsync(stderr, command, problem!).ConfigureAwait(false);
            if (status.State == ZkMigrationState.PostMigration)
            {
                // Asking again is harmless: say so, rather than fail a script that runs it twice.
                await WriteAsync(stdout, options.Json
                    ? [Finalized(status.ControllerId, status.ControllerEpoch, offset: null, already: true).ToJsonString()]
                    : [$"The migration is already finalized (POST_MIGRATION); controller {status.ControllerId} runs the cluster in KRaft mode."]).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            FinalizeMigrationResponse response;
            try
            {
                response = await system.ActorSelection(ActorNames.MigrationDriverPath(active!.ToString()))
                    .Ask<FinalizeMigrationResponse>(new FinalizeMigrationRequest(1), FinalizeTimeout).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                return await FailAsync(stderr, command, $"controller {status.ControllerId} at {active} did not answer within {FinalizeTimeout.TotalSeconds:0} s; " +
                                                        "run 'actorkafka migrate status' to see whether the migration was finalized, then try again").ConfigureAwait(false);
            }
            return response.Error switch
            {
                ControlError.None => await SucceedAsync(stdout, options.Json, response).ConfigureAwait(false),
                ControlError.NotController => await FailAsync(stderr, command,
                    $"controller {status.ControllerId} stopped being the active controller before it finalized ({response.Message}); " +
                    "nothing was changed: run the command again").ConfigureAwait(false),
                _ => await FailAsync(stderr, command, $"controller {response.ControllerId} refused to finalize the migration: {response.Message}. " +
                                                          "See where it stands with 'actorkafka migrate status'").ConfigureAwait(false),
            };
        });

    private static async Task<int> SucceedAsync(TextWriter stdout, bool json, FinalizeMigrationResponse response)
    {
        await WriteAsync(stdout, json
            ? [Finalized(response.ControllerId, response.ControllerEpoch, response.Offset, already: false).ToJsonString()]
            :
            [
                $"Migration finalized: controller {response.ControllerId} (epoch {response.ControllerEpoch}) committed POST_MIGRATION at offset {response.Offset}.",
                "The coordination store is no longer written: the cluster runs in KRaft mode only, and there is no way back to zk mode.",
            ]).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static JsonObject Finalized(int controllerId, int epoch, long? offset, bool already) => new()
    {
        ["phase"] = MigrationNames.Phase(ZkMigrationState.PostMigration),
        ["controller"] = new JsonObject { ["id"] = controllerId, ["epoch"] = epoch },
        ["offset"] = offset,
        ["alreadyFinalized"] = already,
    };

    /// <summary>The active driver's description and its node, or what went wrong and what to do.</summary>
    private static async Task<(MigrationDescription? Status, Address? Active, string? Problem)> DescribeAsync(ActorSystem system,
        QuorumControllerClient client, IReadOnlyList<Address> controllers)
    {
        var (status, active, problem) = await client.RequestFromAsync<MigrationDescription>(id => new DescribeMigrationRequest(id)).ConfigureAwait(false);
        if (status is not null) return (status, active, null);
        // Nothing answered at the driver's path: nodes that run a quorum controller without it are not in migration mode.
        var withoutDriver = await ControllersWithoutDriverAsync(system, controllers).ConfigureAwait(false);
        return withoutDriver.Count == 0 ? (null, null, problem)
            : (null, null, $"{problem} The controller node(s) at {string.Join(", ", withoutDriver)} run a quorum controller but no migration driver: " +
                           "they were started with actorkafka.controller.migration.enabled = off, so they cannot migrate a zk-mode cluster " +
                           "(provision the controllers with it on, and the store's address, before the migration)");
    }

    private static async Task<IReadOnlyList<Address>> ControllersWithoutDriverAsync(ActorSystem system, IReadOnlyList<Address> controllers)
    {
        async Task<Address?> Probe(Address node)
        {
            try
            {
                await system.ActorSelection(ActorNames.QuorumControllerPath(node.ToString())).ResolveOne(ProbeTimeout).ConfigureAwait(false);
            }
            catch (ActorNotFoundException)
            {
                return null;
            }
            try
            {
                await system.ActorSelection(ActorNames.MigrationDriverPath(node.ToString())).ResolveOne(ProbeTimeout).ConfigureAwait(false);
                return null;
            }
            catch (ActorNotFoundException)
            {
                return node;
            }
        }

        return (await Task.WhenAll(controllers.Select(Probe)).ConfigureAwait(false)).OfType<Address>().ToArray();
    }

    private static Task<int> WithClientAsync(string command, IReadOnlyList<Address> controllers, TextWriter stderr,
        Func<ActorSystem, QuorumControllerClient, Task<int>> run) =>
        ControllerClientSystem.RunAsync(command, stderr, system =>
            run(system, new QuorumControllerClient(system, controllers, CliDefaults.ControllerRequestTimeout, ActorNames.MigrationDriverPath)));

    private static async Task WriteAsync(TextWriter stdout, IEnumerable<string> lines)
    {
        foreach (var line in lines) await stdout.WriteLineAsync(line).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
    }

    private static async Task<int> FailAsync(TextWriter stderr, string command, string message)
    {
        await stderr.WriteLineAsync($"actorkafka {command}: {message}").ConfigureAwait(false);
        return ExitCodes.Failed;
    }
}
