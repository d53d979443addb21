using ActorKafka.Coordination;
using Akka.Configuration;

namespace ActorKafka.Controller;

public sealed record ControllerSettings(
    int BrokerId,
    bool UncleanLeaderElectionEnable,
    bool AutoLeaderRebalanceEnable,
    TimeSpan LeaderImbalanceCheckInterval,
    double LeaderImbalancePerBrokerPercentage,
    TimeSpan StoreRequestTimeout,
    int MaxWritesInFlight,
    int MaxReadsInFlight,
    int MaxPartitionsPerRequest,
    int MaxReadsPerRequest,
    int MaxPartitionsPerWrite,
    ClientSettings Client,
    TimeSpan RequestRetryAfter)
{
    public static Config Defaults { get; } = ConfigurationFactory.FromResource<ControllerSettings>("ActorKafka.Controller.reference.conf");

    /// <summary>The controller runs on a broker node and takes that broker's id.</summary>
    public static ControllerSettings From(Config config, int brokerId)
    {
        var c = config.WithFallback(Defaults).GetConfig("actorkafka.controller");
        var settings = new ControllerSettings(
            brokerId,
            c.GetBoolean("unclean-leader-election-enable"),
            c.GetBoolean("auto-leader-rebalance-enable"),
            c.GetTimeSpan("leader-imbalance-check-interval"),
            c.GetDouble("leader-imbalance-per-broker-percentage"),
            c.GetTimeSpan("store-request-timeout"),
            c.GetInt("max-writes-in-flight"),
            c.GetInt("max-reads-in-flight"),
            c.GetInt("max-partitions-per-request"),
            c.GetInt("max-reads-per-request"),
            c.GetInt("max-partitions-per-write"),
            ClientSettings.From(config.WithFallback(StorePersistence.CoordinationDefaults)),
            c.GetTimeSpan("request-retry-after"));
        if (settings.MaxWritesInFlight <= 0) throw new ConfigurationException("actorkafka.controller.max-writes-in-flight must be positive");
        if (settings.MaxPartitionsPerRequest <= 0) throw new ConfigurationException("actorkafka.controller.max-partitions-per-request must be positive");
        if (settings.MaxPartitionsPerWrite <= 0) throw new ConfigurationException("actorkafka.controller.max-partitions-per-write must be positive");
        if (settings.MaxReadsPerRequest <= 0) throw new ConfigurationException("actorkafka.controller.max-reads-per-request must be positive");
        if (settings.MaxReadsInFlight <= 0) throw new ConfigurationException("actorkafka.controller.max-reads-in-flight must be positive");
        if (settings.LeaderImbalanceCheckInterval <= TimeSpan.Zero)
            throw new ConfigurationException("actorkafka.controller.leader-imbalance-check-interval must be positive");
        if (settings.RequestRetryAfter <= TimeSpan.Zero) throw new ConfigurationException("actorkafka.controller.request-retry-after must be positive");
        return settings;
    }
}
