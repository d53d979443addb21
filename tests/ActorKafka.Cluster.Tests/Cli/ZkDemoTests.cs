using System.Text.Json;
using System.Text.RegularExpressions;
using static ActorKafka.Testing.CliRun;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>`actorkafka demo --mode zk`: the whole zk-mode story on an embedded cluster, checked from its output.</summary>
public sealed class ZkDemoTests
{
    private static string Kind(JsonElement e) => e.GetProperty("event").GetString()!;

    private static int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();

    /// <summary>
    /// The producer that ran through the story: every acknowledged record was read back at its
    /// offset (nothing lost), reported right before the summary and in it.
    /// </summary>
    private static void AssertRecordsVerified(JsonElement[] events)
    {
        var verified = Assert.Single(events, e => Kind(e) == "records-verified");
        Assert.Equal(verified, events[^2]);
        var acknowledged = verified.GetProperty("acknowledged").GetInt64();
        Assert.True(acknowledged > 0, verified.ToString());
        Assert.Equal(0, verified.GetProperty("lost").GetInt64());
        Assert.Equal(0, verified.GetProperty("unreadable").GetInt64());
        Assert.Equal(acknowledged, verified.GetProperty("found").GetInt64());
        Assert.True(verified.GetProperty("retried").GetInt64() >= 0 && verified.GetProperty("unacknowledged").GetInt64() >= 0);
        var records = events[^1].GetProperty("records");
        foreach (var name in new[] { "acknowledged", "found", "lost", "unreadable", "retried", "unacknowledged" })
            Assert.Equal(verified.GetProperty(name).GetInt64(), records.GetProperty(name).GetInt64());
    }

    [Fact]
    public async Task Json_demo_tells_the_story_with_strictly_increasing_controller_epochs_and_a_fenced_zombie()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var result = await RunAsync("demo", "--mode", "zk", "--json", "--data-dir", dir);
            Assert.True(result.ExitCode == 0, result.Shown);

            var events = result.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
            var times = events.Select(e => e.GetProperty("t_ms").GetInt64()).ToArray();
            Assert.Equal(times.Order(), times);
            string[] kinds = ["broker-registered", "broker-registration-rejected", "broker-lost", "controller-elected", "controller-lost",
                "leader-elected", "partition-offline", "stale-epoch-rejected", "records-verified", "summary"];
            Assert.All(events, e => Assert.Contains(Kind(e), kinds));
            Assert.Equal("summary", Kind(events[^1]));
            Assert.Single(events, e => Kind(e) == "summary");
            AssertRecordsVerified(events);

            // Brokers 1-3 register once each; a second broker with a taken id is refused.
            var registered = events.Where(e => Kind(e) == "broker-registered").Select(e => Int(e, "brokerId")).ToArray();
            Assert.Equal([1, 2, 3], registered.Order());
            Assert.All(events.Where(e => Kind(e) == "broker-registered"), e => Assert.True(e.GetProperty("brokerEpoch").GetInt64() > 0));
            var rejected = Assert.Single(events, e => Kind(e) == "broker-registration-rejected");
            Assert.Contains(Int(rejected, "brokerId"), registered);
            Assert.Contains("already registered", rejected.GetProperty("error").GetString());

            // Exactly three elections (first, after the pause, after the kill), epochs one apart.
            var elected = events.Where(e => Kind(e) == "controller-elected").ToArray();
            var epochs = elected.Select(e => Int(e, "epoch")).ToArray();
            Assert.Equal(3, epochs.Length);
            Assert.Equal([epochs[0], epochs[0] + 1, epochs[0] + 2], epochs);
            var (first, second, third) = (Int(elected[0], "controllerId"), Int(elected[1], "controllerId"), Int(elected[2], "controllerId"));
            Assert.NotEqual(first, second);
            Assert.NotEqual(second, third);

            // The broker leading most partitions was killed while the first controller ran: the controller saw it lost.
            // (The second controller's broker goes later with its node; the next controller reports it lost only when it
            // loaded that broker's registration before the registration went, so that one may or may not appear.)
            var lost = events.Where(e => Kind(e) == "broker-lost").ToArray();
            Assert.NotEmpty(lost);
            var victim = Int(lost[0], "brokerId");
            Assert.NotEqual(first, victim);
            Assert.True(Array.IndexOf(events, lost[0]) < Array.IndexOf(events, elected[1]));
            Assert.All(lost.Skip(1), l => Assert.Equal(second, Int(l, "brokerId")));

            // The zombie: the first controller, paused and replaced, is refused by every live broker and resigns.
            var afterSecond = events.Skip(Array.IndexOf(events, elected[1])).ToArray();
            var zombieRejections = afterSecond.Where(e => Kind(e) == "stale-epoch-rejected" && e.GetProperty("kind").GetString() == "controller"
                                                          && Int(e, "staleEpoch") == epochs[0]).ToArray();
            Assert.All(zombieRejections, r => Assert.Equal(epochs[1], Int(r, "currentEpoch")));
            Assert.Equal(new[] { 1, 2, 3 }.Where(id => id != victim), zombieRejections.Select(r => Int(r, "receiver")).Distinct().Order());
            var losses = events.Where(e => Kind(e) == "controller-lost").ToArray();
            Assert.Contains(losses, l => Int(l, "controllerId") == first && Int(l, "epoch") == epochs[0]);
            // The second controller's node was killed, and a third election followed.
            var killed = Assert.Single(losses, l => Int(l, "controllerId") == second && Int(l, "epoch") == epochs[1]);
            Assert.True(Array.IndexOf(events, killed) < Array.IndexOf(events, elected[2]));

