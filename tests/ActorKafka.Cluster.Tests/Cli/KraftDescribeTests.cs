using System.Text.RegularExpressions;
using ActorKafka.Controller.Kraft;
using static ActorKafka.Testing.CliRun;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>`cluster describe --bootstrap-controllers` against a KRaft cluster running in this process.</summary>
public sealed class KraftDescribeTests
{
    private static string AddressOf(int nodeId, KraftClusterHarness h) => AkkaCluster.Get(h.Cluster[nodeId].System).SelfAddress.ToString();

    private static string Controllers(KraftClusterHarness h, IEnumerable<int> ids) => string.Join(",", ids.Select(id => AddressOf(id, h)));

    /// <summary>
    /// Runs the command and checks its output against the active controller of that moment. A busy
    /// machine can delay a voter past its fetch timeout and move the controller during the run, so
    /// the check is retried, within the harness bound, until it sees one controller throughout.
    /// </summary>
    private static void AgainstActive(KraftClusterHarness h, Func<QuorumControllerStatus, string[]> args, Action<QuorumControllerStatus, CliOutput> check) =>
        h.Kit.AwaitAssert(() =>
        {
            var active = h.AwaitActiveController();
            var output = RunAsync(args(active)).GetAwaiter().GetResult();
            var after = h.AwaitActiveController();
            Assert.True(after.NodeId == active.NodeId && after.ActiveEpoch == active.ActiveEpoch,
                $"the controller moved during the run: {active.NodeId} in epoch {active.ActiveEpoch}, then {after.NodeId} in epoch {after.ActiveEpoch}");
            check(active, output);
        }, KraftClusterHarness.Bound, TimeSpan.FromMilliseconds(200));

    [Fact]
    public async Task Describe_shows_the_active_controller_the_brokers_the_quorum_and_the_partitions_as_tables_and_as_json()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("orders", 6, 3);
        h.AwaitPartitions("orders", ps => ps.Count == 6 && ps.All(p => p.Leader > 0 && p.Isr.Length == 3), "topic online");
        var partitions = h.Partitions("orders");
        string[] describe = ["cluster", "describe", "--bootstrap-controllers", Controllers(h, h.Cluster.ControllerIds)];

        AgainstActive(h, _ => describe, (active, text) =>
        {
            Assert.True(text.ExitCode == 0, text.Shown);
            var brokers = h.DescribeCluster().Brokers.ToDictionary(b => b.BrokerId);
            var lines = text.Stdout;
            Assert.Matches($@"^Controller: {active.NodeId}, epoch {active.ActiveEpoch} \(its metadata image is at offset \d+\)$", lines[0]);
            Assert.Equal("Brokers:", lines[1]);
            Assert.Matches(@"^  BROKER\s+EPOCH\s+STATE\s+CONTROLLED SHUTDOWN\s+ADDRESS\s+RACK$", lines[2]);
            foreach (var id in new[] { 1, 2, 3 })
                Assert.Matches($@"^  {id}\s+{brokers[id].BrokerEpoch}\s+unfenced\s+no\s+{Regex.Escape(AddressOf(id, h))}\s+-$", lines[2 + id]);
            Assert.Matches($@"^Quorum: leader {active.NodeId}, epoch {active.ActiveEpoch}, high watermark \d+$", lines[6]);
            Assert.Matches(@"^  REPLICA\s+ROLE\s+LOG END OFFSET\s+LAG\s+LAST FETCH$", lines[7]);
            Assert.Matches($@"^  {active.NodeId}\s+leader\s+\d+\s+0\s+-$", lines[8]);
            Assert.All(lines.Skip(9).Take(2), row => Assert.Matches(@"^  300\d\s+voter\s+\d+\s+\d+\s+\d+ ms ago$", row));
            for (var id = 1; id <= 3; id++) Assert.Matches($@"^  {id}\s+observer\s+\d+\s+\d+\s+\d+ ms ago$", lines[10 + id]);
            Assert.Equal("Partitions: 6 in 1 topic", lines[14]);
            Assert.Matches(@"^  PARTITION\s+LEADER\s+LEADER EPOCH\s+ISR\s+REPLICAS$", lines[15]);
            foreach (var p in partitions)
                Assert.Matches($@"^  orders-{p.Partition}\s+{p.Leader}\s+{p.LeaderEpoch}\s+{string.Join(",", p.Isr)}\s+{string.Join(",", p.Replicas)}$", lines[16 + p.Partition]);
            Assert.Equal(22, lines.Count);
        });

