using ActorKafka.Controller;
using Akka.Configuration;

namespace ActorKafka.Controller.Tests;

/// <summary>The zk controller's settings: defaults from reference.conf, and a bad value refused by its key.</summary>
public sealed class ControllerSettingsTests
{
    [Fact]
    public void Defaults_come_from_reference_conf()
    {
        var settings = ControllerSettings.From(Config.Empty, 1);
        Assert.Equal(1, settings.BrokerId);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.RequestRetryAfter);
        Assert.Equal(200, settings.MaxPartitionsPerRequest);
    }

    [Theory]
    [InlineData("request-retry-after = 0s", "actorkafka.controller.request-retry-after")]
    [InlineData("max-writes-in-flight = 0", "actorkafka.controller.max-writes-in-flight")]
    [InlineData("max-partitions-per-request = -1", "actorkafka.controller.max-partitions-per-request")]
    [InlineData("leader-imbalance-check-interval = 0s", "actorkafka.controller.leader-imbalance-check-interval")]
    public void A_bad_value_is_refused_naming_its_key(string hocon, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => ControllerSettings.From(ConfigurationFactory.ParseString("actorkafka.controller." + hocon), 1));
        Assert.Contains(key, error.Message);
    }
}
