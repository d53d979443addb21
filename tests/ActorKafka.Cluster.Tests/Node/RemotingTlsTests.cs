using ActorKafka.Coordination;
using ActorKafka.Metadata.Zk;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>
/// Nodes started the way `actorkafka node --tls-enabled on` starts them: they form a cluster over
/// TLS, the CLI reaches them with the ACTORKAFKA_TLS_* variables, and nothing without TLS (or that
/// does not trust their certificate) gets through.
/// </summary>
public sealed class RemotingTlsTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>How long a refused peer is given: a TLS join or delivery on loopback takes well under a second.</summary>
    private static readonly TimeSpan RefusedBound = TimeSpan.FromSeconds(5);

    private const string Password = "cluster pfx";
    private readonly string _dir = NodeTestPaths.NewDataDir();
    private readonly string _certificate;
    private readonly List<NodeHost> _hosts = new();
    private readonly List<ActorSystem> _clients = new();

    public RemotingTlsTests()
    {
        Directory.CreateDirectory(_dir);
        _certificate = TestCertificates.WritePfx(_dir, "cluster", Password);
    }

    private static Func<string, string?> TlsVariables(string certificate, bool suppressValidation = true) => name => name switch
    {
        "ACTORKAFKA_TLS_ENABLED" => "on",
        "ACTORKAFKA_TLS_CERTIFICATE" => certificate,
        "ACTORKAFKA_TLS_CERTIFICATE_PASSWORD" => Password,
        // The test certificate is self-signed and trusted nowhere: the nodes accept it only with validation suppressed.
        "ACTORKAFKA_TLS_SUPPRESS_VALIDATION" => suppressValidation ? "on" : "off",
        _ => null,
    };

    private static readonly Func<string, string?> Plain = _ => null;

    private NodeSettings Load(Func<string, string?> environment, params (string Flag, string Value)[] flags)
    {
        var node = Path.Combine(_dir, "node-" + Guid.NewGuid().ToString("N"));
        var loaded = NodeConfigLoader.Load(new Dictionary<string, string>(flags.Select(f => KeyValuePair.Create(f.Flag, f.Value)))
        {
            ["--data-dir"] = node,
            ["--port"] = "0",
        }, environment);
        Assert.True(loaded.Error is null, loaded.Error);
        return loaded.Settings!;
    }

    private async Task<NodeHost> StartAsync(NodeSettings settings)
    {
        var host = await NodeHost.StartAsync(settings).WaitAsync(Bound);
        _hosts.Add(host);
        return host;
    }

    /// <summary>Starting a node that should never get into the cluster: it is still joining when the bound runs out.</summary>
    private static async Task AssertJoinRefusedAsync(NodeSettings settings)
    {
        using var giveUp = new CancellationTokenSource(RefusedBound);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NodeHost.StartAsync(settings, giveUp.Token));
    }

    /// <summary>A remoting-only system like the CLI's, with or without TLS.</summary>
    private ActorSystem StartClient(RemotingTls? tls)
    {
        var options = new NodeOptions(Path.Combine(_dir, "client"), [], [], ExtraHocon: "akka.actor.provider = remote", Tls: tls);
        var system = ActorSystem.Create("actorkafka-client", NodeConfig.Build(options));
        _clients.Add(system);
        return system;
    }

    [Fact]
    public async Task Two_tls_nodes_form_a_cluster_and_the_second_nodes_broker_registers_with_the_first_nodes_store()
    {
        var seed = await StartAsync(Load(TlsVariables(_certificate), ("--roles", "store,broker"), ("--node-id", "1")));
        Assert.Equal(RemotingTls.AddressProtocol, seed.SelfAddress.Protocol);
        Assert.Contains(seed.StartupLines, l => l.StartsWith("tls: remoting over TLS with the certificate in " + _certificate, StringComparison.Ordinal));

        var broker = await StartAsync(Load(TlsVariables(_certificate), ("--roles", "broker"), ("--node-id", "2"),
            ("--seed-nodes", seed.SelfAddress.ToString()), ("--store", seed.SelfAddress.ToString())));

        var kit = new TestKit(seed.System);
        // Cluster.State is a view the cluster's events update after the fact, so it may trail the node's own Up.
        await kit.AwaitAssertAsync(() => Assert.Equal(new HashSet<Address> { seed.SelfAddress, broker.SelfAddress },
            Akka.Cluster.Cluster.Get(seed.System).State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address).ToHashSet()),
            Bound, TimeSpan.FromMilliseconds(100));
        await using var admin = await CoordinationSession.OpenAsync(seed.System, ClientSettings.From(seed.System.Settings.Config));
        await kit.AwaitAssertAsync(async () => Assert.Equal(["1", "2"], (await admin.GetChildrenAsync(ZkPaths.BrokerIds)).Order()),
            Bound, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_node_without_tls_does_not_join_a_tls_cluster()
    {
        var seed = await StartAsync(Load(TlsVariables(_certificate), ("--roles", "store")));
        var plainSeed = new Address(RemotingTls.PlainAddressProtocol, seed.SelfAddress.System, seed.SelfAddress.Host, seed.SelfAddress.Port);

        await AssertJoinRefusedAsync(Load(Plain, ("--roles", "controller"), ("--seed-nodes", plainSeed.ToString())));

        Assert.Equal([seed.SelfAddress], Akka.Cluster.Cluster.Get(seed.System).State.Members.Select(m => m.Address));
    }

    [Fact]
    public async Task A_tls_node_that_validates_certificates_does_not_join_a_seed_whose_self_signed_certificate_it_does_not_trust()
    {
        var seed = await StartAsync(Load(TlsVariables(_certificate), ("--roles", "store")));

        await AssertJoinRefusedAsync(Load(TlsVariables(_certificate, suppressValidation: false),
            ("--roles", "controller"), ("--seed-nodes", seed.SelfAddress.ToString())));

        Assert.Equal([seed.SelfAddress], Akka.Cluster.Cluster.Get(seed.System).State.Members.Select(m => m.Address));
    }

    [Fact]
    public async Task A_tls_client_reaches_an_actor_on_a_tls_node_and_a_plain_client_does_not()
    {
        var node = await StartAsync(Load(TlsVariables(_certificate), ("--roles", "store")));
        var kit = new TestKit(node.System);
        var probe = kit.CreateTestProbe(node.System);
        var path = string.Join("/", probe.Ref.Path.Elements);

        var tlsClient = StartClient(new RemotingTls(_certificate, Password, SuppressValidation: true));
        tlsClient.ActorSelection($"{node.SelfAddress}/{path}").Tell("over tls");
        probe.ExpectMsg("over tls", Bound);

        var plainClient = StartClient(null);
        plainClient.ActorSelection($"{RemotingTls.PlainAddressProtocol}://{node.SelfAddress.System}@{node.SelfAddress.Host}:{node.SelfAddress.Port}/{path}")
            .Tell("in the clear");
        probe.ExpectNoMsg(RefusedBound);
    }

    [Fact]
    public async Task Cluster_describe_reaches_a_tls_store_with_the_tls_variables_and_is_refused_without_them()
    {
        var node = await StartAsync(Load(TlsVariables(_certificate), ("--roles", "store,broker"), ("--node-id", "1")));
        var kit = new TestKit(node.System);
        await using (var admin = await CoordinationSession.OpenAsync(node.System, ClientSettings.From(node.System.Settings.Config)))
            await kit.AwaitAssertAsync(async () => Assert.NotNull(await admin.ExistsAsync(ZkPaths.Controller)), Bound, TimeSpan.FromMilliseconds(100));
        var store = node.SelfAddress.ToString();

        var described = await CliRun.RunAsync(TlsVariables(_certificate), "cluster", "describe", "--store", store, "--json");

        Assert.True(described.ExitCode == ExitCodes.Ok, described.Shown);
        var json = described.Json();
        Assert.Equal(1, json.GetProperty("controller").GetProperty("id").GetInt32());
        Assert.Equal([1], json.GetProperty("brokers").EnumerateArray().Select(b => b.GetProperty("id").GetInt32()));

        var plain = await CliRun.RunAsync(Plain, "cluster", "describe", "--store", store);
        Assert.Equal(ExitCodes.Usage, plain.ExitCode);
        Assert.Contains("is the address of a TLS node: set ACTORKAFKA_TLS_ENABLED=on", plain.Stderr);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime rather than IAsyncDisposable: xunit 2 disposes a test class only through IDisposable or IAsyncLifetime.
    public async Task DisposeAsync()
    {
        foreach (var client in _clients) await client.Terminate();
        foreach (var host in Enumerable.Reverse(_hosts)) await host.DisposeAsync();
        NodeTestPaths.Delete(_dir);
    }
}