        AgainstActive(h, _ => [.. describe, "--json"], (active, json) =>
        {
            Assert.True(json.ExitCode == 0, json.Shown);
            var brokers = h.DescribeCluster().Brokers.ToDictionary(b => b.BrokerId);
            var root = json.Json();
            Assert.Equal(active.NodeId, root.GetProperty("controller").GetProperty("id").GetInt32());
            Assert.Equal(active.ActiveEpoch, root.GetProperty("controller").GetProperty("epoch").GetInt32());
            Assert.Equal(3, root.GetProperty("brokers").GetArrayLength());
            foreach (var broker in root.GetProperty("brokers").EnumerateArray())
            {
                var expected = brokers[broker.GetProperty("id").GetInt32()];
                Assert.Equal(expected.BrokerEpoch, broker.GetProperty("brokerEpoch").GetInt64());
                Assert.False(broker.GetProperty("fenced").GetBoolean());
                Assert.False(broker.GetProperty("inControlledShutdown").GetBoolean());
                Assert.Equal(expected.ActorAddress, broker.GetProperty("address").GetString());
            }
            var quorum = root.GetProperty("quorum");
            Assert.Equal(active.NodeId, quorum.GetProperty("leaderId").GetInt32());
            var highWatermark = quorum.GetProperty("highWatermark").GetInt64();
            Assert.Equal(h.Cluster.ControllerIds.Order(), quorum.GetProperty("voters").EnumerateArray().Select(v => v.GetProperty("id").GetInt32()).Order());
            Assert.Equal([1, 2, 3], quorum.GetProperty("observers").EnumerateArray().Select(o => o.GetProperty("id").GetInt32()).Order());
            foreach (var replica in quorum.GetProperty("voters").EnumerateArray().Concat(quorum.GetProperty("observers").EnumerateArray()))
                Assert.Equal(Math.Max(0, highWatermark - replica.GetProperty("logEndOffset").GetInt64()), replica.GetProperty("lag").GetInt64());
            Assert.Equal(1, root.GetProperty("topicCount").GetInt32());
            Assert.Equal(6, root.GetProperty("partitionCount").GetInt64());
            var rows = root.GetProperty("partitions").EnumerateArray().ToArray();
            foreach (var p in partitions)
            {
                var row = rows[p.Partition];
                Assert.Equal("orders", row.GetProperty("topic").GetString());
                Assert.Equal(p.Leader, row.GetProperty("leader").GetInt32());
                Assert.Equal(p.LeaderEpoch, row.GetProperty("leaderEpoch").GetInt32());
                Assert.Equal(p.Isr, Ints(row.GetProperty("isr")));
                Assert.Equal(p.Replicas, Ints(row.GetProperty("replicas")));
            }
        });
    }

    [Fact]
    public async Task A_killed_broker_shows_fenced_and_an_address_list_without_the_active_controller_is_an_error_that_names_it()
    {
        await using var h = await KraftClusterHarness.StartAsync(2);
        await h.Cluster.KillAsync(2);
        h.Kit.AwaitAssert(() => Assert.True(h.DescribeCluster().Brokers.Single(b => b.BrokerId == 2).Fenced, "broker 2 fenced"), KraftClusterHarness.Bound);

        AgainstActive(h, _ => ["cluster", "describe", "--bootstrap-controllers", Controllers(h, h.Cluster.ControllerIds), "--json"], (_, all) =>
        {
            Assert.True(all.ExitCode == 0, all.Shown);
            var fenced = all.Json().GetProperty("brokers").EnumerateArray()
                .ToDictionary(b => b.GetProperty("id").GetInt32(), b => b.GetProperty("fenced").GetBoolean());
            Assert.Equal(new Dictionary<int, bool> { [1] = false, [2] = true }, fenced);
        });

        // Standbys only: they name the active controller by id, which the tool cannot reach without its address.
        int[] Standbys(QuorumControllerStatus active) => h.Cluster.ControllerIds.Where(id => id != active.NodeId).ToArray();
        AgainstActive(h, active => ["cluster", "describe", "--bootstrap-controllers", Controllers(h, Standbys(active))], (active, redirected) =>
        {
            Assert.Equal(1, redirected.ExitCode);
            Assert.Empty(redirected.Stdout);
            Assert.StartsWith("actorkafka cluster describe: no active controller answered: ", redirected.Stderr);
            foreach (var id in Standbys(active))
                Assert.Contains($"{AddressOf(id, h)} is not the active controller (it names controller {active.NodeId})", redirected.Stderr);
            Assert.Contains($"Controller {active.NodeId} is active by their account", redirected.Stderr);
            Assert.Contains("add its node's address to --bootstrap-controllers", redirected.Stderr);
        });

        // Nobody there at all.
        var nobody = $"akka.tcp://actorkafka@127.0.0.1:{FreePorts.Next()}";
        var unreachable = await RunAsync("cluster", "describe", "--bootstrap-controllers", nobody);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Empty(unreachable.Stdout);
        Assert.Contains($"no active controller answered: {nobody}: no answer within 5 s", unreachable.Stderr);
        Assert.Contains("Check the addresses and that the controller nodes are running", unreachable.Stderr);
        h.AssertSafety();
    }

    [Theory]
    [InlineData("--bootstrap-controllers expects controller node addresses like akka.tcp://actorkafka@127.0.0.1:2552", "127.0.0.1:9093")]
    [InlineData("give either --bootstrap-controllers (a KRaft cluster) or --store (a zk-mode cluster)", "akka.tcp://actorkafka@127.0.0.1:9093", "--store", "akka.tcp://actorkafka@127.0.0.1:2552")]
    public async Task A_bad_controller_list_is_a_usage_error(string message, params string[] rest)
    {
        var result = await RunAsync(["cluster", "describe", "--bootstrap-controllers", .. rest]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

}
