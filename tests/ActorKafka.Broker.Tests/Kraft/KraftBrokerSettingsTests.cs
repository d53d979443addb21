using ActorKafka.Broker.Kraft;
using Akka.Configuration;

namespace ActorKafka.Broker.Tests.Kraft;

public sealed class KraftBrokerSettingsTests
{
    private const string Voters = """
        actorkafka.raft.voters = [
          { id = 3000, address = "akka.tcp://actorkafka@10.0.0.1:2552" },
          { id = 3001, address = "akka.tcp://actorkafka@10.0.0.2:2552" }
        ]
        """;

    private static KraftBrokerSettings Read(string hocon) => KraftBrokerSettings.From(ConfigurationFactory.ParseString(hocon + "\n" + Voters));

    [Fact]
    public void Defaults_are_kafkas_and_the_controllers_are_the_raft_voters()
    {
        var settings = Read("actorkafka.broker.broker-id = 4, actorkafka.raft.node-id = 4, actorkafka.broker.rack = r2");
        Assert.Equal((4, "r2"), (settings.BrokerId, settings.Rack));
        Assert.Equal([3000, 3001], settings.Controllers.Select(c => c.Id));
        Assert.Equal(TimeSpan.FromSeconds(2), settings.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.RequestTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(200), settings.RetryBackoff);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ControlledShutdownTimeout);
        Assert.Equal(5000, settings.StateMetadataMaxPartitions);
        Assert.Equal([3000, 3001], settings.LifecycleConfig(Guid.NewGuid(), "akka://x").ControllerIds);
    }

    [Fact]
    public void Overrides_are_read_from_the_kraft_section()
    {
        var settings = Read("""
            actorkafka.broker.broker-id = 4
            actorkafka.raft.node-id = 4
            actorkafka.broker.kraft { heartbeat-interval = 250ms, request-timeout = 1s, retry-backoff = 100ms, controlled-shutdown-timeout = 3s }
            """);
        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3)),
            (settings.HeartbeatInterval, settings.RequestTimeout, settings.RetryBackoff, settings.ControlledShutdownTimeout));
        Assert.Null(settings.Rack);
    }

    [Fact]
    public void A_broker_without_an_id_is_refused_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("actorkafka.raft.node-id = 4"));
        Assert.Contains("actorkafka.broker.broker-id", error.Message);
    }

    [Fact]
    public void The_raft_node_id_must_be_the_broker_id()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("actorkafka.broker.broker-id = 4, actorkafka.raft.node-id = 5"));
        Assert.Contains("actorkafka.raft.node-id", error.Message);
    }

    [Fact]
    public void A_zero_timeout_is_refused_naming_the_key()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            Read("actorkafka.broker.broker-id = 4, actorkafka.raft.node-id = 4, actorkafka.broker.kraft.request-timeout = 0s"));
        Assert.Contains("actorkafka.broker.kraft.request-timeout", error.Message);
    }
}
