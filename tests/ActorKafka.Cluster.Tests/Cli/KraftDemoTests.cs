using System.Text.Json;
using System.Text.RegularExpressions;
using static ActorKafka.Testing.CliRun;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>`actorkafka demo --mode kraft`: the KRaft-mode story on in-process nodes, checked from its output.</summary>
public sealed class KraftDemoTests
{
    private static string Kind(JsonElement e) => e.GetProperty("event").GetString()!;

    private static int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();

    private static long Long(JsonElement e, string name) => e.GetProperty(name).GetInt64();

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
    public async Task Json_demo_tells_the_story_with_growing_raft_epochs_and_a_zombie_whose_answers_every_broker_rejects()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var result = await RunAsync("demo", "--mode", "kraft", "--json", "--data-dir", dir);
            Assert.True(result.ExitCode == 0, result.Shown);

            var events = result.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
            var times = events.Select(e => Long(e, "t_ms")).ToArray();
            Assert.Equal(times.Order(), times);
            string[] kinds = ["broker-registered", "broker-registration-rejected", "metadata-caught-up", "broker-lost", "quorum-leader-elected",
                "controller-elected", "controller-lost", "leader-elected", "partition-offline", "stale-epoch-rejected", "records-verified", "summary"];
            Assert.All(events, e => Assert.Contains(Kind(e), kinds));
            Assert.Equal("summary", Kind(events[^1]));
            Assert.Single(events, e => Kind(e) == "summary");
            AssertRecordsVerified(events);
            int Index(JsonElement e) => Array.IndexOf(events, e);

            // Brokers 1-3 register once each; the broker epoch is the offset of the RegisterBroker record, so all differ.
            var registered = events.Where(e => Kind(e) == "broker-registered").ToArray();
            Assert.Equal([1, 2, 3], registered.Select(e => Int(e, "brokerId")).Order());
            Assert.Equal(3, registered.Select(e => Long(e, "brokerEpoch")).Distinct().Count());
            // Each catches up past its own registration after registering, before it may be unfenced.
            foreach (var r in registered)
            {
                var caughtUp = Assert.Single(events, e => Kind(e) == "metadata-caught-up" && Int(e, "brokerId") == Int(r, "brokerId"));
                Assert.True(Long(caughtUp, "offset") >= Long(r, "brokerEpoch"));
                Assert.True(Index(caughtUp) > Index(r));
            }
            var rejected = Assert.Single(events, e => Kind(e) == "broker-registration-rejected");
            Assert.Contains(Int(rejected, "brokerId"), registered.Select(e => Int(e, "brokerId")));
            Assert.Contains("already registered", rejected.GetProperty("error").GetString());

            // Controllers in turn with strictly growing Raft epochs, each active after its voter won that epoch. At least three:
            // the first, the successor of the paused one, the one after the kill (a busy machine may add an election anywhere).
            var elected = events.Where(e => Kind(e) == "controller-elected").ToArray();
            Assert.True(elected.Length >= 3, result.Shown);
            var epochs = elected.Select(e => Int(e, "epoch")).ToArray();
            Assert.Equal(epochs.Order(), epochs);
            Assert.Equal(epochs.Length, epochs.Distinct().Count());
            Assert.All(elected, c => Assert.InRange(Int(c, "controllerId"), 3000, 3002));
            foreach (var c in elected)
            {
                var won = Assert.Single(events, e => Kind(e) == "quorum-leader-elected" && Int(e, "nodeId") == Int(c, "controllerId") && Int(e, "epoch") == Int(c, "epoch"));
                Assert.True(Index(won) < Index(c));
            }

            // The broker leading most partitions was killed (the summary's live brokers are the others) and fenced by the controller of the time.
            var summary = events[^1];
            var live = Ints(summary.GetProperty("liveBrokers"));
            var victim = Assert.Single(new[] { 1, 2, 3 }.Except(live));
            Assert.Equal(2, live.Length);
            var lost = events.First(e => Kind(e) == "broker-lost" && Int(e, "brokerId") == victim);

            // The zombie: every live broker rejected an answer stamped with the paused controller's epoch, after a successor
            // took over in a later epoch; then the zombie renounced that epoch.
            var stale = events.Where(e => Kind(e) == "stale-epoch-rejected").ToArray();
            Assert.All(stale, r =>
            {
                Assert.Equal("controller", r.GetProperty("kind").GetString());
                Assert.True(Int(r, "staleEpoch") < Int(r, "currentEpoch"));
            });
            var zombieEpoch = Assert.Single(stale.GroupBy(r => Int(r, "staleEpoch")), g => g.Select(r => Int(r, "receiver")).Distinct().Order().SequenceEqual(live)).Key;
            var zombieElected = Assert.Single(elected, e => Int(e, "epoch") == zombieEpoch);
            var zombie = Int(zombieElected, "controllerId");
            var successor = elected.First(e => Int(e, "epoch") > zombieEpoch);
            Assert.NotEqual(zombie, Int(successor, "controllerId"));
            var zombieStale = stale.Where(r => Int(r, "staleEpoch") == zombieEpoch).ToArray();
            Assert.All(zombieStale, r => Assert.True(Index(r) > Index(successor) && Int(r, "currentEpoch") >= Int(successor, "epoch")));
            var losses = events.Where(e => Kind(e) == "controller-lost").ToArray();
            var renounced = Assert.Single(losses, l => Int(l, "controllerId") == zombie && Int(l, "epoch") == zombieEpoch);
            foreach (var id in live) Assert.True(Index(zombieStale.First(r => Int(r, "receiver") == id)) < Index(renounced));
            Assert.True(Index(lost) < Index(successor), "the broker was killed before the pause");

