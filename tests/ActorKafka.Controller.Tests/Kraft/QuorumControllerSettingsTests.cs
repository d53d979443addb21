using ActorKafka.Controller.Kraft;
using Akka.Configuration;

namespace ActorKafka.Controller.Tests.Kraft;

public sealed class QuorumControllerSettingsTests
{
    [Fact]
    public void Migration_is_off_when_the_key_is_absent()
    {
        var settings = QuorumControllerSettings.From(Config.Empty, 3000);
        Assert.False(settings.MigrationEnabled);
        Assert.False(settings.CoreConfig().MigrationEnabled);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Migration_follows_the_key_into_the_core_config(string value, bool expected)
    {
        var settings = QuorumControllerSettings.From(ConfigurationFactory.ParseString($"actorkafka.controller.migration.enabled = {value}"), 3000);
        Assert.Equal(expected, settings.MigrationEnabled);
        Assert.Equal(expected, settings.CoreConfig().MigrationEnabled);
    }
}
