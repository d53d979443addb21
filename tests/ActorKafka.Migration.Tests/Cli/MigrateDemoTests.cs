using System.Text.Json;
using System.Text.RegularExpressions;
using static ActorKafka.Testing.CliRun;

namespace ActorKafka.Migration.Tests.Cli;

/// <summary>`actorkafka demo --mode migrate`: a zk-mode cluster migrated live to KRaft, checked from its output.</summary>
public sealed class MigrateDemoTests
{
    private static string Kind(JsonElement e) => e.GetProperty("event").GetString()!;

    private static int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();

    private static long Long(JsonElement e, string name) => e.GetProperty(name).GetInt64();

    private static string Text(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task Json_demo_goes_through_every_phase_in_order_with_controller_epochs_that_never_go_down_and_loses_no_acknowledged_record()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var result = await RunAsync("demo", "--mode", "migrate", "--json", "--data-dir", dir);
            Assert.True(result.ExitCode == 0, result.Shown);

            var events = result.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
            var times = events.Select(e => Long(e, "t_ms")).ToArray();
            Assert.Equal(times.Order(), times);
            string[] kinds = ["broker-registered", "broker-registered-with-quorum", "broker-registration-rejected", "metadata-caught-up", "broker-lost",
                "quorum-leader-elected", "controller-elected", "controller-lost", "controller-election-deferred", "leader-elected", "partition-offline",
                "stale-epoch-rejected", "migration-phase", "migration-step", "zk-controller-claimed", "zk-metadata-migrated", "kraft-metadata-synced-to-zk",
                "dual-write-fenced", "broker-rolled", "records-verified", "summary"];
            Assert.All(events, e => Assert.Contains(Kind(e), kinds));
            Assert.Equal("summary", Kind(events[^1]));
            int Index(JsonElement e) => Array.IndexOf(events, e);

            // The phases, once each and in KIP-866's order.
            var phases = events.Where(e => Kind(e) == "migration-phase").ToArray();
            Assert.Equal(["PRE_MIGRATION", "MIGRATION", "POST_MIGRATION"], phases.Select(p => Text(p, "phase")));
            Assert.True(Long(phases[1], "offset") >= 0 && Long(phases[2], "offset") > Long(phases[1], "offset"), result.Shown);

            // Each broker rolled twice: first into zk mode with migration on, then into KRaft mode; all of the first before the copy.
            var rolled = events.Where(e => Kind(e) == "broker-rolled").ToArray();
            Assert.Equal([1, 2, 3, 1, 2, 3], rolled.Select(r => Int(r, "brokerId")));
            Assert.All(rolled.Take(3), r => Assert.True(Text(r, "mode") == "zk" && r.GetProperty("migration").GetBoolean()));
            Assert.All(rolled.Skip(3), r => Assert.True(Text(r, "mode") == "kraft" && !r.GetProperty("migration").GetBoolean()));
            Assert.True(Index(phases[0]) < Index(rolled[0]));
            Assert.All(rolled.Skip(3), r => Assert.True(Index(phases[1]) < Index(r) && Index(r) < Index(phases[2])));
            Assert.Equal([1, 2, 3], events.Where(e => Kind(e) == "broker-registered-with-quorum").Select(e => Int(e, "brokerId")).Order());

            // Controller epochs never go down: zk-mode elections in their epoch order, then the KRaft controller's claim with a higher
            // zk controller epoch, which fences the zk-mode controllers (none is elected after it); Raft epochs in their own order.
            var elected = events.Where(e => Kind(e) == "controller-elected").ToArray();
            var zkEpochs = elected.Where(e => Text(e, "mode") == "zk").Select(e => Int(e, "epoch")).ToArray();
            var raftEpochs = elected.Where(e => Text(e, "mode") == "kraft").Select(e => Int(e, "epoch")).ToArray();
            Assert.NotEmpty(zkEpochs);
            Assert.NotEmpty(raftEpochs);
            Assert.Equal(zkEpochs.Order(), zkEpochs);
            Assert.Equal(raftEpochs.Order(), raftEpochs);
            // A KRaft failover mid-migration (a busy machine can cause one) claims again, each time with a higher zk controller epoch.
            var claims = events.Where(e => Kind(e) == "zk-controller-claimed").ToArray();
            Assert.NotEmpty(claims);
            var claimedEpochs = claims.Select(c => Int(c, "zkControllerEpoch")).ToArray();
            Assert.Equal(claimedEpochs.Order(), claimedEpochs);
            Assert.Equal(claimedEpochs.Length, claimedEpochs.Distinct().Count());
            var claimed = claims[0];
            Assert.True(Int(claimed, "zkControllerEpoch") > zkEpochs.Max(), result.Shown);
            Assert.DoesNotContain(elected, e => Text(e, "mode") == "zk" && Index(e) > Index(claimed));
            Assert.True(Index(phases[0]) < Index(claimed) && Index(claimed) < Index(phases[1]));
            Assert.All(claims, c => Assert.Contains(Int(c, "raftEpoch"), raftEpochs));
            // A zk-mode controller's request that still reaches a broker after the claim is refused by the epoch.
            Assert.All(events.Where(e => Kind(e) == "stale-epoch-rejected"), r => Assert.True(Long(r, "staleEpoch") < Long(r, "currentEpoch")));

            // The driver's steps under their Kafka names: it waited for the brokers, claimed, copied, told the brokers and dual-wrote; then finalized.
            var steps = events.Where(e => Kind(e) == "migration-step" && Int(e, "controllerId") == Int(claimed, "controllerId"))
                .Select(e => Text(e, "driverState")).Where(s => s != "INACTIVE").Distinct().Take(5);
            Assert.Equal(["WAIT_FOR_BROKERS", "BECOME_CONTROLLER", "ZK_MIGRATION", "KRAFT_CONTROLLER_TO_BROKER_COMM", "DUAL_WRITE"], steps);
            var finalized = events.First(e => Kind(e) == "migration-step" && Text(e, "driverState") == "FINALIZED");
            Assert.True(Index(finalized) <= Index(phases[2]));
            var copied = Assert.Single(events, e => Kind(e) == "zk-metadata-migrated");
            Assert.Equal(Long(phases[1], "offset"), Long(copied, "offset"));
            Assert.Equal(1, Int(copied, "topics"));
            Assert.Equal(6, Int(copied, "partitions"));

            // Nothing acknowledged was lost, right before the summary and in it.
            var verified = Assert.Single(events, e => Kind(e) == "records-verified");
            Assert.Equal(verified, events[^2]);
            Assert.True(Long(verified, "acknowledged") > 0, verified.ToString());
            Assert.Equal(0, Long(verified, "lost"));
            Assert.Equal(0, Long(verified, "unreadable"));
            Assert.Equal(Long(verified, "acknowledged"), Long(verified, "found"));

            // The summary: finalized, every broker in KRaft mode, every partition fully replicated on them.
            var summary = events[^1];
            var migration = summary.GetProperty("migration");
            Assert.Equal("POST_MIGRATION", Text(migration, "phase"));
            Assert.Equal("FINALIZED", Text(migration, "driverState"));
            Assert.Equal(claimedEpochs[^1], Int(migration, "zkControllerEpoch"));
            Assert.All(migration.GetProperty("brokers").EnumerateArray(), b => Assert.True(Text(b, "mode") == "kraft" && !b.GetProperty("fenced").GetBoolean()));
            Assert.Equal([1, 2, 3], migration.GetProperty("brokers").EnumerateArray().Select(b => Int(b, "id")));
            var partitions = summary.GetProperty("partitions").EnumerateArray().ToArray();
            Assert.Equal(6, partitions.Length);
            Assert.All(partitions, p => Assert.Equal(3, Ints(p.GetProperty("isr")).Length));
            Assert.Equal(Long(verified, "acknowledged"), Long(summary.GetProperty("records"), "acknowledged"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Text_demo_prints_each_phase_and_step_then_the_partitions_and_the_migration_status_and_deletes_its_temporary_data_dir()
    {
        var result = await RunAsync("demo", "--mode", "migrate", "--partitions", "3");
        Assert.True(result.ExitCode == 0, result.Shown);

        var end = result.Stdout.ToList().IndexOf("phases: NONE -> PRE_MIGRATION -> MIGRATION -> POST_MIGRATION");
        Assert.True(end > 0, result.Shown);
        var timeline = result.Stdout.Take(end).ToArray();
        Assert.All(timeline, line => Assert.Matches(@"^\[\+\s*\d+ ms\] \S", line));
        string[] phases = ["phase NONE: ", "phase PRE_MIGRATION: ", "phase MIGRATION: ", "phase POST_MIGRATION: "];
        var at = phases.Select(p => Array.FindIndex(timeline, l => l.Contains(p))).ToArray();
        Assert.All(at, i => Assert.True(i >= 0, result.Shown));
        Assert.Equal(at.Order(), at);
        Assert.Contains(timeline, l => Regex.IsMatch(l, @"KRaft controller 300\d \(Raft epoch \d+\) claimed /controller and bumped /controller_epoch to \d+"));
        Assert.Contains(timeline, l => Regex.IsMatch(l, @"copied 1 topic and 3 partitions from the store into its log"));
        Assert.Contains(timeline, l => l.Contains("migration driver: DUAL_WRITE -> FINALIZED"));
        for (var id = 1; id <= 3; id++)
        {
            Assert.Contains(timeline, l => l.Contains($"broker {id} restarted on its data in zk mode with migration on"));
            Assert.Contains(timeline, l => l.Contains($"broker {id} restarted on its data in KRaft mode"));
        }

        var rest = result.Stdout.Skip(end).ToArray();
        Assert.Matches(@"^zk-mode controllers in turn: \d \(epoch \d+\)( -> \d \(epoch \d+\))*(; KRaft controller 300\d took /controller with zk controller epoch \d+)+$", rest[1]);
        Assert.Matches(@"^KRaft controllers in turn: 300\d \(Raft epoch \d+\)", rest[2]);
        var records = Regex.Match(rest[3], @"^records: (\d+) acknowledged, (\d+) found, 0 lost \(");
        Assert.True(records.Success, rest[3]);
        Assert.True(long.Parse(records.Groups[1].Value) > 0);
        Assert.Equal(records.Groups[1].Value, records.Groups[2].Value);
        Assert.Equal("partitions of orders at the end:", rest[4]);
        Assert.Matches(@"^  PARTITION\s+LEADER\s+LEADER EPOCH\s+ISR\s+REPLICAS$", rest[5]);
        Assert.All(rest.Skip(6).Take(3), row => Assert.Matches(@"^  orders-\d\s+\d\s+\d+\s+\d,\d,\d\s+\d,\d,\d$", row));
        Assert.Equal("migration status at the end:", rest[9]);
        Assert.StartsWith("  Phase: POST_MIGRATION (", rest[10]);
        Assert.Matches(@"^  Controller: 300\d, epoch \d+; its migration driver is in FINALIZED$", rest[11]);
        Assert.All(rest.Skip(16).Take(3), row => Assert.Matches(@"^    \d\s+kraft\s+unfenced$", row));
        Assert.StartsWith("  Next: nothing", rest[^1]);

        var dataDir = Regex.Match(timeline[0], @"\(data dir ([^)]+)\)").Groups[1].Value;
        Assert.NotEmpty(dataDir);
        Assert.False(Directory.Exists(dataDir), $"{dataDir} was left behind");
    }
}
