using ActorKafka.Broker.Migration;
using ActorKafka.Coordination;
using Akka.Configuration;

namespace ActorKafka.Broker;

public sealed record BrokerSettings(
    int BrokerId,
    int ReservedBrokerMaxId,
    string Host,
    int Port,
    string? Rack,
    TimeSpan StoreRequestTimeout,
    TimeSpan ControlledShutdownTimeout,
    int ControlledShutdownMaxRetries,
    TimeSpan ControlledShutdownRetryBackoff,
    ClientSettings Client,
    ZkMigrationSettings? Migration = null)
{
    public static Config Defaults { get; } = ConfigurationFactory.FromResource<BrokerSettings>("ActorKafka.Broker.reference.conf");

    public static BrokerSettings From(Config config)
    {
        var c = config.WithFallback(Defaults).GetConfig("actorkafka.broker");
        var rack = c.GetString("rack", "");
        var settings = new BrokerSettings(
            c.GetInt("broker-id"),
            c.GetInt("reserved-broker-max-id"),
            c.GetString("host"),
            c.GetInt("port"),
            string.IsNullOrEmpty(rack) ? null : rack,
            c.GetTimeSpan("store-request-timeout"),
            c.GetTimeSpan("controlled-shutdown-timeout"),
            c.GetInt("controlled-shutdown-max-retries"),
            c.GetTimeSpan("controlled-shutdown-retry-backoff"),
            ClientSettings.From(config.WithFallback(StorePersistence.CoordinationDefaults)),
            ZkMigrationSettings.From(config));
        if (settings.BrokerId < -1) throw new ConfigurationException($"actorkafka.broker.broker-id must be -1 (generate) or a non-negative id, not {settings.BrokerId}");
        if (settings.BrokerId > settings.ReservedBrokerMaxId)
            throw new ConfigurationException($"actorkafka.broker.broker-id {settings.BrokerId} is above reserved-broker-max-id {settings.ReservedBrokerMaxId}; ids above it are generated");
        if (settings.Port is < 0 or > 65535) throw new ConfigurationException($"actorkafka.broker.port {settings.Port} is not a port");
        return settings;
    }
}
