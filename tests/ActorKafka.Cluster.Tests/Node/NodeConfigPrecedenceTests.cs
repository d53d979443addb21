using ActorKafka.Node.Hosting;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>Flags win over environment variables, which win over the config file, which wins over the defaults.</summary>
public sealed class NodeConfigPrecedenceTests : IDisposable
{
    private readonly string _dir = NodeTestPaths.NewDataDir();

    public NodeConfigPrecedenceTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => NodeTestPaths.Delete(_dir);

    private string WriteConfig(string name, string hocon)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, hocon);
        return path;
    }

    [Fact]
    public void Flags_beat_environment_which_beats_the_file()
    {
        var file = WriteConfig("node.conf", """
            actorkafka.node { node-id = 4, roles = ["broker"], port = 7003, hostname = "10.0.0.3", data-dir = "from-file" }
            actorkafka.coordination.client.store-address = "akka.tcp://actorkafka@10.0.0.1:2552"
            """);
        var env = new Dictionary<string, string>
        {
            ["ACTORKAFKA_CONFIG"] = file,
            ["ACTORKAFKA_NODE_ID"] = "5",
            ["ACTORKAFKA_PORT"] = "7002",
        };
        var flags = new Dictionary<string, string> { ["--port"] = "7001" };

        var settings = NodeConfigLoader.Load(flags, env.GetValueOrDefault).Settings!;

        Assert.Equal(7001, settings.Port);
        Assert.Equal(7001, settings.Config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(5, settings.NodeId);
        Assert.Equal(5, settings.Config.GetInt("actorkafka.broker.broker-id"));
        Assert.Equal("10.0.0.3", settings.Config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("from-file", settings.DataDir);
        Assert.Equal(["broker"], settings.Roles);
        Assert.Equal("akka.tcp://actorkafka@10.0.0.1:2552", settings.Config.GetString("actorkafka.coordination.client.store-address"));
    }

    [Theory]
    [InlineData("10.0.0.3", null, null, "10.0.0.3")]
    [InlineData("0.0.0.0", null, null, "127.0.0.1")]
    [InlineData("10.0.0.3", "broker-3.example", null, "broker-3.example")]
    [InlineData("10.0.0.3", "broker-3.example", "203.0.113.7", "203.0.113.7")]
    public void The_broker_advertises_its_nodes_host_unless_told_otherwise(string hostname, string? fromFile, string? fromEnvironment, string advertised)
    {
        var brokerHost = fromFile is null ? "" : "actorkafka.broker.host = " + fromFile;
        var file = WriteConfig("broker.conf", $$"""
            actorkafka.node { node-id = 3, roles = ["broker"], hostname = "{{hostname}}" }
            actorkafka.coordination.client.store-address = "akka.tcp://actorkafka@10.0.0.1:2552"
            {{brokerHost}}
            """);
        var env = new Dictionary<string, string> { ["ACTORKAFKA_CONFIG"] = file };
        if (fromEnvironment is not null) env["ACTORKAFKA_BROKER_HOST"] = fromEnvironment;

        var settings = NodeConfigLoader.Load(new Dictionary<string, string>(), env.GetValueOrDefault).Settings!;

        Assert.Equal(advertised, ActorKafka.Broker.BrokerSettings.From(settings.Config).Host);
    }

    [Fact]
    public void An_empty_broker_host_is_refused_by_its_key()
    {
        var file = WriteConfig("broker.conf", """
            actorkafka.node { node-id = 3, roles = ["broker"] }
            actorkafka.coordination.client.store-address = "akka.tcp://actorkafka@10.0.0.1:2552"
            """);
        var loaded = NodeConfigLoader.Load(new Dictionary<string, string> { ["--broker-host"] = " " }, name => name == "ACTORKAFKA_CONFIG" ? file : null);
        Assert.Null(loaded.Settings);
        Assert.Contains("actorkafka.broker.host (from --broker-host): empty", loaded.Error);
    }

    [Fact]
    public void The_config_flag_beats_the_config_variable_and_lists_split_on_commas()
    {
        var fromEnv = WriteConfig("env.conf", "actorkafka.node.roles = [\"store\"]");
        var fromFlag = WriteConfig("flag.conf", "actorkafka.node.roles = [\"store\"]\nactorkafka.node.port = 7100");
        var env = new Dictionary<string, string>
        {
            ["ACTORKAFKA_CONFIG"] = fromEnv,
            ["ACTORKAFKA_SEED_NODES"] = "akka.tcp://actorkafka@10.0.0.1:2552, akka.tcp://actorkafka@10.0.0.2:2552",
            ["ACTORKAFKA_ROLES"] = "store,controller",
        };

        var settings = NodeConfigLoader.Load(new Dictionary<string, string> { ["--config"] = fromFlag }, env.GetValueOrDefault).Settings!;

        Assert.Equal(fromFlag, settings.ConfigFile);
        Assert.Equal(7100, settings.Port);
        Assert.Equal(["store", "controller"], settings.Roles);
        Assert.Equal(2, settings.Config.GetStringList("akka.cluster.seed-nodes").Count);
        Assert.Equal(-1, settings.NodeId);
    }

    [Fact]
    public void A_bad_value_is_reported_with_the_key_and_where_it_came_from()
    {
        var file = WriteConfig("bad-port.conf", "actorkafka.node { roles = [\"store\"], port = 70000 }");
        var fromFile = NodeConfigLoader.LoadFile(file).Error;
        Assert.Equal($"actorkafka.node.port (from {file}): 70000 is not a port (0 to 65535; 0 picks a free one)", fromFile);

        var env = new Dictionary<string, string> { ["ACTORKAFKA_ROLES"] = "store", ["ACTORKAFKA_PORT"] = "ninety" };
        var fromEnv = NodeConfigLoader.Load(new Dictionary<string, string>(), env.GetValueOrDefault).Error;
        Assert.Equal("actorkafka.node.port (from ACTORKAFKA_PORT): 'ninety' is not a whole number", fromEnv);
    }
}
