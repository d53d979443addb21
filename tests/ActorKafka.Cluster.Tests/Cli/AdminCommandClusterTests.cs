using ActorKafka.Broker;
using ActorKafka.Controller;
using static ActorKafka.Testing.CliRun;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>`cluster describe`, `topics create` and `topics describe` against a running zk-mode cluster (--store ADDRESS).</summary>
public sealed class AdminCommandClusterTests
{
    [Fact]
    public async Task Topics_create_then_describe_shows_the_leaders_the_controller_elected()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        h.AwaitController();
        var store = h.Cluster.StoreAddress.ToString();

        var created = await RunAsync("topics", "create", "--topic", "orders", "--partitions", "6", "--replication-factor", "3",
            "--config", "retention.ms=86400000", "--config", "cleanup.policy=compact", "--store", store);
        Assert.True(created.ExitCode == 0, created.Shown);
        Assert.Equal("Created topic orders.", created.Stdout[0]);
        Assert.Matches(@"^PARTITION\s+REPLICAS", created.Stdout[1]);
        Assert.Equal(8, created.Stdout.Count);
        Assert.All(created.Stdout.Skip(2), row => Assert.Matches(@"^\d\s+\d,\d,\d$", row));
        h.AwaitPartitions("orders", ps => ps.Count == 6 && ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "all 6 partitions led");
        var expected = await h.DescribeAsync("orders");

        var text = await RunAsync("topics", "describe", "--topic", "orders", "--store", store);
        Assert.True(text.ExitCode == 0, text.Shown);
        Assert.Equal(7, text.Stdout.Count);
        Assert.Matches(@"^Topic: orders\tTopicId: [0-9a-f-]{36}\tPartitionCount: 6\tReplicationFactor: 3\tConfigs: cleanup.policy=compact,retention.ms=86400000$",
            text.Stdout[0]);
        foreach (var p in expected)
        {
            var s = p.State!;
            Assert.Equal($"\tTopic: orders\tPartition: {p.Partition.Partition}\tLeader: {s.Leader}\tReplicas: {string.Join(",", p.Replicas)}" +
                         $"\tIsr: {string.Join(",", s.Isr)}\tLeaderEpoch: {s.LeaderEpoch}", text.Stdout[1 + p.Partition.Partition]);
        }

