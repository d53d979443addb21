using System.Diagnostics;
using Xunit.Abstractions;

namespace ActorKafka.Testing.Jepsen;

// The zk and kraft runs are the classes ZkJepsenTests and KraftJepsenTests, each in its own test
// project (ActorKafka.Jepsen.Zk.Tests, ActorKafka.Jepsen.Kraft.Tests) so that the two run side by
// side in separate processes rather than competing for one process's thread pool.

/// <summary>
/// Jepsen-style runs of replication under faults: RF 3, min.insync.replicas 2, acks=all, a
/// producer running while a seeded schedule kills and restarts leaders, followers and the
/// controller. After healing, every acknowledged record must be on every in-sync replica at its
/// offset, the replicas must agree below the high watermark, and offsets must have no gaps.
/// One cluster per mode serves every schedule (a topic each). By default 30 schedules per mode run
/// (seeds 1..30; ACTORKAFKA_JEPSEN_SCHEDULES=n for n, 0 to skip); replay one with
/// ACTORKAFKA_JEPSEN_SEED=s; print every timeline with ACTORKAFKA_JEPSEN_VERBOSE=1. With 30 per
/// mode on the 2-core machine: zk about 2 minutes (about 4 s a schedule), kraft about 3 (about
/// 6 s: a broker's restart waits for its old session to expire). Then the 2013 schedule, clean
/// (nothing lost) and with unclean election and min.insync.replicas 1 (acknowledged records
/// lost: the trade-off).
/// </summary>
public abstract class JepsenTests(JepsenFixture fixture, ITestOutputHelper output)
{
    public const string SeedVariable = "ACTORKAFKA_JEPSEN_SEED";
    public const string SchedulesVariable = "ACTORKAFKA_JEPSEN_SCHEDULES";

    /// <summary>Set (to anything) to print every run's timeline, not only a failed one's.</summary>
    public const string VerboseVariable = "ACTORKAFKA_JEPSEN_VERBOSE";

    /// <summary>Schedules per mode when <see cref="SchedulesVariable"/> is not set.</summary>
    public const int DefaultSchedules = 30;

    private static bool Verbose => Environment.GetEnvironmentVariable(VerboseVariable) is { Length: > 0 };

    [JepsenFact]
    public async Task Seeded_schedules_keep_every_acknowledged_record()
    {
        var seeds = Seeds();
        var clock = Stopwatch.StartNew();
        var cluster = await fixture.ClusterAsync();
        var runner = new JepsenRunner(cluster, fixture.Client);
        output.WriteLine($"[{cluster.Mode}] cluster up in {fixture.StartTime.TotalSeconds:F1} s; {seeds.Count} schedule(s)");
        var acknowledged = 0;
        foreach (var seed in seeds)
        {
            var outcome = await runner.RunAsync(JepsenSchedule.Generate(seed, runner.Partitions), $"jepsen-{seed}");
            output.WriteLine($"[{cluster.Mode}] seed {seed}: {(outcome.Ok ? "ok" : "FAILED")} in {outcome.Elapsed.TotalSeconds:F1} s; {outcome.Workload}");
            if (Verbose) output.WriteLine(outcome.Report());
            if (!outcome.Ok)
                Assert.Fail(outcome.Report() + $"\nreplay: {SchedulesVariable}=1 {SeedVariable}={seed} dotnet test tests/ActorKafka.Jepsen.{(cluster.Mode == "zk" ? "Zk" : "Kraft")}.Tests " +
                            $"--filter \"FullyQualifiedName~{GetType().Name}.{nameof(Seeded_schedules_keep_every_acknowledged_record)}\"");
            acknowledged += outcome.Checks.Sum(c => c.Acknowledged);
        }
        cluster.AssertSafety();
        output.WriteLine($"[{cluster.Mode}] {seeds.Count} schedule(s) in {clock.Elapsed.TotalSeconds:F1} s: {acknowledged} acknowledged records, none lost");
    }

    [JepsenFact]
    public async Task The_2013_schedule_loses_nothing_with_clean_election_and_min_insync_replicas_2()
    {
        var cluster = await fixture.ClusterAsync();
        var outcome = await Jepsen2013Scenario.RunAsync(cluster, fixture.Client, unclean: false, "jepsen-2013-clean");
        output.WriteLine(outcome.Report());
        Assert.True(outcome.Ok, outcome.Report());
        cluster.AssertSafety();
    }

    [JepsenFact]
    public async Task The_2013_schedule_loses_acknowledged_records_with_unclean_election_and_min_insync_replicas_1()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await fixture.StartClusterAsync(TestReplication.Unclean);
        output.WriteLine($"[{cluster.Mode}] unclean cluster up in {clock.Elapsed.TotalSeconds:F1} s");
        var outcome = await Jepsen2013Scenario.RunAsync(cluster, fixture.Client, unclean: true, "jepsen-2013-unclean");
        output.WriteLine(outcome.Report());
        Assert.True(outcome.Failure is null, outcome.Report());
        // The trade-off made visible: records acknowledged to acks=all are gone (their offsets hold
        // later records), yet the replicas agree with each other and the log has no gap.
        Assert.True(outcome.Lost > 0, "no acknowledged record was lost:\n" + outcome.Report());
        Assert.True(outcome.Checks.All(c => c.Violations.Count == 0), outcome.Report());
        output.WriteLine($"[{cluster.Mode}] unclean election lost {outcome.Lost} acknowledged record(s) of {outcome.Checks.Sum(c => c.Acknowledged)}");
        cluster.AssertSafety();
    }

    private static IReadOnlyList<int> Seeds()
    {
        if (Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } seed)
            return [int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture)];
        var count = Environment.GetEnvironmentVariable(SchedulesVariable) is { Length: > 0 } n
            ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)
            : DefaultSchedules;
        return Enumerable.Range(1, count).ToArray();
    }
}
