using Akka.Configuration;

namespace ActorKafka.Coordination;

/// <summary>The store's settings, read from actorkafka.coordination.store.</summary>
public sealed record StoreSettings(
    string PersistenceId,
    string ActorName,
    TimeSpan TickTime,
    StoreLimits Limits,
    int SnapshotEvery,
    string JournalPluginId,
    string SnapshotPluginId)
{
    public static StoreSettings From(Config config)
    {
        var c = config.GetConfig("actorkafka.coordination.store")
                ?? throw new ConfigurationException("missing config section actorkafka.coordination.store");
        var limits = new StoreLimits(
            c.GetInt("max-data-bytes"),
            (int)c.GetTimeSpan("min-session-timeout").TotalMilliseconds,
            (int)c.GetTimeSpan("max-session-timeout").TotalMilliseconds);
        var settings = new StoreSettings(
            c.GetString("persistence-id"),
            c.GetString("actor-name"),
            c.GetTimeSpan("tick-time"),
            limits,
            c.GetInt("snapshot-every"),
            c.GetString("journal-plugin"),
            c.GetString("snapshot-plugin"));
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(PersistenceId)) throw Bad("persistence-id", "must not be empty");
        if (string.IsNullOrWhiteSpace(ActorName)) throw Bad("actor-name", "must not be empty");
        if (TickTime <= TimeSpan.Zero) throw Bad("tick-time", "must be positive");
        if (Limits.MaxDataBytes <= 0) throw Bad("max-data-bytes", "must be positive");
        if (Limits.MinSessionTimeoutMs <= 0 || Limits.MinSessionTimeoutMs > Limits.MaxSessionTimeoutMs)
            throw Bad("min-session-timeout", "must be positive and not above max-session-timeout");
        if (SnapshotEvery <= 0) throw Bad("snapshot-every", "must be positive");
    }

    private static ConfigurationException Bad(string key, string why) =>
        new($"actorkafka.coordination.store.{key} {why}");
}
