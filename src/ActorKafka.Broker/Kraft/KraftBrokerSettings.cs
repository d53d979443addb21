using ActorKafka.Raft;
using Akka.Configuration;

namespace ActorKafka.Broker.Kraft;

/// <summary>
/// A KRaft broker's settings: its id and rack from actorkafka.broker, its timings from
/// actorkafka.broker.kraft, and the controllers it may talk to, which are the Raft voters of
/// actorkafka.raft.voters. A bad value is a ConfigurationException naming the key.
/// </summary>
public sealed record KraftBrokerSettings(
    int BrokerId,
    string? Rack,
    IReadOnlyList<VoterAddress> Controllers,
    TimeSpan HeartbeatInterval,
    TimeSpan RequestTimeout,
    TimeSpan RetryBackoff,
    TimeSpan ControlledShutdownTimeout,
    int StateMetadataMaxPartitions,
    TimeSpan DuplicateRegistrationRetry)
{
    public const string Section = "actorkafka.broker.kraft";

    public static KraftBrokerSettings From(Config config)
    {
        var broker = config.WithFallback(BrokerSettings.Defaults).GetConfig("actorkafka.broker");
        var brokerId = broker.GetInt("broker-id");
        // Checked before the Raft section, so a missing id is reported under the key a broker operator sets.
        if (brokerId < 0)
            throw new ConfigurationException(
                $"actorkafka.broker.broker-id must be set to a non-negative id in kraft mode (it is {brokerId}): KRaft brokers do not generate ids");
        var raft = RaftSettings.From(config);
        if (raft.NodeId != brokerId)
            throw new ConfigurationException(
                $"actorkafka.raft.node-id ({raft.NodeId}) must equal actorkafka.broker.broker-id ({brokerId}): the broker's Raft observer fetches under the broker's id");
        var rack = broker.GetString("rack", "");
        var c = broker.GetConfig("kraft");
        var settings = new KraftBrokerSettings(
            brokerId,
            string.IsNullOrEmpty(rack) ? null : rack,
            raft.Voters,
            c.GetTimeSpan("heartbeat-interval"),
            c.GetTimeSpan("request-timeout"),
            c.GetTimeSpan("retry-backoff"),
            c.GetTimeSpan("controlled-shutdown-timeout"),
            c.GetInt("state-metadata-max-partitions"),
            c.GetTimeSpan("duplicate-registration-retry"));
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (BrokerId < 0) throw new ConfigurationException($"actorkafka.broker.broker-id must be non-negative in kraft mode, not {BrokerId}");
        if (Controllers.Count == 0) throw new ConfigurationException("actorkafka.raft.voters must name at least one controller");
        Positive("heartbeat-interval", HeartbeatInterval);
        Positive("request-timeout", RequestTimeout);
        Positive("retry-backoff", RetryBackoff);
        Positive("controlled-shutdown-timeout", ControlledShutdownTimeout);
        if (DuplicateRegistrationRetry < TimeSpan.Zero)
            throw new ConfigurationException($"{Section}.duplicate-registration-retry must not be negative, not {DuplicateRegistrationRetry}");
        if (StateMetadataMaxPartitions < 0)
            throw new ConfigurationException($"{Section}.state-metadata-max-partitions must not be negative, not {StateMetadataMaxPartitions}");
    }

    /// <summary>The pure lifecycle's view of these settings, for one incarnation of the broker.</summary>
    public BrokerLifecycleConfig LifecycleConfig(Guid incarnationId, string actorAddress) => new(
        BrokerId,
        incarnationId,
        actorAddress,
        Rack,
        Controllers.Select(v => v.Id).ToArray(),
        (long)HeartbeatInterval.TotalMilliseconds,
        (long)RequestTimeout.TotalMilliseconds,
        (long)RetryBackoff.TotalMilliseconds,
        (long)ControlledShutdownTimeout.TotalMilliseconds,
        DuplicateRegistrationRetryMs: (long)DuplicateRegistrationRetry.TotalMilliseconds);

    private static void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) throw new ConfigurationException($"{Section}.{key} must be positive, not {value}");
    }
}
