using System.Globalization;
using System.Text.Json.Nodes;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Node.Cli;

/// <summary>
/// How `migrate status` (and the migrate demo's summary) shows a <see cref="MigrationDescription"/>:
/// the phase in Kafka's spelling, the driver's step, what was claimed and copied, the brokers with
/// their modes, and what the operator does next; or one JSON object.
/// </summary>
internal static class MigrationFormat
{
    public static IReadOnlyList<string> Status(MigrationDescription d)
    {
        var brokers = d.Brokers.OrderBy(b => b.BrokerId).ToArray();
        return
        [
            $"Phase: {MigrationNames.Phase(d.State)} ({MigrationNames.Explain(d.State)})",
            $"Controller: {d.ControllerId}, epoch {d.ControllerEpoch}; its migration driver is in {MigrationNames.DriverState(d.DriverState)}",
            "zk controller epoch claimed: " + (d.ZkControllerEpoch < 0 ? "none yet (the zk-mode controller still holds /controller, or nobody does)"
                : $"{Number(d.ZkControllerEpoch)} (the zk-mode controllers are fenced by it)"),
            "Metadata migrated: " + (d.MigratedOffset < 0 ? "not yet copied into the log"
                : $"the store is in step with the log up to offset {Number(d.MigratedOffset)}"),
            .. brokers.Length == 0 ? ["Brokers: none registered with the controller quorum"]
                : (IEnumerable<string>)["Brokers:", .. AdminFormat.Table(["BROKER", "MODE", "STATE"], brokers.Select(b => (IReadOnlyList<string>)
                    [Number(b.BrokerId), b.Mode, b.Fenced ? "fenced" : "unfenced"])).Select(line => "  " + line)],
            $"Next: {Next(d)}",
        ];
    }

    public static JsonObject StatusJson(MigrationDescription d) => new()
    {
        ["phase"] = MigrationNames.Phase(d.State),
        ["controller"] = new JsonObject { ["id"] = d.ControllerId, ["epoch"] = d.ControllerEpoch },
        ["driverState"] = MigrationNames.DriverState(d.DriverState),
        ["zkControllerEpoch"] = d.ZkControllerEpoch < 0 ? null : d.ZkControllerEpoch,
        ["migratedOffset"] = d.MigratedOffset < 0 ? null : d.MigratedOffset,
        ["brokers"] = BrokersJson(d.Brokers),
    };

    public static JsonArray BrokersJson(IEnumerable<MigrationBrokerView> brokers) => new(brokers.OrderBy(b => b.BrokerId).Select(b => (JsonNode)new JsonObject
    {
        ["id"] = b.BrokerId,
        ["mode"] = b.Mode,
        ["fenced"] = b.Fenced,
    }).ToArray());

    /// <summary>The operator's next step in this phase (KIP-866's order: migrating brokers, copy, KRaft brokers, finalize).</summary>
    public static string Next(MigrationDescription d)
    {
        var zk = d.Brokers.Where(b => b.Mode == "zk").Select(b => b.BrokerId).Order().ToArray();
        return d.State switch
        {
            ZkMigrationState.PreMigration =>
                "restart every zk-mode broker, one at a time, with actorkafka.broker.migration.enabled = on and actorkafka.raft.voters " +
                "naming these controllers; once all are registered and unfenced the controller claims /controller and copies the metadata",
            ZkMigrationState.Migration when zk.Length > 0 =>
                $"restart broker{(zk.Length == 1 ? "" : "s")} {string.Join(", ", zk)} in KRaft mode, one at a time, then run 'actorkafka migrate finalize' " +
                "(until then 'actorkafka migrate rollback' can still return the cluster to zk mode)",
            ZkMigrationState.Migration =>
                "every registered broker runs in KRaft mode: run 'actorkafka migrate finalize' (after it there is no way back to zk mode)",
            ZkMigrationState.PostMigration => "nothing: the migration is done and the coordination store can be retired",
            _ => "nothing to migrate: start the controllers with actorkafka.controller.migration.enabled = on to begin a migration",
        };
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
