using ActorKafka.Node.Hosting;
using Akka.Configuration;

namespace ActorKafka.Coordination.Tests.Hosting;

/// <summary>The deployable files in hocon/ parse and say what they claim.</summary>
public sealed class HoconFilesTests
{
    private static string HoconDir([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "hocon"));

    private static Config Load(string file) =>
        ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(HoconDir(), file))).WithFallback(NodeConfig.NodeDefaults);

    [Fact]
    public void Node_conf_sets_roles_seeds_and_the_store_address()
    {
        var config = Load("node.conf");
        Assert.Equal(new[] { "store", "broker" }, config.GetStringList("akka.cluster.roles"));
        Assert.Equal(2552, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("akka.tcp://actorkafka@127.0.0.1:2552", ClientSettings.From(config.WithFallback(StorePersistence.CoordinationDefaults)).StoreAddress);
    }

    [Fact]
    public void Fast_failure_detection_shortens_downing()
    {
        var config = Load("fast-failure-detection.conf");
        Assert.True(config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after") <= TimeSpan.FromSeconds(5));
        Assert.True(config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause") <= TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void A_store_node_gets_sqlite_in_its_data_dir_and_a_member_gets_no_journal()
    {
        using var dir = new Infrastructure.TempDataDir();
        var store = NodeConfig.Build(new NodeOptions(dir.Path, [NodeRoles.Store], []));
        Assert.Contains(dir.Path, store.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("cluster", store.GetString("akka.actor.provider"));
        var member = NodeConfig.Build(new NodeOptions(dir.Path, [NodeRoles.Broker], ["akka.tcp://actorkafka@127.0.0.1:2552"]));
        Assert.False(member.HasPath("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(new[] { "akka.tcp://actorkafka@127.0.0.1:2552" }, member.GetStringList("akka.cluster.seed-nodes"));
    }
}
