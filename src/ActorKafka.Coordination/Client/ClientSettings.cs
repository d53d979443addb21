using Akka.Configuration;

namespace ActorKafka.Coordination;

/// <summary>The client's settings, read from actorkafka.coordination.client.</summary>
public sealed record ClientSettings(
    string StoreAddress,
    string StoreActorName,
    TimeSpan SessionTimeout,
    TimeSpan RequestTimeout,
    TimeSpan ReconnectInterval)
{
    public static ClientSettings From(Config config)
    {
        var c = config.GetConfig("actorkafka.coordination.client")
                ?? throw new ConfigurationException("missing config section actorkafka.coordination.client");
        var settings = new ClientSettings(
            c.GetString("store-address", ""),
            c.GetString("store-actor-name"),
            c.GetTimeSpan("session-timeout"),
            c.GetTimeSpan("request-timeout"),
            c.GetTimeSpan("reconnect-interval"));
        if (settings.SessionTimeout <= TimeSpan.Zero) throw new ConfigurationException("actorkafka.coordination.client.session-timeout must be positive");
        if (settings.RequestTimeout <= TimeSpan.Zero) throw new ConfigurationException("actorkafka.coordination.client.request-timeout must be positive");
        if (settings.ReconnectInterval <= TimeSpan.Zero) throw new ConfigurationException("actorkafka.coordination.client.reconnect-interval must be positive");
        return settings;
    }

    /// <summary>The store actor's path: local when no address is configured.</summary>
    public string StorePath => string.IsNullOrEmpty(StoreAddress)
        ? "/user/" + StoreActorName
        : StoreAddress.TrimEnd('/') + "/user/" + StoreActorName;
}
