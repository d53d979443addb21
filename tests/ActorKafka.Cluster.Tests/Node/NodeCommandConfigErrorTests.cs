using ActorKafka.Node.Cli;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>A node with bad or missing config exits 2 naming the file or key, and starts nothing (not even its data dir).</summary>
public sealed class NodeCommandConfigErrorTests : IDisposable
{
    private readonly string _dir = NodeTestPaths.NewDataDir();
    private readonly string _dataDir;

    public NodeCommandConfigErrorTests()
    {
        Directory.CreateDirectory(_dir);
        _dataDir = Path.Combine(_dir, "node-data");
    }

    public void Dispose() => NodeTestPaths.Delete(_dir);

    private async Task AssertRefusedAsync(string expected, params string[] args)
    {
        var run = await CliRun.RunAsync(["node", "--data-dir", _dataDir, "--port", "0", .. args]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.Empty(run.Stdout);
        Assert.False(Directory.Exists(_dataDir), "nothing may start, not even the data dir");
    }

    [Fact]
    public Task A_missing_config_file_is_named() =>
        AssertRefusedAsync($"{Path.Combine(_dir, "x.conf")}: not found", "--config", Path.Combine(_dir, "x.conf"));

    [Fact]
    public Task A_config_file_that_is_not_hocon_is_named()
    {
        var file = Path.Combine(_dir, "broken.conf");
        File.WriteAllText(file, "actorkafka.node {\n  roles = ${actorkafka.roles}\n}\n");
        return AssertRefusedAsync($"{file}: not valid HOCON: Unresolved substitution: actorkafka.roles", "--config", file);
    }

    [Fact]
    public Task An_unknown_role_is_named_with_the_key() =>
        AssertRefusedAsync("actorkafka.node.roles (from --roles): unknown role 'brokr' (expected store, controller, broker)", "--roles", "store,brokr");

    [Fact]
    public Task A_broker_without_a_store_address_is_refused() =>
        AssertRefusedAsync("actorkafka.coordination.client.store-address: a broker on a node without role store needs the store node's address",
            "--roles", "broker", "--node-id", "3");

    [Fact]
    public Task A_broker_without_a_node_id_is_refused() =>
        AssertRefusedAsync("actorkafka.node.node-id: a broker needs a node id", "--roles", "store,broker");

    [Fact]
    public Task A_seed_that_is_not_an_address_is_named() =>
        AssertRefusedAsync("actorkafka.node.seed-nodes (from --seed-nodes): 'localhost:2552' is not a node address",
            "--roles", "store", "--seed-nodes", "localhost:2552");

    [Fact]
    public Task A_bad_value_under_a_role_setting_is_refused_before_start()
    {
        var file = Path.Combine(_dir, "bad-broker.conf");
        File.WriteAllText(file, "actorkafka.broker.port = 123456");
        return AssertRefusedAsync("actorkafka.broker.port 123456 is not a port", "--config", file, "--roles", "store,broker", "--node-id", "1");
    }
}
