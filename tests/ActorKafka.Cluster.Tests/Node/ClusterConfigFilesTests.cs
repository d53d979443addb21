using ActorKafka.Node.Hosting;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>The ready cluster configs in hocon/ load through the node command's loader and describe the cluster they claim to.</summary>
public sealed class ClusterConfigFilesTests
{
    private const string Seed = "akka.tcp://actorkafka@127.0.0.1:2552";

    [Theory]
    [InlineData("cluster-3-nodes", 3)]
    [InlineData("cluster-5-nodes", 5)]
    public void Every_node_file_loads_with_its_roles_port_seed_and_store(string cluster, int nodes)
    {
        var dir = Path.Combine(NodeTestPaths.RepositoryRoot(), "hocon", cluster);
        var files = Directory.GetFiles(dir, "*.conf").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Enumerable.Range(1, nodes).Select(n => $"node-{n}.conf"), files.Select(Path.GetFileName));

        for (var n = 1; n <= nodes; n++)
        {
            var loaded = NodeConfigLoader.LoadFile(files[n - 1]);
            Assert.True(loaded.Error is null, loaded.Error);
            var settings = loaded.Settings!;
            Assert.Equal(n, settings.NodeId);
            Assert.Equal(n == 1 ? ["store", "broker"] : ["broker"], settings.Roles);
            Assert.Equal(2551 + n, settings.Port);
            Assert.Equal("127.0.0.1", settings.Hostname);
            Assert.Equal([Seed], settings.SeedNodes.Select(a => a.ToString()));
            Assert.Equal(Seed, settings.StoreAddress);
            Assert.Equal($"./data/node-{n}", settings.DataDir);
            Assert.Equal(2551 + n, settings.Config.GetInt("akka.remote.dot-netty.tcp.port"));
            Assert.Equal(n, settings.Config.GetInt("actorkafka.broker.broker-id"));
            Assert.Equal(9091 + n, settings.Config.GetInt("actorkafka.broker.port"));
            Assert.Equal(settings.Roles, settings.Config.GetStringList("akka.cluster.roles"));
        }
    }

    [Fact]
    public void The_single_node_template_loads()
    {
        var loaded = NodeConfigLoader.LoadFile(Path.Combine(NodeTestPaths.RepositoryRoot(), "hocon", "node.conf"));
        Assert.True(loaded.Error is null, loaded.Error);
        Assert.Equal(["store", "broker"], loaded.Settings!.Roles);
    }
}
