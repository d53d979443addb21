using System.Text.Json.Nodes;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `migrate rollback`: Kafka's way back to zk mode before finalize, over one store session. It
/// reads what /migration and /controller say first, so it can tell the operator what it deleted,
/// then lets ZkAdmin delete them. It refuses nothing: it is meant for when the KRaft controllers are
/// stopped, and says what a still-running one would do.
/// </summary>
internal static class MigrateRollbackCommand
{
    private const string Command = "migrate rollback";

    public static async Task<int> RunAsync(MigrateRollbackOptions options, TextWriter stdout, TextWriter stderr)
    {
        var connection = await StoreConnection.OpenAsync(options.Target, Command, stderr).ConfigureAwait(false);
        if (connection is null) return ExitCodes.Failed;
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var session = connection.Session;
                var migration = await ReadAsync(session, ZkPaths.Migration, ZkData.DecodeMigration).ConfigureAwait(false);
                var controller = await ReadAsync(session, ZkPaths.Controller, ZkData.DecodeController).ConfigureAwait(false);
                var deleted = await ZkAdmin.RollBackMigrationAsync(session).ConfigureAwait(false);
                var lines = options.Json
                    ? [Json(deleted, migration, controller).ToJsonString()]
                    : Text(deleted, migration, controller);
                foreach (var line in lines) await stdout.WriteLineAsync(line).ConfigureAwait(false);
                await stdout.FlushAsync().ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is KeeperException or Akka.Actor.AskTimeoutException)
            {
                await stderr.WriteLineAsync($"actorkafka {Command}: the store did not complete a request ({e.Message}); " +
                                            $"check that {options.Target} is up, then run it again (it deletes only what is still there)").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        }
    }

    private static IReadOnlyList<string> Text(IReadOnlyList<string> deleted, MigrationZNode? migration, ControllerZNode? controller)
    {
        if (deleted.Count == 0)
        {
            return
            [
                $"Nothing to roll back: the store has no {ZkPaths.Migration} and no KRaft controller holds {ZkPaths.Controller}.",
                "Either no migration was started against this store (or its KRaft controller never claimed the cluster), or it was rolled back " +
                "already; the zk-mode controllers run the cluster as before.",
            ];
        }
        var lines = new List<string>();
        foreach (var path in deleted)
        {
            lines.Add(path switch
            {
                ZkPaths.Migration when migration is not null =>
                    $"Deleted {path}: KRaft controller {migration.KraftControllerId} (Raft epoch {migration.KraftControllerEpoch}) had the store in step with " +
                    $"its log up to offset {migration.KraftMetadataOffset}.",
                ZkPaths.Controller when controller is not null =>
                    $"Deleted {path}: it was held by KRaft controller {controller.BrokerId} (Raft epoch {controller.KraftControllerEpoch}) through a live " +
                    "store session. If that controller still runs, it will claim the cluster again: stop every KRaft controller, then run this again.",
                _ => $"Deleted {path}.",
            });
        }
        lines.Add("The zk-mode controller candidates (one on every zk-mode broker) now elect a controller again, with the next controller epoch, " +
                  "and run the cluster from what the KRaft controller wrote back to the store. Restart any broker already in KRaft mode in zk mode, " +
                  "and turn actorkafka.broker.migration.enabled off on the brokers at their next restart.");
        return lines;
    }

    private static JsonObject Json(IReadOnlyList<string> deleted, MigrationZNode? migration, ControllerZNode? controller) => new()
    {
        ["deleted"] = new JsonArray(deleted.Select(p => (JsonNode)p).ToArray()),
        ["migration"] = migration is null || !deleted.Contains(ZkPaths.Migration) ? null : new JsonObject
        {
            ["kraftControllerId"] = migration.KraftControllerId,
            ["kraftControllerEpoch"] = migration.KraftControllerEpoch,
            ["kraftMetadataOffset"] = migration.KraftMetadataOffset,
        },
        ["controller"] = controller is null || !deleted.Contains(ZkPaths.Controller) ? null : new JsonObject
        {
            ["kraftControllerId"] = controller.BrokerId,
            ["kraftControllerEpoch"] = controller.KraftControllerEpoch,
        },
    };

    /// <summary>The znode's content, or null when it is absent or unreadable (its deletion is then reported without it).</summary>
    private static async Task<T?> ReadAsync<T>(CoordinationSession session, string path, Func<byte[]?, ZkDataResult<T>> decode) where T : class
    {
        var reply = await session.RequestAsync(new GetDataRequest(path)).ConfigureAwait(false);
        return reply is GetDataResponse data && decode(data.Data).TryGetValue(out var value) ? value : null;
    }
}
