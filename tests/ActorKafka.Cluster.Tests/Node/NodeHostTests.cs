using ActorKafka.Broker;
using ActorKafka.Coordination;
using ActorKafka.Metadata.Zk;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>Two nodes started the way `actorkafka node` starts them: a store+broker seed and a broker joining it.</summary>
public sealed class NodeHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly string _seedDir = NodeTestPaths.NewDataDir();
    private readonly string _brokerDir = NodeTestPaths.NewDataDir();
    private readonly List<NodeHost> _hosts = new();

    private static NodeSettings Load(params (string Flag, string Value)[] flags)
    {
        var loaded = NodeConfigLoader.Load(flags.ToDictionary(f => f.Flag, f => f.Value), _ => null);
        Assert.True(loaded.Error is null, loaded.Error);
        return loaded.Settings!;
    }

    private async Task<NodeHost> StartAsync(NodeSettings settings, Action<ActorSystem>? beforeRoles = null)
    {
        var host = await NodeHost.StartAsync(settings, beforeRoles: beforeRoles).WaitAsync(Bound);
        _hosts.Add(host);
        return host;
    }

    [Fact]
    public async Task Brokers_register_a_controller_is_elected_and_a_cancelled_node_shuts_down_under_control()
    {
        var seed = await StartAsync(Load(("--node-id", "1"), ("--roles", "store,broker"), ("--data-dir", _seedDir), ("--port", "0")));
        Assert.Contains(seed.StartupLines, l => l.StartsWith("store: coordination store at " + seed.SelfAddress, StringComparison.Ordinal));
        var kit = new TestKit(seed.System);

        TestProbe? stoppedProbe = null;
        var broker = await StartAsync(Load(("--node-id", "2"), ("--roles", "broker"), ("--data-dir", _brokerDir), ("--port", "0"),
                ("--seed-nodes", seed.SelfAddress.ToString()), ("--store", seed.SelfAddress.ToString())),
            system =>
            {
                stoppedProbe = kit.CreateTestProbe(system);
                system.EventStream.Subscribe(stoppedProbe.Ref, typeof(BrokerStopped));
            });
        Assert.Contains(broker.StartupLines, l => l.StartsWith($"broker: broker 2 and controller candidate 2 at {broker.SelfAddress}", StringComparison.Ordinal));

        await using var admin = await CoordinationSession.OpenAsync(seed.System, ClientSettings.From(seed.System.Settings.Config));
        await kit.AwaitAssertAsync(async () =>
        {
            Assert.Equal(["1", "2"], (await admin.GetChildrenAsync(ZkPaths.BrokerIds)).Order());
            Assert.NotNull(await admin.ExistsAsync(ZkPaths.Controller));
        }, Bound, TimeSpan.FromMilliseconds(100));

        using var shutdown = new CancellationTokenSource();
        var running = broker.RunAsync(shutdown.Token);
        await shutdown.CancelAsync();
        var lines = await running.WaitAsync(Bound);

        Assert.NotNull(lines);
        Assert.StartsWith("broker 2: controlled shutdown", lines![0], StringComparison.Ordinal);
        stoppedProbe!.ExpectMsg<BrokerStopped>(s => s.BrokerId == 2, Bound);
        Assert.Equal(["1"], await admin.GetChildrenAsync(ZkPaths.BrokerIds));
        await broker.System.WhenTerminated.WaitAsync(Bound);
        await kit.AwaitAssertAsync(() => Assert.DoesNotContain(Akka.Cluster.Cluster.Get(seed.System).State.Members,
            m => m.Address == broker.SelfAddress), Bound, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_node_whose_broker_is_refused_as_a_duplicate_leaves_the_cluster_on_its_own_and_says_why()
    {
        var seed = await StartAsync(Load(("--node-id", "1"), ("--roles", "store,broker"), ("--data-dir", _seedDir), ("--port", "0")));
        var kit = new TestKit(seed.System);
        await using var admin = await CoordinationSession.OpenAsync(seed.System, ClientSettings.From(seed.System.Settings.Config));
        await kit.AwaitAssertAsync(async () => Assert.Equal(["1"], await admin.GetChildrenAsync(ZkPaths.BrokerIds)), Bound, TimeSpan.FromMilliseconds(100));

        var impostor = await StartAsync(Load(("--node-id", "1"), ("--roles", "broker"), ("--data-dir", _brokerDir), ("--port", "0"),
            ("--seed-nodes", seed.SelfAddress.ToString()), ("--store", seed.SelfAddress.ToString())));
        var lines = await impostor.RunAsync(CancellationToken.None).WaitAsync(Bound);

        Assert.Null(lines);
        Assert.StartsWith("broker 1 stopped on its own", impostor.StoppedBecause);
        await impostor.System.WhenTerminated.WaitAsync(Bound);
        await kit.AwaitAssertAsync(() => Assert.DoesNotContain(Akka.Cluster.Cluster.Get(seed.System).State.Members,
            m => m.Address == impostor.SelfAddress), Bound, TimeSpan.FromMilliseconds(100));
        // The registration that was there first is untouched.
        Assert.Equal(["1"], await admin.GetChildrenAsync(ZkPaths.BrokerIds));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime rather than IAsyncDisposable: xunit 2 disposes a test class only through IDisposable or IAsyncLifetime.
    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts)) await host.DisposeAsync();
        NodeTestPaths.Delete(_seedDir, _brokerDir);
    }
}
