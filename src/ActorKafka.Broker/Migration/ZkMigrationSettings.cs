using ActorKafka.Broker.Kraft;
using ActorKafka.Raft;
using Akka.Configuration;

namespace ActorKafka.Broker.Migration;

/// <summary>
/// A zk-mode broker's part in a migration to KRaft (KIP-866, Kafka's
/// zookeeper.metadata.migration.enable): the controllers it registers with, which are the voters of
/// actorkafka.raft.voters, and the timings of its registration, heartbeats and AlterPartition
/// requests, shared with KRaft brokers (actorkafka.broker.kraft). A bad value is a
/// ConfigurationException naming the key.
/// </summary>
public sealed record ZkMigrationSettings(
    IReadOnlyList<VoterAddress> Controllers,
    TimeSpan HeartbeatInterval,
    TimeSpan RequestTimeout,
    TimeSpan RetryBackoff,
    TimeSpan ControlledShutdownTimeout)
{
    public const string Section = "actorkafka.broker.migration";

    /// <summary>Null when actorkafka.broker.migration.enabled is off: the broker then knows no quorum.</summary>
    public static ZkMigrationSettings? From(Config config)
    {
        var broker = config.WithFallback(BrokerSettings.Defaults).GetConfig("actorkafka.broker");
        if (!ReadEnabled(broker)) return null;
        var kraft = broker.GetConfig("kraft");
        var settings = new ZkMigrationSettings(
            ReadVoters(config),
            kraft.GetTimeSpan("heartbeat-interval"),
            kraft.GetTimeSpan("request-timeout"),
            kraft.GetTimeSpan("retry-backoff"),
            kraft.GetTimeSpan("controlled-shutdown-timeout"));
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (Controllers.Count == 0) throw new ConfigurationException($"actorkafka.raft.voters must name at least one controller when {Section}.enabled is on");
        Positive("heartbeat-interval", HeartbeatInterval);
        Positive("request-timeout", RequestTimeout);
        Positive("retry-backoff", RetryBackoff);
        Positive("controlled-shutdown-timeout", ControlledShutdownTimeout);
    }

    /// <summary>
    /// The pure lifecycle's view of these settings for one incarnation of the broker: a migrating
    /// zk broker registers as such, and is told nothing by a Raft observer.
    /// </summary>
    public BrokerLifecycleConfig LifecycleConfig(int brokerId, string? rack, Guid incarnationId, string actorAddress) => new(
        brokerId,
        incarnationId,
        actorAddress,
        rack,
        Controllers.Select(v => v.Id).ToArray(),
        (long)HeartbeatInterval.TotalMilliseconds,
        (long)RequestTimeout.TotalMilliseconds,
        (long)RetryBackoff.TotalMilliseconds,
        (long)ControlledShutdownTimeout.TotalMilliseconds,
        IsMigratingZkBroker: true);

    private static bool ReadEnabled(Config broker)
    {
        try
        {
            return broker.GetBoolean("migration.enabled");
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"{Section}.enabled must be on or off, not '{broker.GetString("migration.enabled")}'");
        }
    }

    /// <summary>
    /// The voters as the Raft settings parse and check them. A zk broker has no Raft node, so no
    /// actorkafka.raft.node-id of its own: the voters are read as an observer's would be, under a
    /// placeholder id when none is set (only the voter list is kept).
    /// </summary>
    private static IReadOnlyList<VoterAddress> ReadVoters(Config config)
    {
        var raft = config.WithFallback(RaftSettings.Defaults);
        if (raft.GetInt($"{RaftSettings.Section}.node-id", -1) < 0)
            raft = ConfigurationFactory.ParseString($"{RaftSettings.Section}.node-id = 0").WithFallback(raft);
        return RaftSettings.From(raft).Voters;
    }

    private static void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) throw new ConfigurationException($"{KraftBrokerSettings.Section}.{key} must be positive, not {value}");
    }
}
