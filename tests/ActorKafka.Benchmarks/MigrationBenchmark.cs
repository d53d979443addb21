using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>
/// Live migration zk -> KRaft (KIP-866) on a zk-mode cluster of three brokers and N partitions at
/// RF 3, a fresh cluster per run: first the zk-mode controller's failover on that cluster (the
/// baseline: its state load reads what the migration copies), then the quorum's PRE_MIGRATION ->
/// MIGRATION (the claim of /controller, the metadata copy into the log, DualWrite), then a broker
/// killed in DualWrite and the time its moved leaderships take from the quorum's commit to the store.
/// </summary>
public static class MigrationBenchmark
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var sizes = options.Ints("--partitions", 1000, 10000);
        // The driver's multis in DualWrite and the copy's /migration write (default 100 partitions each).
        var perMulti = options.Value("--max-partitions-per-multi");
        var hocon = perMulti is null ? "" : $"actorkafka.controller.migration.max-partitions-per-multi = {int.Parse(perMulti)}";
        var report = new BenchmarkReport("migration");
        var summary = new List<string>();
        // Measured first, while the heap holds no cluster.
        var planCost = new Dictionary<int, double>();
        foreach (var size in sizes)
        {
            Console.Error.WriteLine($"migration {size:N0} partitions: timing the dual write's plan for one leader change");
            planCost[size] = DualWritePlanCost.Measure(size);
        }
        foreach (var size in sizes)
        {
            report.Add($"{size,9:N0} partitions: dual-write plan for one leader change", "ms", [planCost[size]]);
            var runs = new List<MigrationRun>();
            var baselines = new List<ZkFailoverBaseline>();
            var failures = new List<string>();
            for (var run = 1; run <= options.Runs; run++)
            {
                var label = $"migration {size:N0} partitions, run {run}/{options.Runs}";
                try
                {
                    runs.Add(await RunOnceAsync(size, label, hocon, baselines));
                }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException or AskTimeoutException)
                {
                    // One broken run must not lose the others' numbers.
                    Console.Error.WriteLine($"{label}: failed: {e.Message}");
                    failures.Add($"run {run}: {e.Message}");
                }
            }
            foreach (var failure in failures) report.Note($"{size:N0} partitions: {failure}");
            var name = $"{size,9:N0} partitions";
            if (baselines.Count > 0)
            {
                report.Add($"{name}: zk failover state load", "ms", baselines.Select(b => b.StateLoad));
                report.Add($"{name}: zk failover total", "ms", baselines.Select(b => b.Total));
            }
            if (runs.Count == 0) continue;
            Add(report, name, runs);
            summary.Add(SummaryRow(size, runs));
        }

        report.Note("zk failover = the zk controller actor stopped (its broker keeps running) -> a new zk controller has loaded every broker, " +
                    "topic and partition state (state load, its own clock) and every broker has applied its UpdateMetadata for every partition (total)");
        report.Note("migration times are from the last zk broker's registration with the quorum: brokers unfenced (the last broker told), " +
                    "/controller claimed, metadata copy committed (ZkMetadataMigrated seen), driver in DualWrite");
        report.Note("copy = ZkMetadataMigrated.Elapsed (read the store, append one batch, its commit, /migration written); " +
                    "copy wall = the claim event -> the migrated event; records = topics + partitions + the ZkMigrationStateRecord");
        report.Note("dual-write = a broker (the one leading most partitions) killed in DualWrite; per partition it led: LeaderElected committed by " +
                    "the quorum -> an exists watch on its state znode fired; fence = kill -> first leader moved (the broker session, 3 s); " +
                    "all written = first leader moved -> the last state znode written");
        report.Note("dual-write plan = ZkDualWritePlanner.Plan(previous image, next image) for one leader change, in this process without a " +
                    "cluster (median of 5): the driver's cost per committed batch before it writes anything");
        if (perMulti is not null) report.Note($"driver override: {hocon}");
        if (summary.Count > 0)
        {
            report.Note("side by side (medians):");
            report.Note($"  {"partitions",10}  {"zk load",9}  {"copy",9}  {"copy/load",9}  {"registered->DualWrite",21}  {"dual-write p50",14}");
            foreach (var row in summary) report.Note(row);
        }
        return report;
    }

    /// <summary>One run on a fresh cluster; its baseline goes to <paramref name="baselines"/> even when the migration then fails.</summary>
    private static async Task<MigrationRun> RunOnceAsync(int size, string label, string hocon, List<ZkFailoverBaseline> baselines)
    {
        Console.Error.WriteLine($"{label}: starting the zk cluster (quorum provisioned, then down) and creating {size:N0} partitions");
        await using var bench = await MigrationBenchCluster.StartAsync(brokers: 3, hocon);
        await bench.CreatePartitionsAsync(size);

        Console.Error.WriteLine($"{label}: stopping zk controller {bench.ZkController.ControllerId} (baseline failover)");
        var baseline = await MigrationSteps.ZkControllerFailoverAsync(bench, size);
        Console.Error.WriteLine($"{label}: zk failover state load {baseline.StateLoad:N0} ms, total {baseline.Total:N0} ms");
        baselines.Add(baseline);

        Console.Error.WriteLine($"{label}: starting the KRaft quorum in PRE_MIGRATION");
        var migration = await MigrationSteps.MigrateAsync(bench);
        Console.Error.WriteLine($"{label}: {migration.Records:N0} records copied in {migration.Copy:N0} ms ({migration.RecordsPerSecond:N0} records/s); " +
                                $"DualWrite {migration.DualWrite:N0} ms after the last broker registered");

        Console.Error.WriteLine($"{label}: killing a broker in DualWrite");
        var dualWrite = await MigrationSteps.DualWriteAsync(bench);
        Console.Error.WriteLine($"{label}: broker {dualWrite.Victim} fenced after {dualWrite.Fenced:N0} ms; {dualWrite.Latencies.Count:N0} moved leaderships " +
                                $"in the store, p50 {dualWrite.Median:N0} ms, p99 {dualWrite.P99:N0} ms after their commit");
        return new MigrationRun(baseline, migration, dualWrite);
    }

    private static void Add(BenchmarkReport report, string name, IReadOnlyList<MigrationRun> runs)
    {
        report.Add($"{name}: copy (driver's clock)", "ms", runs.Select(r => r.Migration.Copy));
        report.Add($"{name}: copy wall (claim -> migrated)", "ms", runs.Select(r => r.Migration.CopyWall));
        report.Add($"{name}: copy records/s", "records/s", runs.Select(r => r.Migration.RecordsPerSecond));
        report.Add($"{name}: copy / zk state load", "x", runs.Select(r => r.CopyToZkLoad));
        report.Add($"{name}: registered -> brokers unfenced", "ms", runs.Select(r => r.Migration.BrokersUnfenced));
        report.Add($"{name}: registered -> /controller claimed", "ms", runs.Select(r => r.Migration.Claimed));
        report.Add($"{name}: registered -> copy committed", "ms", runs.Select(r => r.Migration.Copied));
        report.Add($"{name}: registered -> DualWrite", "ms", runs.Select(r => r.Migration.DualWrite));
        report.Add($"{name}: dual-write fence (kill -> first leader moved)", "ms", runs.Select(r => r.DualWrite.Fenced));
        report.Add($"{name}: dual-write p50 (commit -> znode)", "ms", runs.Select(r => r.DualWrite.Median));
        report.Add($"{name}: dual-write p99 (commit -> znode)", "ms", runs.Select(r => r.DualWrite.P99));
        report.Add($"{name}: dual-write all written", "ms", runs.Select(r => r.DualWrite.LastWritten));
        report.Add($"{name}: dual-write leaderships moved", "", runs.Select(r => (double)r.DualWrite.Latencies.Count));
        var missing = runs.Sum(r => r.DualWrite.Missing);
        if (missing > 0) report.Note($"{name.Trim()}: {missing} led partitions had no timed move (no LeaderElected after the kill or no store write seen)");
    }

    private static string SummaryRow(int size, IReadOnlyList<MigrationRun> runs)
    {
        var load = Statistics.Median(runs.Select(r => r.Baseline.StateLoad).ToArray());
        var copy = Statistics.Median(runs.Select(r => r.Migration.Copy).ToArray());
        var ratio = Statistics.Median(runs.Select(r => r.CopyToZkLoad).ToArray());
        var toDual = Statistics.Median(runs.Select(r => r.Migration.DualWrite).ToArray());
        var dual = Statistics.Median(runs.Select(r => r.DualWrite.Median).ToArray());
        return $"  {size,10:N0}  {load,6:N0} ms  {copy,6:N0} ms  {ratio,8:0.00}x  {toDual,18:N0} ms  {dual,11:N0} ms";
    }
}