            // Every partition got a leader when the topic was created.
            var initial = events.Where(e => Kind(e) == "leader-elected" && Int(e, "leaderEpoch") == 0).Select(e => Int(e, "partition")).ToArray();
            Assert.Equal(Enumerable.Range(0, 6), initial.Order());

            // The summary: the last controller, the live broker(s), and a live leader wherever a live replica is in the ISR.
            var summary = events[^1];
            Assert.Equal(third, Int(summary.GetProperty("controller"), "id"));
            Assert.Equal(epochs[2], Int(summary.GetProperty("controller"), "epoch"));
            var live = Ints(summary.GetProperty("liveBrokers")).ToHashSet();
            Assert.Equal(new[] { 1, 2, 3 }.Where(id => id != victim && id != second), live.Order());
            var partitions = summary.GetProperty("partitions").EnumerateArray().ToArray();
            Assert.Equal(6, partitions.Length);
            foreach (var p in partitions)
            {
                Assert.Equal(3, Ints(p.GetProperty("replicas")).Length);
                var isr = Ints(p.GetProperty("isr"));
                if (isr.Any(live.Contains)) Assert.Contains(Int(p, "leader"), live);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Text_demo_prints_a_timeline_then_the_partition_table_and_deletes_its_temporary_data_dir()
    {
        var result = await RunAsync("demo", "--mode", "zk", "--partitions", "4", "--replication-factor", "2", "--seed", "7");
        Assert.True(result.ExitCode == 0, result.Shown);

        var blank = result.Stdout.ToList().FindIndex(l => l.Length == 0 || l.StartsWith("controllers in turn: "));
        Assert.True(blank > 0, result.Shown);
        var timeline = result.Stdout.Take(blank).ToArray();
        Assert.All(timeline, line => Assert.Matches(@"^\[\+\s*\d+ ms\] \S", line));
        Assert.Contains(timeline, l => l.Contains("refused to start: broker id 2 is already registered"));
        Assert.Contains(timeline, l => l.Contains("created topic orders (4 partitions, replication factor 2, seed 7)"));
        Assert.Contains(timeline, l => Regex.IsMatch(l, @"broker \d rejected UpdateMetadataRequest: controller epoch \d+ is stale, it knows epoch \d+"));
        Assert.Contains(timeline, l => l.Contains("the zombie is fenced"));

        var withRecords = result.Stdout.Skip(blank).ToArray();
        // The producer's verdict sits after the controllers: whatever was acknowledged was found, or could not be read (a partition whose
        // replicas are all gone), never lost.
        var records = Regex.Match(withRecords[2],
            @"^records: (\d+) acknowledged, (\d+) found, 0 lost(, (\d+) unreadable)? \(\d+ produce attempts? retried(, \d+ batch(es)? given up)?, \d+ batch(es)? unanswered at the stop\)$");
        Assert.True(records.Success, withRecords[2]);
        Assert.True(long.Parse(records.Groups[1].Value) > 0);
        Assert.Equal(long.Parse(records.Groups[1].Value), long.Parse(records.Groups[2].Value) + (records.Groups[4].Success ? long.Parse(records.Groups[4].Value) : 0));
        Assert.Contains(timeline, l => l.Contains("the producer's batches are acknowledged again on every partition with a live leader"));
        Assert.Contains(timeline, l => Regex.IsMatch(l, @"read every partition back: \d+ of the \d+ acknowledged records are at their offsets with their values, 0 lost"));
        var rest = withRecords.Where((_, i) => i != 2).ToArray();
        Assert.Matches(@"^controllers in turn: \d \(epoch \d+\) -> \d \(epoch \d+\) -> \d \(epoch \d+\)$", rest[0]);
        Assert.Matches(@"^controller now: broker \d, epoch \d+; live brokers: \d$", rest[1]);
        Assert.Equal("partitions of orders at the end:", rest[2]);
        Assert.Matches(@"^  PARTITION\s+LEADER\s+LEADER EPOCH\s+ISR\s+REPLICAS$", rest[3]);
        Assert.Equal(4, rest.Length - 4);
        Assert.All(rest.Skip(4), row => Assert.Matches(@"^  orders-\d\s+(\d|none)\s+\d+\s+[\d,]*\s+\d,\d$", row));

        var dataDir = Regex.Match(timeline[0], @"\(data dir (.+)\)$").Groups[1].Value;
        Assert.NotEmpty(dataDir);
        Assert.False(Directory.Exists(dataDir), $"{dataDir} was left behind");
    }
}