            // Then the active controller's node was killed, and another took over in a later epoch.
            var killed = Assert.Single(losses, l => l.GetProperty("reason").GetString() == "its node was killed");
            Assert.True(Index(renounced) < Index(killed));
            Assert.True(Int(killed, "epoch") > zombieEpoch);
            var third = elected[^1];
            Assert.True(Index(killed) < Index(third));
            Assert.NotEqual(Int(killed, "controllerId"), Int(third, "controllerId"));
            Assert.True(Int(third, "epoch") > Int(killed, "epoch"));

            // The summary: the third controller, the live brokers leading every partition, and the quorum it leads.
            Assert.Equal(Int(third, "controllerId"), Int(summary.GetProperty("controller"), "id"));
            Assert.Equal(Int(third, "epoch"), Int(summary.GetProperty("controller"), "epoch"));
            var partitions = summary.GetProperty("partitions").EnumerateArray().ToArray();
            Assert.Equal(Enumerable.Range(0, 6), partitions.Select(p => Int(p, "partition")));
            Assert.All(partitions, p =>
            {
                Assert.Equal(3, Ints(p.GetProperty("replicas")).Length);
                Assert.Contains(Int(p, "leader"), live);
                Assert.DoesNotContain(victim, Ints(p.GetProperty("isr")));
            });
            var quorum = summary.GetProperty("quorum");
            Assert.Equal(Int(third, "controllerId"), Int(quorum, "leaderId"));
            Assert.Equal(Int(third, "epoch"), Int(quorum, "epoch"));
            var highWatermark = Long(quorum, "highWatermark");
            Assert.Equal([3000, 3001, 3002], quorum.GetProperty("voters").EnumerateArray().Select(v => Int(v, "id")).Order());
            Assert.Equal(live, quorum.GetProperty("observers").EnumerateArray().Select(o => Int(o, "id")).Order());
            foreach (var replica in quorum.GetProperty("voters").EnumerateArray().Concat(quorum.GetProperty("observers").EnumerateArray()))
                Assert.Equal(Math.Max(0, highWatermark - Long(replica, "logEndOffset")), Long(replica, "lag"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Text_demo_prints_a_timeline_then_the_partition_and_quorum_tables_and_deletes_its_temporary_data_dir()
    {
        var result = await RunAsync("demo", "--mode", "kraft", "--partitions", "4", "--replication-factor", "2");
        Assert.True(result.ExitCode == 0, result.Shown);

        var end = result.Stdout.ToList().FindIndex(l => l.StartsWith("controllers in turn: "));
        Assert.True(end > 0, result.Shown);
        var timeline = result.Stdout.Take(end).ToArray();
        Assert.All(timeline, line => Assert.Matches(@"^\[\+\s*\d+ ms\] \S", line));
        Assert.Contains(timeline, l => Regex.IsMatch(l, @"broker \d registered: broker epoch \d+, the offset of its RegisterBroker record"));
        Assert.Contains(timeline, l => l.Contains("refused to start: broker id 2 is already registered"));
        Assert.Contains(timeline, l => l.Contains("created topic orders (4 partitions, replication factor 2"));
        Assert.Contains(timeline, l => Regex.IsMatch(l, @"took over in epoch \d+ from the image it kept current as a standby, nothing reloaded: committed offset \d+, 3 brokers, 4 partitions"));
        Assert.Contains(timeline, l => Regex.IsMatch(l, @"broker \d rejected a BrokerHeartbeat answer: controller epoch \d+ is stale, it has seen epoch \d+"));
        Assert.Contains(timeline, l => l.Contains("the zombie is fenced"));

        var withRecords = result.Stdout.Skip(end).ToArray();
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
        Assert.Matches(@"^controllers in turn: 300\d \(epoch \d+\)( -> 300\d \(epoch \d+\)){2,}$", rest[0]);
        Assert.Matches(@"^controller now: 300\d, epoch \d+; live brokers: \d,\d$", rest[1]);
        Assert.Equal("partitions of orders at the end:", rest[2]);
        Assert.Matches(@"^  PARTITION\s+LEADER\s+LEADER EPOCH\s+ISR\s+REPLICAS$", rest[3]);
        Assert.All(rest.Skip(4).Take(4), row => Assert.Matches(@"^  orders-\d\s+\d\s+\d+\s+[\d,]+\s+\d,\d$", row));
        Assert.Matches(@"^metadata quorum at the end: leader 300\d, epoch \d+, high watermark \d+$", rest[8]);
        Assert.Matches(@"^  REPLICA\s+ROLE\s+LOG END OFFSET\s+LAG\s+LAST FETCH$", rest[9]);
        Assert.Matches(@"^  300\d\s+leader\s+\d+\s+0\s+-$", rest[10]);
        Assert.All(rest.Skip(11).Take(2), row => Assert.Matches(@"^  300\d\s+voter\s+\d+\s+\d+\s+(never|\d+ ms ago)$", row));
        Assert.All(rest.Skip(13), row => Assert.Matches(@"^  \d\s+observer\s+\d+\s+\d+\s+\d+ ms ago$", row));
        Assert.Equal(15, rest.Length);

        var dataDir = Regex.Match(timeline[0], @"\(data dir (.+)\)$").Groups[1].Value;
        Assert.NotEmpty(dataDir);
        Assert.False(Directory.Exists(dataDir), $"{dataDir} was left behind");
    }

    [Fact]
    public async Task Seed_is_refused_in_kraft_mode_because_the_controller_places_replicas_itself()
    {
        var result = await RunAsync("demo", "--mode", "kraft", "--seed", "7");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("--seed applies to 'demo --mode zk' only: in kraft mode the controller places the replicas itself", result.Stderr);
    }
}
