using ActorKafka.Coordination;
using Akka.Configuration;

namespace ActorKafka.Controller.Migration;

/// <summary>The migration driver's settings: actorkafka.controller.migration plus the coordination client's.</summary>
public sealed record MigrationDriverSettings(
    int NodeId,
    bool Enabled,
    TimeSpan StoreRequestTimeout,
    TimeSpan AppendTimeout,
    TimeSpan RetryBackoff,
    int MaxPartitionsPerMulti,
    int MaxReadsInFlight,
    int MaxReadsPerRequest,
    int MaxPartitionsPerRequest,
    int MaxRecordsPerCopyBatch,
    ClientSettings Client,
    TimeSpan RequestRetryAfter)
{
    public const string Section = "actorkafka.controller.migration";

    /// <summary>The driver runs on a KRaft controller node and takes that node's Raft id.</summary>
    public static MigrationDriverSettings From(Config config, int nodeId)
    {
        var root = config.WithFallback(ControllerSettings.Defaults);
        var c = root.GetConfig(Section) ?? throw new ConfigurationException($"missing config section {Section}");
        var settings = new MigrationDriverSettings(
            nodeId,
            Read(() => c.GetBoolean("enabled"), "enabled"),
            Read(() => c.GetTimeSpan("store-request-timeout"), "store-request-timeout"),
            Read(() => c.GetTimeSpan("append-timeout"), "append-timeout"),
            Read(() => c.GetTimeSpan("retry-backoff"), "retry-backoff"),
            Read(() => c.GetInt("max-partitions-per-multi"), "max-partitions-per-multi"),
            Read(() => c.GetInt("max-reads-in-flight"), "max-reads-in-flight"),
            Read(() => c.GetInt("max-reads-per-request"), "max-reads-per-request"),
            Read(() => c.GetInt("max-partitions-per-request"), "max-partitions-per-request"),
            Read(() => c.GetInt("max-records-per-copy-batch"), "max-records-per-copy-batch"),
            ClientSettings.From(config.WithFallback(StorePersistence.CoordinationDefaults)),
            Read(() => c.GetTimeSpan("request-retry-after"), "request-retry-after"));
        if (settings.StoreRequestTimeout <= TimeSpan.Zero) throw Bad("store-request-timeout", "must be positive");
        if (settings.AppendTimeout <= TimeSpan.Zero) throw Bad("append-timeout", "must be positive");
        if (settings.RetryBackoff <= TimeSpan.Zero) throw Bad("retry-backoff", "must be positive");
        if (settings.MaxPartitionsPerMulti <= 0) throw Bad("max-partitions-per-multi", "must be positive");
        if (settings.MaxReadsInFlight <= 0) throw Bad("max-reads-in-flight", "must be positive");
        if (settings.MaxReadsPerRequest <= 0) throw Bad("max-reads-per-request", "must be positive");
        if (settings.MaxPartitionsPerRequest <= 0) throw Bad("max-partitions-per-request", "must be positive");
        if (settings.MaxRecordsPerCopyBatch <= 0) throw Bad("max-records-per-copy-batch", "must be positive");
        if (settings.RequestRetryAfter <= TimeSpan.Zero) throw Bad("request-retry-after", "must be positive");
        return settings;
    }

    // HOCON's own errors ("not a boolean", "not a duration") do not say which key; ours do.
    private static T Read<T>(Func<T> read, string key)
    {
        try
        {
            return read();
        }
        catch (Exception e)
        {
            throw Bad(key, $"is not valid: {e.Message}");
        }
    }

    private static ConfigurationException Bad(string key, string why) => new($"{Section}.{key} {why}");
}
