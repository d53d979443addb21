using ActorKafka.Broker.Migration;
using Akka.Configuration;

namespace ActorKafka.Broker.Tests.Migration;

public sealed class ZkMigrationSettingsTests
{
    private const string Voters = """
        actorkafka.raft.voters = [
          { id = 3000, address = "akka.tcp://actorkafka@10.0.0.1:2552" },
          { id = 3001, address = "akka.tcp://actorkafka@10.0.0.2:2552" }
        ]
        """;

    private static BrokerSettings Read(string hocon) => BrokerSettings.From(ConfigurationFactory.ParseString(hocon));

    private static string Refused(string hocon) => Assert.Throws<ConfigurationException>(() => Read(hocon)).Message;

    [Fact]
    public void Migration_is_off_by_default_and_then_needs_no_voters()
    {
        Assert.Null(Read("actorkafka.broker.broker-id = 1").Migration);
        Assert.Null(Read("actorkafka.broker.migration.enabled = off").Migration);
    }

    [Fact]
    public void When_on_the_controllers_are_the_raft_voters_without_a_raft_node_id_and_the_timings_are_the_kraft_brokers()
    {
        var settings = Read("""
            actorkafka.broker.broker-id = 1
            actorkafka.broker.migration.enabled = on
            actorkafka.broker.kraft { heartbeat-interval = 250ms, request-timeout = 1s, retry-backoff = 100ms, controlled-shutdown-timeout = 3s }
            """ + "\n" + Voters);
        var migration = Assert.IsType<ZkMigrationSettings>(settings.Migration);
        Assert.Equal([(3000, "akka.tcp://actorkafka@10.0.0.1:2552"), (3001, "akka.tcp://actorkafka@10.0.0.2:2552")],
            migration.Controllers.Select(c => (c.Id, c.Address)));
        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3)),
            (migration.HeartbeatInterval, migration.RequestTimeout, migration.RetryBackoff, migration.ControlledShutdownTimeout));

        var config = migration.LifecycleConfig(1, "r1", Guid.NewGuid(), "akka.tcp://actorkafka@10.0.0.9:2552");
        Assert.True(config.IsMigratingZkBroker);
        Assert.Equal([3000, 3001], config.ControllerIds);
        Assert.Equal(250, config.HeartbeatIntervalMs);
    }

    [Fact]
    public void A_node_id_set_for_another_role_on_the_node_does_not_matter()
    {
        var settings = Read("actorkafka.broker.migration.enabled = true\nactorkafka.raft.node-id = 3000\n" + Voters);
        Assert.Equal(2, settings.Migration!.Controllers.Count);
    }

    [Fact]
    public void Bad_values_are_refused_naming_the_key()
    {
        Assert.Contains("actorkafka.raft.voters", Refused("actorkafka.broker.migration.enabled = on"));
        Assert.Contains("actorkafka.broker.migration.enabled", Refused("actorkafka.broker.migration.enabled = sometimes\n" + Voters));
        Assert.Contains("actorkafka.raft.voters", Refused("""
            actorkafka.broker.migration.enabled = on
            actorkafka.raft.voters = [ { id = 3000, address = "not an address" } ]
            """));
        Assert.Contains("actorkafka.raft.voters", Refused("""
            actorkafka.broker.migration.enabled = on
            actorkafka.raft.voters = [ { id = 1, address = "akka.tcp://a@h:1" }, { id = 1, address = "akka.tcp://a@h:2" } ]
            """));
        Assert.Contains("actorkafka.broker.kraft.heartbeat-interval",
            Refused("actorkafka.broker.migration.enabled = on\nactorkafka.broker.kraft.heartbeat-interval = 0s\n" + Voters));
    }
}
