using Akka.Configuration;

namespace ActorKafka.Raft.Tests.Core;

public sealed class RaftSettingsTests
{
    private static RaftSettings Parse(string hocon) => RaftSettings.From(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Defaults_follow_KRaft_and_voters_come_from_HOCON()
    {
        var settings = Parse("""
            actorkafka.raft.node-id = 2
            actorkafka.raft.voters = [ { id = 1, address = "akka.tcp://actorkafka@10.0.0.1:2552" }, { id = 2, address = "akka.tcp://actorkafka@10.0.0.2:2552" } ]
            """);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.ElectionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.FetchTimeout);
        Assert.True(settings.IsVoter);
        Assert.Equal("raft-2", settings.PersistenceId);
        Assert.Equal("akka.tcp://actorkafka@10.0.0.1:2552/user/raft-voter-1", settings.PathOf(settings.Voters[0]));
    }

    [Theory]
    [InlineData("actorkafka.raft.voters = [ { id = 1, address = \"akka.tcp://a@h:1\" } ]", "node-id")]
    [InlineData("actorkafka.raft.node-id = 1", "voters")]
    [InlineData("actorkafka.raft { node-id = 1, voters = [ { id = 1, address = \"not an address\" } ] }", "address")]
    [InlineData("actorkafka.raft { node-id = 1, voters = [ { id = 1, address = \"akka://a\" }, { id = 1, address = \"akka://b\" } ] }", "unique")]
    [InlineData("actorkafka.raft { node-id = 1, voters = [ { id = x, address = \"akka://a\" } ] }", "integer")]
    [InlineData("actorkafka.raft { node-id = 1, voters = [ { id = 1, address = \"akka://a\" } ], fetch-max-wait = 5s }", "fetch-max-wait")]
    [InlineData("actorkafka.raft { node-id = 1, voters = [ { id = 1, address = \"akka://a\" } ], max-batch = 0 }", "max-batch")]
    public void Malformed_configuration_is_rejected_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ConfigurationException>(() => Parse(hocon));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void A_node_outside_the_voter_set_is_an_observer()
    {
        var settings = Parse("actorkafka.raft { node-id = 9, voters = [ { id = 1, address = \"akka://a\" } ] }");
        Assert.False(settings.IsVoter);
    }
}
