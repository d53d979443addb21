using Akka.Configuration;

namespace ActorKafka.Broker.Clients;

/// <summary>
/// What a producer or consumer needs: brokers to ask for metadata (ActorSystem addresses such as
/// akka.tcp://actorkafka@127.0.0.1:2552) and its timings, read from actorkafka.client.
/// </summary>
public sealed record KafkaClientSettings(
    IReadOnlyList<string> BootstrapBrokers,
    TimeSpan RequestTimeout,
    TimeSpan RetryBackoff,
    TimeSpan RetryBackoffMax,
    TimeSpan DeliveryTimeout,
    int ProduceTimeoutMs,
    int FetchMaxBytes,
    int FetchMaxWaitMs)
{
    public const string Section = "actorkafka.client";

    public static KafkaClientSettings From(Config config, IReadOnlyList<string>? bootstrap = null)
    {
        var c = config.WithFallback(BrokerSettings.Defaults).GetConfig(Section) ?? throw new ConfigurationException($"missing config section {Section}");
        var settings = new KafkaClientSettings(
            bootstrap ?? c.GetStringList("bootstrap-brokers").ToArray(),
            c.GetTimeSpan("request-timeout"),
            c.GetTimeSpan("retry-backoff"),
            c.GetTimeSpan("retry-backoff-max"),
            c.GetTimeSpan("delivery-timeout"),
            (int)c.GetTimeSpan("produce-timeout").TotalMilliseconds,
            (int)(c.GetByteSize("fetch-max-bytes") ?? 1 << 20),
            (int)c.GetTimeSpan("fetch-max-wait").TotalMilliseconds);
        if (settings.BootstrapBrokers.Count == 0) throw Bad("bootstrap-brokers", "must name at least one broker address");
        foreach (var address in settings.BootstrapBrokers)
            if (!Akka.Actor.ActorPath.TryParseAddress(address, out _)) throw Bad("bootstrap-brokers", $"'{address}' is not an actor system address");
        if (settings.RequestTimeout <= TimeSpan.Zero) throw Bad("request-timeout", "must be positive");
        if (settings.RetryBackoff <= TimeSpan.Zero || settings.RetryBackoffMax < settings.RetryBackoff)
            throw Bad("retry-backoff", "must be positive and at most retry-backoff-max");
        if (settings.DeliveryTimeout <= TimeSpan.Zero) throw Bad("delivery-timeout", "must be positive");
        if (settings.FetchMaxBytes <= 0) throw Bad("fetch-max-bytes", "must be positive");
        return settings;
    }

    private static ConfigurationException Bad(string key, string why) => new($"{Section}.{key} {why}");
}
