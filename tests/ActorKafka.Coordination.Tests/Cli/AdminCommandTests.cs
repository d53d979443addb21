using System.Text.Json;
using ActorKafka.Coordination.Tests.Infrastructure;
using static ActorKafka.Coordination.Tests.Cli.CliHarness;

namespace ActorKafka.Coordination.Tests.Cli;

/// <summary>
/// The admin commands on an embedded store (--data-dir) with no broker running: what a fresh
/// store shows, what a store left by a cluster shows, and bad input. Running clusters are
/// driven in ActorKafka.Cluster.Tests.
/// </summary>
public sealed class AdminCommandTests : IDisposable
{
    private readonly TempDataDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Cluster_describe_on_a_fresh_store_has_no_controller_and_no_brokers()
    {
        var text = await RunAsync("", "cluster", "describe", "--data-dir", _dir.Path);
        Assert.True(text.ExitCode == 0, text.Stderr);
        AssertLines(text.Stdout, [Exact("Controller: none (last controller epoch 0)"), Exact("Brokers: none registered")]);

        var json = await RunAsync("", "cluster", "describe", "--data-dir", _dir.Path, "--json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        var root = JsonDocument.Parse(Assert.Single(json.Stdout)).RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("controller").ValueKind);
        Assert.Equal(0, root.GetProperty("controllerEpoch").GetInt32());
        Assert.Empty(root.GetProperty("brokers").EnumerateArray());
    }

    [Fact]
    public async Task A_store_left_by_a_cluster_shows_its_topics_and_the_brokers_of_their_replicas_as_not_live()
    {
        await SeedAsync();

        var topics = await RunAsync("", "topics", "describe", "--data-dir", _dir.Path);
        Assert.True(topics.ExitCode == 0, topics.Stderr);
        AssertLines(topics.Stdout,
        [
            Exact("Topic: audit\tTopicId: a-id\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: "),
            Exact("\tTopic: audit\tPartition: 0\tLeader: none\tReplicas: 3\tIsr: \tLeaderEpoch: none"),
            Exact("Topic: orders\tTopicId: o-id\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: cleanup.policy=compact,retention.ms=1000"),
            Exact("\tTopic: orders\tPartition: 0\tLeader: 2\tReplicas: 1,2\tIsr: 2,1\tLeaderEpoch: 4"),
            Exact("\tTopic: orders\tPartition: 1\tLeader: none\tReplicas: 2,1\tIsr: 1\tLeaderEpoch: 7"),
        ]);

        var one = await RunAsync("", "topics", "describe", "--topic", "orders", "--data-dir", _dir.Path, "--json");
        Assert.True(one.ExitCode == 0, one.Stderr);
        var topic = Assert.Single(JsonDocument.Parse(Assert.Single(one.Stdout)).RootElement.GetProperty("topics").EnumerateArray());
        Assert.Equal(("orders", "o-id", 2, 2), (topic.GetProperty("topic").GetString(), topic.GetProperty("topicId").GetString(),
            topic.GetProperty("partitionCount").GetInt32(), topic.GetProperty("replicationFactor").GetInt32()));
        Assert.Equal("1000", topic.GetProperty("configs").GetProperty("retention.ms").GetString());
        var partitions = topic.GetProperty("partitions").EnumerateArray().ToArray();
        Assert.Equal((0, 2, 4), (partitions[0].GetProperty("partition").GetInt32(), partitions[0].GetProperty("leader").GetInt32(),
            partitions[0].GetProperty("leaderEpoch").GetInt32()));
        Assert.Equal([2, 1], partitions[0].GetProperty("isr").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([1, 2], partitions[0].GetProperty("replicas").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(-1, partitions[1].GetProperty("leader").GetInt32());

        var cluster = await RunAsync("", "cluster", "describe", "--data-dir", _dir.Path);
        Assert.True(cluster.ExitCode == 0, cluster.Stderr);
        AssertLines(cluster.Stdout,
        [
            Exact("Controller: none (last controller epoch 7)"),
            @"^BROKER\s+LIVE\s+EPOCH\s+ENDPOINT\s+RACK\s+ROLE$",
            @"^1\s+no\s+-\s+-\s+-$",
            @"^2\s+no\s+-\s+-\s+-$",
            @"^3\s+no\s+-\s+-\s+-$",
        ]);
    }

    [Fact]
    public async Task Topics_describe_of_a_store_without_topics_prints_nothing()
    {
        var text = await RunAsync("", "topics", "describe", "--data-dir", _dir.Path);
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Empty(text.Stdout);
        var json = await RunAsync("", "topics", "describe", "--data-dir", _dir.Path, "--json");
        Assert.Equal("{\"topics\":[]}", Assert.Single(json.Stdout));
    }

    [Fact]
    public async Task An_unknown_topic_is_an_error_that_lists_the_topics_there_are()
    {
        var none = await RunAsync("", "topics", "describe", "--topic", "nope", "--data-dir", _dir.Path);
        Assert.Equal(1, none.ExitCode);
        Assert.Empty(none.Stdout);
        Assert.Contains("actorkafka topics describe: UNKNOWN_TOPIC_OR_PARTITION: topic 'nope' does not exist", none.Stderr);
        Assert.Contains("there are no topics yet; create one with 'actorkafka topics create --topic T'", none.Stderr);

        await SeedAsync();
        var some = await RunAsync("", "topics", "describe", "--topic", "nope", "--data-dir", _dir.Path, "--json");
        Assert.Equal(1, some.ExitCode);
        Assert.Empty(some.Stdout);
        Assert.Contains("existing topics: audit, orders", some.Stderr);
    }

    [Theory]
    [InlineData("topics", "create", "--topic", "bad name")]
    [InlineData("topics", "create", "--topic", "..")]
    [InlineData("topics", "describe", "--topic", "a/b")]
    public async Task An_invalid_topic_name_is_refused_with_kafkas_rule(params string[] args)
    {
        var result = await RunAsync("", [.. args, "--data-dir", _dir.Path]);
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("INVALID_TOPIC_EXCEPTION: Topic name", result.Stderr);
        Assert.Contains("Use ASCII letters, digits, '.', '_' and '-', at most 249 characters", result.Stderr);
    }

    [Fact]
    public async Task Creating_a_topic_with_no_broker_registered_says_to_start_brokers()
    {
        var result = await RunAsync("", "topics", "create", "--topic", "orders", "--partitions", "3", "--data-dir", _dir.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("actorkafka topics create: cannot create topic 'orders': InvalidReplicationFactor: Replication factor: 1 larger than available brokers: 0. " +
                        "No broker is registered with the embedded store on", result.Stderr);
        Assert.Contains("start brokers first", result.Stderr);
    }

    /// <summary>Znodes as a zk-mode cluster leaves them: two topics (one never elected), a config, a controller epoch.</summary>
    private async Task SeedAsync()
    {
        string[] lines =
        [
            "create /controller_epoch 7",
            "create /brokers",
            "create /brokers/ids",
            "create /brokers/topics",
            """create /brokers/topics/orders '{"version":3,"partitions":{"0":[1,2],"1":[2,1]},"topic_id":"o-id"}'""",
            "create /brokers/topics/orders/partitions",
            "create /brokers/topics/orders/partitions/0",
            """create /brokers/topics/orders/partitions/0/state '{"version":1,"leader":2,"leader_epoch":4,"controller_epoch":7,"isr":[2,1]}'""",
            "create /brokers/topics/orders/partitions/1",
            """create /brokers/topics/orders/partitions/1/state '{"version":1,"leader":-1,"leader_epoch":7,"controller_epoch":7,"isr":[1]}'""",
            """create /brokers/topics/audit '{"version":3,"partitions":{"0":[3]},"topic_id":"a-id"}'""",
            "create /config",
            "create /config/topics",
            """create /config/topics/orders '{"version":1,"config":{"retention.ms":"1000","cleanup.policy":"compact"}}'""",
        ];
        var seeded = await RunAsync(string.Join("\n", lines) + "\n", "store", "shell", "--data-dir", _dir.Path);
        Assert.True(seeded.ExitCode == 0 && !seeded.Stdout.Any(l => l.StartsWith("Error")), string.Join("\n", seeded.Stdout) + seeded.Stderr);
    }
}
