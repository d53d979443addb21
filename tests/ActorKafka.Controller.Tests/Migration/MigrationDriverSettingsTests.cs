using ActorKafka.Controller.Migration;
using Akka.Configuration;

namespace ActorKafka.Controller.Tests.Migration;

public sealed class MigrationDriverSettingsTests
{
    [Fact]
    public void Defaults_leave_the_migration_off()
    {
        var settings = MigrationDriverSettings.From(ConfigurationFactory.Empty, 3000);

        Assert.False(settings.Enabled);
        Assert.Equal(3000, settings.NodeId);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.StoreRequestTimeout);
        Assert.Equal(100, settings.MaxPartitionsPerMulti);
        Assert.Equal("/user/coordination-store", settings.Client.StorePath);
    }

    [Theory]
    [InlineData("max-partitions-per-multi = 0", "actorkafka.controller.migration.max-partitions-per-multi")]
    [InlineData("retry-backoff = 0s", "actorkafka.controller.migration.retry-backoff")]
    [InlineData("request-retry-after = 0s", "actorkafka.controller.migration.request-retry-after")]
    [InlineData("append-timeout = -1s", "actorkafka.controller.migration.append-timeout")]
    [InlineData("enabled = sometimes", "actorkafka.controller.migration.enabled")]
    [InlineData("store-request-timeout = soon", "actorkafka.controller.migration.store-request-timeout")]
    public void A_bad_value_is_refused_naming_its_key(string line, string key)
    {
        var config = ConfigurationFactory.ParseString("actorkafka.controller.migration." + line);

        var error = Assert.Throws<ConfigurationException>(() => MigrationDriverSettings.From(config, 3000));
        Assert.StartsWith(key, error.Message);
    }
}
