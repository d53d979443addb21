using ActorKafka.Broker.Replication;
using Akka.Configuration;

namespace ActorKafka.Broker.Examples;

/// <summary>
/// The lag monitor's settings: its timings from actorkafka.examples.lag-monitor, and the ISR size
/// acks=all needs from actorkafka.broker.replication.min-insync-replicas (the replica manager's own
/// key, so the two can never disagree). A bad value is a ConfigurationException naming the key.
/// </summary>
public sealed record LagMonitorSettings(TimeSpan PollInterval, TimeSpan PollTimeout, TimeSpan ReportAfter, int MinInsyncReplicas)
{
    public const string Section = "actorkafka.examples.lag-monitor";

    public static LagMonitorSettings From(Config config)
    {
        var all = config.WithFallback(BrokerSettings.Defaults);
        var c = all.GetConfig(Section) ?? throw new ConfigurationException($"missing config section {Section}");
        var settings = new LagMonitorSettings(
            c.GetTimeSpan("poll-interval"),
            c.GetTimeSpan("poll-timeout"),
            c.GetTimeSpan("report-after"),
            all.GetInt(ReplicaManagerSettings.Section + ".min-insync-replicas"));
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (PollInterval <= TimeSpan.Zero) throw Bad("poll-interval", $"must be positive, not {PollInterval}");
        if (PollTimeout <= TimeSpan.Zero || PollTimeout > PollInterval)
            throw Bad("poll-timeout", $"must be positive and at most poll-interval ({PollInterval}), not {PollTimeout}");
        if (ReportAfter < TimeSpan.Zero) throw Bad("report-after", $"must not be negative, not {ReportAfter}");
        if (MinInsyncReplicas < 1)
            throw new ConfigurationException($"{ReplicaManagerSettings.Section}.min-insync-replicas must be at least 1, not {MinInsyncReplicas}");
    }

    private static ConfigurationException Bad(string key, string why) => new($"{Section}.{key} {why}");
}
