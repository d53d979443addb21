using Akka.Configuration;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// The quorum controller's settings: actorkafka.controller.kraft plus the shared unclean-election
/// switch and the migration switch (Kafka's zookeeper.metadata.migration.enable).
/// </summary>
public sealed record QuorumControllerSettings(
    int NodeId,
    TimeSpan BrokerSessionTimeout,
    TimeSpan SessionCheckInterval,
    int MaxRecordsPerBatch,
    TimeSpan DescribeQuorumTimeout,
    bool UncleanLeaderElectionEnable,
    bool MigrationEnabled = false)
{
    public const string Section = "actorkafka.controller.kraft";

    public const string MigrationEnabledKey = "actorkafka.controller.migration.enabled";

    /// <summary>The controller takes its node's Raft id.</summary>
    public static QuorumControllerSettings From(Config config, int nodeId)
    {
        var root = config.WithFallback(ControllerSettings.Defaults);
        var c = root.GetConfig(Section) ?? throw new ConfigurationException($"missing config section {Section}");
        var settings = new QuorumControllerSettings(
            nodeId,
            c.GetTimeSpan("broker-session-timeout"),
            c.GetTimeSpan("session-check-interval"),
            c.GetInt("max-records-per-batch"),
            c.GetTimeSpan("describe-quorum-timeout"),
            root.GetBoolean("actorkafka.controller.unclean-leader-election-enable"),
            // The migration section belongs to the driver; a node built without it does not migrate.
            root.HasPath(MigrationEnabledKey) && root.GetBoolean(MigrationEnabledKey));
        if (settings.BrokerSessionTimeout <= TimeSpan.Zero) throw Bad("broker-session-timeout", "must be positive");
        if (settings.SessionCheckInterval <= TimeSpan.Zero) throw Bad("session-check-interval", "must be positive");
        if (settings.MaxRecordsPerBatch <= 0) throw Bad("max-records-per-batch", "must be positive");
        if (settings.DescribeQuorumTimeout <= TimeSpan.Zero) throw Bad("describe-quorum-timeout", "must be positive");
        return settings;
    }

    public QuorumControllerConfig CoreConfig() =>
        new((long)BrokerSessionTimeout.TotalMilliseconds, UncleanLeaderElectionEnable, MaxRecordsPerBatch, MigrationEnabled);

    private static ConfigurationException Bad(string key, string why) => new($"{Section}.{key} {why}");
}