        var json = await RunAsync("topics", "describe", "--store", store, "--json");
        Assert.True(json.ExitCode == 0, json.Shown);
        var topic = Assert.Single(json.Json().GetProperty("topics").EnumerateArray());
        Assert.Equal("orders", topic.GetProperty("topic").GetString());
        var partitions = topic.GetProperty("partitions").EnumerateArray().ToArray();
        Assert.Equal(6, partitions.Length);
        foreach (var p in expected)
        {
            var row = partitions[p.Partition.Partition];
            Assert.Equal(p.State!.Leader, row.GetProperty("leader").GetInt32());
            Assert.Equal(p.State.LeaderEpoch, row.GetProperty("leaderEpoch").GetInt32());
            Assert.Equal(p.State.Isr, Ints(row.GetProperty("isr")));
            Assert.Equal(p.Replicas, Ints(row.GetProperty("replicas")));
        }
    }

    [Fact]
    public async Task Cluster_describe_shows_the_controller_and_every_broker_and_a_killed_one_as_not_live()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var controller = h.AwaitController();
        var store = h.Cluster.StoreAddress.ToString();
        var epochs = h.EventsOf<BrokerRegistered>().ToDictionary(r => r.BrokerId, r => r.BrokerEpoch);

        var text = await RunAsync("cluster", "describe", "--store", store);
        Assert.True(text.ExitCode == 0, text.Shown);
        Assert.Equal($"Controller: broker {controller.ControllerId}, epoch {controller.Epoch}", text.Stdout[0]);
        Assert.Matches(@"^BROKER\s+LIVE\s+EPOCH\s+ENDPOINT\s+RACK\s+ROLE$", text.Stdout[1]);
        Assert.Equal(5, text.Stdout.Count);
        foreach (var id in new[] { 1, 2, 3 })
        {
            var role = id == controller.ControllerId ? @"\s+controller" : "";
            Assert.Matches($@"^{id}\s+yes\s+{epochs[id]}\s+127\.0\.0\.1:{9092 + id}\s+-{role}$", text.Stdout[1 + id]);
        }

        // A topic on every broker, so that a broker that goes is still known (by its replicas) and shown as not live.
        Assert.Equal(0, (await RunAsync("topics", "create", "--topic", "spread", "--partitions", "3", "--replication-factor", "3", "--store", store)).ExitCode);
        h.AwaitPartitions("spread", ps => ps.All(p => p.State is { HasLeader: true }), "topic online");
        var victim = new[] { 1, 2, 3 }.First(id => id != controller.ControllerId);
        await h.KillAsync(h.Node(victim));
        h.Kit.AwaitAssert(() => Assert.Null(h.Admin.ExistsAsync($"/brokers/ids/{victim}").GetAwaiter().GetResult()), ZkClusterHarness.Bound);

        var json = await RunAsync("cluster", "describe", "--store", store, "--json");
        Assert.True(json.ExitCode == 0, json.Shown);
        var root = json.Json();
        Assert.Equal(controller.ControllerId, root.GetProperty("controller").GetProperty("id").GetInt32());
        Assert.Equal(controller.Epoch, root.GetProperty("controller").GetProperty("epoch").GetInt32());
        var brokers = root.GetProperty("brokers").EnumerateArray().ToDictionary(b => b.GetProperty("id").GetInt32());
        Assert.Equal([1, 2, 3], brokers.Keys.Order());
        foreach (var (id, broker) in brokers)
        {
            Assert.Equal(id != victim, broker.GetProperty("live").GetBoolean());
            Assert.Equal(id == controller.ControllerId, broker.GetProperty("controller").GetBoolean());
            if (id == victim) Assert.Equal(System.Text.Json.JsonValueKind.Null, broker.GetProperty("brokerEpoch").ValueKind);
            else Assert.Equal(epochs[id], broker.GetProperty("brokerEpoch").GetInt64());
        }
        h.AssertSafety();
    }

    [Fact]
    public async Task Bad_input_against_a_running_cluster_is_an_error_that_says_what_to_do()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        h.AwaitController();
        var store = h.Cluster.StoreAddress.ToString();

        var tooMany = await RunAsync("topics", "create", "--topic", "wide", "--replication-factor", "4", "--store", store);
        Assert.Equal(1, tooMany.ExitCode);
        Assert.Empty(tooMany.Stdout);
        Assert.Contains("cannot create topic 'wide': InvalidReplicationFactor: Replication factor: 4 larger than available brokers: 3. " +
                        "Use --replication-factor 3 or less, or start more brokers", tooMany.Stderr);

        Assert.Equal(0, (await RunAsync("topics", "create", "--topic", "once", "--store", store)).ExitCode);
        var twice = await RunAsync("topics", "create", "--topic", "once", "--store", store);
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("TOPIC_ALREADY_EXISTS: topic 'once' already exists", twice.Stderr);
        Assert.Contains("actorkafka topics describe --topic once", twice.Stderr);

        var unknown = await RunAsync("topics", "describe", "--topic", "nope", "--store", store);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("UNKNOWN_TOPIC_OR_PARTITION: topic 'nope' does not exist; existing topics: once", unknown.Stderr);

        var invalid = await RunAsync("topics", "create", "--topic", "no spaces", "--store", store);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("INVALID_TOPIC_EXCEPTION", invalid.Stderr);

        var malformed = await RunAsync("topics", "create", "--topic", "t", "--partitions", "-3", "--store", store);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("--partitions needs a whole number of at least 1, not '-3'", malformed.Stderr);

        // None of it disturbed the cluster: no topic was half created, the controller did not move.
        Assert.Equal(["once"], await h.Admin.GetChildrenAsync("/brokers/topics"));
        Assert.Single(h.EventsOf<ControllerElected>());
    }
}
