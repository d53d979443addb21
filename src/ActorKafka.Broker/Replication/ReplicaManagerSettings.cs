using Akka.Configuration;

namespace ActorKafka.Broker.Replication;

/// <summary>The replica manager's settings, from actorkafka.broker.replication.</summary>
public sealed record ReplicaManagerSettings(int BrokerId, string LogDir, ReplicaConfig Replica, TimeSpan TickInterval, long SegmentBytes)
{
    public const string Section = "actorkafka.broker.replication";
    public const string DispatcherId = Section + ".dispatcher";

    /// <summary>The node's data dir holds the logs unless log-dir says otherwise.</summary>
    public static ReplicaManagerSettings From(Config config, int brokerId, string dataDir)
    {
        var c = config.WithFallback(BrokerSettings.Defaults).GetConfig(Section) ?? throw new ConfigurationException($"missing config section {Section}");
        var logDir = c.GetString("log-dir", "");
        var replica = new ReplicaConfig(
            Ms(c, "replica-lag-time-max"),
            c.GetInt("min-insync-replicas"),
            (int)(c.GetByteSize("max-batch-bytes") ?? throw Bad("max-batch-bytes", "must be a size")),
            (int)(c.GetByteSize("replica-fetch-max-bytes") ?? throw Bad("replica-fetch-max-bytes", "must be a size")),
            (int)Ms(c, "replica-fetch-wait-max"),
            Ms(c, "replica-fetch-backoff"),
            Ms(c, "replica-fetch-response-timeout"));
        var settings = new ReplicaManagerSettings(brokerId, string.IsNullOrWhiteSpace(logDir) ? dataDir : logDir, replica, c.GetTimeSpan("tick-interval"),
            c.GetByteSize("segment-bytes") ?? throw Bad("segment-bytes", "must be a size"));
        if (replica.MinInsyncReplicas < 1) throw Bad("min-insync-replicas", "must be at least 1");
        if (replica.ReplicaLagTimeMaxMs <= 0) throw Bad("replica-lag-time-max", "must be positive");
        if (replica.MaxBatchBytes <= 0 || replica.ReplicaFetchMaxBytes <= 0) throw Bad("max-batch-bytes", "and replica-fetch-max-bytes must be positive");
        if (settings.TickInterval <= TimeSpan.Zero) throw Bad("tick-interval", "must be positive");
        if (settings.SegmentBytes < 1024 * 1024) throw Bad("segment-bytes", "must be at least 1MiB");
        return settings;
    }

    private static long Ms(Config c, string key) => (long)c.GetTimeSpan(key).TotalMilliseconds;

    private static ConfigurationException Bad(string key, string why) => new($"{Section}.{key} {why}");
}
