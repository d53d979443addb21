using ActorKafka.Broker;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>`actorkafka node` in KRaft mode: a config with actorkafka.raft.voters makes a quorum controller or a broker, and roles that do not fit are refused by key.</summary>
public sealed class KraftNodeHostTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly string _dir = NodeTestPaths.NewDataDir();
    private readonly List<NodeHost> _hosts = new();

    public KraftNodeHostTests() => Directory.CreateDirectory(_dir);

    /// <summary>A config file naming one voter (id 3000) at <paramref name="port"/>.</summary>
    private string VotersFile(int port)
    {
        var file = Path.Combine(_dir, $"voters-{port}.conf");
        File.WriteAllText(file, $$"""
            actorkafka.raft.voters = [ { id = 3000, address = "akka.tcp://actorkafka@127.0.0.1:{{port}}" } ]
            """);
        return file;
    }

    private static NodeConfigResult Load(params (string Flag, string Value)[] flags) =>
        NodeConfigLoader.Load(flags.ToDictionary(f => f.Flag, f => f.Value), _ => null);

    [Theory]
    [InlineData("store", "3000", "actorkafka.node.roles", "belongs to zk mode")]
    [InlineData("controller,broker", "3000", "actorkafka.node.roles", "combined mode is not supported")]
    [InlineData("controller", "7", "actorkafka.node.node-id", "7 is not a voter")]
    [InlineData("broker", "3000", "actorkafka.node.node-id", "3000 is a voter")]
    public void Roles_that_do_not_fit_the_voters_are_refused_naming_the_key(string roles, string nodeId, string key, string why)
    {
        var loaded = Load(("--config", VotersFile(2552)), ("--roles", roles), ("--node-id", nodeId), ("--data-dir", _dir));
        Assert.Null(loaded.Settings);
        Assert.Contains(key, loaded.Error);
        Assert.Contains(why, loaded.Error);
    }

    [Fact]
    public void A_kraft_broker_needs_no_store_address_and_every_ready_kraft_config_loads()
    {
        var broker = Load(("--config", VotersFile(2552)), ("--roles", "broker"), ("--node-id", "1"), ("--data-dir", _dir));
        Assert.True(broker.Error is null, broker.Error);
        Assert.True(NodeMetadataMode.IsKRaft(broker.Settings!.Config));

        var dir = Path.Combine(NodeTestPaths.RepositoryRoot(), "hocon", "kraft-6-nodes");
        var files = Directory.GetFiles(dir, "*.conf").Order().ToArray();
        Assert.Equal(6, files.Length);
        foreach (var file in files)
        {
            var loaded = NodeConfigLoader.LoadFile(file);
            Assert.True(loaded.Error is null, $"{file}: {loaded.Error}");
            var settings = loaded.Settings!;
            Assert.True(NodeMetadataMode.IsKRaft(settings.Config), file);
            var role = Path.GetFileName(file).StartsWith("controller-", StringComparison.Ordinal) ? NodeRoles.Controller : NodeRoles.Broker;
            Assert.Equal([role], settings.Roles);
            Assert.Equal(settings.NodeId, settings.Config.GetInt("actorkafka.raft.node-id"));
        }
    }

    [Fact]
    public async Task A_controller_node_and_a_broker_node_form_a_kraft_cluster_and_the_broker_shuts_down_under_control()
    {
        var port = FreePorts.Next();
        var voters = VotersFile(port);
        var controller = await StartAsync(Load(("--config", voters), ("--roles", "controller"), ("--node-id", "3000"), ("--port", port.ToString()),
            ("--data-dir", Path.Combine(_dir, "controller"))));
        Assert.Contains(controller.StartupLines, l => l.StartsWith("controller: quorum controller 3000, a Raft voter of [3000]", StringComparison.Ordinal));
        Assert.NotNull(controller.Kraft?.Controller);

        var broker = await StartAsync(Load(("--config", voters), ("--roles", "broker"), ("--node-id", "1"), ("--port", "0"),
            ("--seed-nodes", controller.SelfAddress.ToString()), ("--data-dir", Path.Combine(_dir, "broker"))));
        Assert.Contains(broker.StartupLines, l => l.StartsWith("broker: broker 1, a Raft observer of voters [3000]", StringComparison.Ordinal));

        var kit = new TestKit(controller.System);
        await kit.AwaitAssertAsync(async () =>
        {
            var cluster = Assert.IsType<DescribeClusterResponse>(await controller.Kraft!.Controller!.Ask<IQuorumControllerResponse>(new DescribeClusterRequest(1, 0), Bound));
            Assert.Contains(cluster.Brokers, b => b.BrokerId == 1 && !b.Fenced);
        }, Bound, TimeSpan.FromMilliseconds(100));

        using var shutdown = new CancellationTokenSource();
        var running = broker.RunAsync(shutdown.Token);
        await shutdown.CancelAsync();
        var lines = await running.WaitAsync(Bound);
        Assert.NotNull(lines);
        Assert.StartsWith("broker 1: controlled shutdown", lines![0], StringComparison.Ordinal);
        Assert.Equal("node 1: left the cluster", lines[^1]);
        await kit.AwaitAssertAsync(async () =>
        {
            var cluster = Assert.IsType<DescribeClusterResponse>(await controller.Kraft!.Controller!.Ask<IQuorumControllerResponse>(new DescribeClusterRequest(2, 0), Bound));
            Assert.DoesNotContain(cluster.Brokers, b => b.BrokerId == 1 && !b.Fenced);
        }, Bound, TimeSpan.FromMilliseconds(100));
    }

    private async Task<NodeHost> StartAsync(NodeConfigResult loaded)
    {
        Assert.True(loaded.Error is null, loaded.Error);
        var host = await NodeHost.StartAsync(loaded.Settings!).WaitAsync(Bound);
        _hosts.Add(host);
        return host;
    }


    public async ValueTask DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts)) await host.DisposeAsync();
        NodeTestPaths.Delete(_dir);
    }
}
