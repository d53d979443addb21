using System.Text.Json;
using static ActorKafka.Testing.CliRun;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>`topics create` and `topics describe` with --bootstrap-controllers against a KRaft cluster running in this process.</summary>
public sealed class KraftTopicsCommandTests
{
    private static string Controllers(KraftClusterHarness h) =>
        string.Join(",", h.Cluster.ControllerIds.Select(id => AkkaCluster.Get(h.Cluster[id].System).SelfAddress.ToString()));

    /// <summary>
    /// Runs the command again while the controllers are between leaders: a busy machine can delay a
    /// voter past its fetch timeout, and the command then says, rightly, that no controller is active.
    /// </summary>
    private static CliOutput Run(KraftClusterHarness h, params string[] args)
    {
        CliOutput? output = null;
        h.Kit.AwaitAssert(() =>
        {
            output = RunAsync(args).GetAwaiter().GetResult();
            Assert.DoesNotContain("no active controller answered", output.Stderr);
        }, KraftClusterHarness.Bound, TimeSpan.FromMilliseconds(200));
        return output!;
    }

    [Fact]
    public async Task A_topic_created_through_the_controllers_is_placed_elected_and_described_like_a_zk_topic()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        var controllers = Controllers(h);

        var created = Run(h, "topics", "create", "--topic", "orders", "--partitions", "3", "--replication-factor", "3", "--bootstrap-controllers", controllers);
        Assert.True(created.ExitCode == 0, created.Shown);
        Assert.Equal("Created topic orders.", created.Stdout[0]);
        Assert.Equal(1 + 1 + 3, created.Stdout.Count);
        Assert.All(created.Stdout.Skip(2), row => Assert.Matches(@"^\s*\d\s+[123],[123],[123]$", row));

        h.AwaitPartitions("orders", ps => ps.Count == 3 && ps.All(p => p.Leader > 0 && p.Isr.Length == 3), "topic online");
        var partitions = h.Partitions("orders");
        var described = Run(h, "topics", "describe", "--topic", "orders", "--bootstrap-controllers", controllers);
        Assert.True(described.ExitCode == 0, described.Shown);
        Assert.StartsWith("Topic: orders\tTopicId: none\tPartitionCount: 3\tReplicationFactor: 3", described.Stdout[0]);
        foreach (var p in partitions)
            Assert.Contains($"\tTopic: orders\tPartition: {p.Partition}\tLeader: {p.Leader}\tReplicas: {string.Join(",", p.Replicas)}\t" +
                            $"Isr: {string.Join(",", p.Isr)}\tLeaderEpoch: {p.LeaderEpoch}", described.Stdout);

        var json = Run(h, "topics", "describe", "--bootstrap-controllers", controllers, "--json");
        Assert.True(json.ExitCode == 0, json.Shown);
        var topic = JsonDocument.Parse(json.Stdout[0]).RootElement.GetProperty("topics").EnumerateArray().Single();
        Assert.Equal("orders", topic.GetProperty("topic").GetString());
        Assert.Equal(3, topic.GetProperty("partitions").GetArrayLength());
    }

    [Fact]
    public async Task A_duplicate_an_unknown_topic_and_a_mixed_target_get_clear_errors()
    {
        await using var h = await KraftClusterHarness.StartAsync(1);
        var controllers = Controllers(h);
        var first = Run(h, "topics", "create", "--topic", "t", "--bootstrap-controllers", controllers);
        Assert.True(first.ExitCode == 0, first.Shown);

        var again = Run(h, "topics", "create", "--topic", "t", "--bootstrap-controllers", controllers);
        Assert.True(again.ExitCode == 1, again.Shown);
        Assert.True(again.Stderr.StartsWith("actorkafka topics create: cannot create topic 't': TopicAlreadyExists", StringComparison.Ordinal), again.Shown);

        var unknown = Run(h, "topics", "describe", "--topic", "nope", "--bootstrap-controllers", controllers);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("topic 'nope' does not exist; existing topics: t", unknown.Stderr);

        var tooMany = Run(h, "topics", "create", "--topic", "wide", "--replication-factor", "3", "--bootstrap-controllers", controllers);
        Assert.Equal(1, tooMany.ExitCode);
        Assert.StartsWith("actorkafka topics create: cannot create topic 'wide': ", tooMany.Stderr);

        var mixed = Run(h, "topics", "describe", "--store", "akka.tcp://actorkafka@127.0.0.1:2552", "--bootstrap-controllers", controllers);
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains("give either --bootstrap-controllers (a KRaft cluster) or --store (a zk-mode cluster)", mixed.Stderr);

        var configs = Run(h, "topics", "create", "--topic", "c", "--config", "retention.ms=1", "--bootstrap-controllers", controllers);
        Assert.Equal(2, configs.ExitCode);
        Assert.Contains("--config is not supported with --bootstrap-controllers", configs.Stderr);
    }
}
