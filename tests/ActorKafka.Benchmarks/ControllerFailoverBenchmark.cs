using System.Diagnostics;
using ActorKafka.Benchmarks.Charts;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>
/// Controller failover in both metadata modes, under one definition: the clock starts when the
/// active controller's node is terminated (ActorSystem.Terminate, as a process dying) and stops
/// when a new controller is active in a later epoch, has shown it can serve, and every live
/// broker holds that epoch's metadata for every partition.
/// <list type="bullet">
/// <item>zk: the last live broker has applied the new epoch's UpdateMetadata for every partition
/// (which the new controller sends only after winning /controller and loading every broker, topic
/// and partition-state znode). Phases: detection (kill -> a store-side watch sees /controller
/// deleted), election, state load, propagation.</item>
/// <item>kraft: the new controller has answered a CreateTopics sent the moment it became active
/// (answered at commit, so it has written), and every broker's Raft observer has delivered the new
/// epoch's LeaderChange record (the broker's image names the new controller; its partition
/// metadata came from the log already and did not change). Phases: Raft election (kill -> a
/// surviving voter leads), activation (its LeaderChange committed: ControllerElected), first write.</item>
/// </list>
/// Kraft mode also times a new broker joining the cluster until the controller says it has caught
/// up (through the leader's Raft snapshot: each node snapshots once near the end of the setup, or
/// every --snapshot-every entries) and measures the metadata image's heap size in this process.
/// </summary>
public static class ControllerFailoverBenchmark
{
    private const int JoiningBrokerId = 4;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var modes = Modes(options.Value("--mode") ?? "zk");
        var sizes = options.Ints("--partitions", 1000, 10000, 100000);
        var zkMax = options.Ints("--zk-max-partitions", 100_000)[0];
        int? snapshotEvery = options.Value("--snapshot-every") is { } every ? int.Parse(every) : null;
        var timings = options.Value("--raft-timings") ?? "default";
        var kraftHocon = RaftTimings(timings);
        var replicaManagers = options.Args.Contains("--replica-managers");
        var report = new BenchmarkReport("controller-failover");
        var runTotals = new Dictionary<(string Mode, int Size), IReadOnlyList<double>>();
        // Measured first, while the heap holds nothing else: no cluster's garbage to confuse it.
        var images = new Dictionary<int, ImageMemory>();
        if (modes.Contains("kraft"))
        {
            foreach (var size in sizes)
            {
                Console.Error.WriteLine($"kraft {size:N0} partitions: measuring the metadata image's heap size");
                images[size] = KraftImageMemory.Measure(size);
            }
        }
        foreach (var size in sizes)
        {
            if (modes.Contains("zk") && size <= zkMax) runTotals[("zk", size)] = await RunZkAsync(size, options.Runs, replicaManagers, report);
            if (!modes.Contains("kraft")) continue;
            var kraft = await RunKraftAsync(size, options.Runs, snapshotEvery, kraftHocon, replicaManagers, images[size], report);
            if (kraft.Count > 0) runTotals[("kraft", size)] = kraft;
        }
        var totals = runTotals.ToDictionary(t => t.Key, t => Statistics.Median(t.Value));

        report.Note("total = the active controller's node terminated -> a new controller active and serving, and every live broker holding " +
                    "the new epoch's metadata for every partition; node terminated = kill -> ActorSystem.Terminate() " +
                    "completed (coordinated shutdown: cluster leave, then remoting closes)");
        report.Note(replicaManagers
            ? "brokers run their replica managers (partition logs and replication) throughout"
            : "brokers' replica managers (partition logs, replication: the data plane) are stopped at start, in both modes: control plane only");
        if (modes.Contains("zk"))
        {
            report.Note("zk phases are consecutive and add up to the total: detection = kill -> /controller deleted (seen by a store watch), " +
                        "then election, state load, propagation; from-detection total = /controller deleted -> the last " +
                        "live broker has the new epoch's UpdateMetadata for every partition (the definition of earlier runs)");
        }
        if (modes.Contains("kraft"))
        {
            report.Note(timings == "default"
                ? "kraft Raft timings: KRaft's defaults (election-timeout 1 s, fetch-timeout 2 s, fetch-max-wait 500 ms, request-timeout 1 s)"
                : $"kraft Raft timings: {kraftHocon.Replace('\n', ';')}");
            report.Note("kraft times are each from the kill: raft election = a surviving voter leads; " +
                        "LeaderChange committed = the new leader's own replica delivered its epoch's LeaderChange; " +
                        "active = ControllerElected (the controller took over from its image); " +
                        "first write = its answer to a CreateTopics sent at ControllerElected; brokers at new epoch = the last broker's " +
                        "observer delivered the new epoch's LeaderChange");
            report.Note("kraft catch-up (after the killed controller was restarted and caught up) = a new broker's roles start (once its " +
                        "ActorSystem joined the Akka cluster) -> the controller's heartbeat answer says it has caught up (MetadataCaughtUp); " +
                        "node start includes the ActorSystem and the cluster join; log fetched = its observer delivered the log up to its own " +
                        "registration (snapshot download and install included), the rest is the broker applying it and one heartbeat");
        }
        var shared = sizes.Where(s => totals.ContainsKey(("zk", s)) && totals.ContainsKey(("kraft", s))).ToArray();
        if (shared.Length > 0)
        {
            report.Note("side by side, median total from the kill:");
            report.Note($"  {"partitions",10}  {"zk",9}  {"kraft",9}  zk/kraft");
            foreach (var size in shared)
            {
                var (zk, kraft) = (totals[("zk", size)], totals[("kraft", size)]);
                report.Note($"  {size,10:N0}  {zk,6:N0} ms  {kraft,6:N0} ms  {zk / kraft,6:0.0}x");
                report.Add($"zk/kraft {size,9:N0} partitions: total ratio", "x", [zk / kraft]);
            }
        }
        var kraftSizes = sizes.Where(s => totals.ContainsKey(("kraft", s))).ToArray();
        if (kraftSizes.Length > 1)
        {
            var (small, large) = (kraftSizes.Min(), kraftSizes.Max());
            var growth = totals[("kraft", large)] / totals[("kraft", small)];
            report.Add($"kraft total {large:N0} / {small:N0} partitions", "x", [growth]);
            report.Note($"kraft flatness: total at {large:N0} partitions is {growth:0.00}x the total at {small:N0} (target <= 1.5x)");
        }
        if (runTotals.Count > 0)
            report.Chart(ControllerFailoverChart.FileName, LineChartSvg.Render(ControllerFailoverChart.Build(runTotals, options.Runs, timings, replicaManagers)));
        else
            report.Note($"no run completed: {ControllerFailoverChart.FileName} not written");
        return report;
    }

    /// <summary>default: KRaft's own (election 1 s, fetch timeout 2 s); fast: the Raft lines of hocon/fast-sessions.conf.</summary>
    private static string RaftTimings(string timings) => timings switch
    {
        "default" => "",
        "fast" => string.Join('\n', NodeConfig.FastSessionsHocon.Split('\n').Where(l => l.TrimStart().StartsWith("actorkafka.raft.", StringComparison.Ordinal))),
        _ => throw new ArgumentException($"--raft-timings {timings}: expected default or fast"),
    };

    private static HashSet<string> Modes(string mode)
    {
        var modes = mode.Equals("both", StringComparison.OrdinalIgnoreCase)
            ? new HashSet<string> { "zk", "kraft" }
            : mode.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToLowerInvariant()).ToHashSet();
        if (modes.Count == 0 || modes.Any(m => m is not ("zk" or "kraft")))
            throw new ArgumentException($"--mode {mode}: expected zk, kraft, both or zk,kraft");
        return modes;
    }

    /// <summary>zk mode: returns each run's total from the kill.</summary>
    private static async Task<IReadOnlyList<double>> RunZkAsync(int size, int runs, bool replicaManagers, BenchmarkReport report)
    {
        var terminated = new List<double>();
        var detection = new List<double>();
        var election = new List<double>();
        var load = new List<double>();
        var propagation = new List<double>();
        var fromDetection = new List<double>();
        var total = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            Console.Error.WriteLine($"zk {size:N0} partitions, run {run}/{runs}: creating the cluster and its partitions");
            await using var bench = await ZkBenchCluster.StartAsync(brokers: 3, replicaManagers);
            await bench.CreatePartitionsAsync(size);
            var (oldEpoch, _) = bench.LatestController;
            var deleted = await bench.WatchAsync(new ExistsRequest("/controller", Watch: true), e => e.Type == WatchEventType.NodeDeleted);
            CollectGarbage();

            Console.Error.WriteLine($"zk {size:N0} partitions, run {run}: killing controller {bench.Controller.BrokerId}");
            var killAt = Stopwatch.GetTimestamp();
            await bench.KillAsync(bench.Controller);
            terminated.Add(TimestampProbe.Ms(killAt, Stopwatch.GetTimestamp()));
            var observed = await deleted.WaitAsync(TimeSpan.FromMinutes(2));
            var epoch = oldEpoch + 1;
            var live = bench.Nodes.Select(n => n.BrokerId).ToArray();
            await bench.WaitFor(() => bench.Election(epoch) is not null && live.All(b => bench.MetadataAt(b, epoch).Partitions >= size),
                $"every broker holding epoch {epoch}'s metadata");

            await bench.WaitFor(() => bench.Of<ControllerFailoverCompleted>().Any(e => e.Event.Epoch == epoch), "the failover reported");
            var elected = bench.Election(epoch)!.Value.At;
            var completed = bench.Of<ControllerFailoverCompleted>().Single(e => e.Event.Epoch == epoch).Event;
            var done = live.Max(b => bench.MetadataAt(b, epoch).LastAt);
            detection.Add(TimestampProbe.Ms(killAt, observed));
            election.Add(TimestampProbe.Ms(observed, elected));
            load.Add(completed.Load.TotalMilliseconds);
            propagation.Add(TimestampProbe.Ms(elected, done) - completed.Load.TotalMilliseconds);
            fromDetection.Add(TimestampProbe.Ms(observed, done));
            total.Add(TimestampProbe.Ms(killAt, done));
            Console.Error.WriteLine($"zk {size:N0} partitions, run {run}: total {total[^1]:N0} ms from the kill ({fromDetection[^1]:N0} ms from detection)");
        }
        report.Add($"zk    {size,9:N0} partitions: node terminated", "ms", terminated);
        report.Add($"zk    {size,9:N0} partitions: detection", "ms", detection);
        report.Add($"zk    {size,9:N0} partitions: election", "ms", election);
        report.Add($"zk    {size,9:N0} partitions: state load", "ms", load);
        report.Add($"zk    {size,9:N0} partitions: propagation", "ms", propagation);
        report.Add($"zk    {size,9:N0} partitions: total from detection", "ms", fromDetection);
        report.Add($"zk    {size,9:N0} partitions: total", "ms", total);
        return total;
    }

    /// <summary>kraft mode: failover, then a new broker's catch-up, on a fresh cluster per run; returns each completed run's failover total.</summary>
    private static async Task<IReadOnlyList<double>> RunKraftAsync(int size, int runs, int? snapshotEveryOption, string hocon, bool replicaManagers,
        ImageMemory memory, BenchmarkReport report)
    {
        var election = new List<double>();
        var committed = new List<double>();
        var active = new List<double>();
        var write = new List<double>();
        var brokers = new List<double>();
        var total = new List<double>();
        var terminated = new List<double>();
        var catchUps = new List<KraftCatchUp>();
        var topics = (size + KraftBenchCluster.PartitionsPerTopic - 1) / KraftBenchCluster.PartitionsPerTopic;
        // The setup writes seven entries before the first topic (LeaderChange, three registrations,
        // three unfencings), then one per topic: by default every node snapshots once, when two
        // topics are left, so a joiner meets a snapshot of nearly everything and a short log tail.
        var snapshotEvery = snapshotEveryOption ?? topics + 5;
        var failed = new List<string>();
        for (var run = 1; run <= runs; run++)
        {
            var label = $"kraft {size:N0} partitions, run {run}/{runs}";
            try
            {
                Console.Error.WriteLine($"{label}: creating the cluster and its partitions (Raft snapshots every {snapshotEvery} entries)");
                await using var bench = await KraftBenchCluster.StartAsync(brokers: 3, snapshotEvery, hocon, replicaManagers);
                await bench.CreatePartitionsAsync(size, expectSnapshots: true, label);
                CollectGarbage();
                await bench.SettleAsync();

                Console.Error.WriteLine($"{label}: killing the active controller");
                var failover = await bench.KillActiveControllerAsync();
                election.Add(failover.RaftLeaderElected);
                committed.Add(failover.LeaderChangeCommitted);
                active.Add(failover.ControllerActive);
                write.Add(failover.WriteServed);
                brokers.Add(failover.BrokersAtNewEpoch);
                total.Add(failover.Total);
                terminated.Add(failover.Terminated);
                Console.Error.WriteLine($"{label}: controller {failover.NewController} active in epoch {failover.NewEpoch} after " +
                                        $"{failover.ControllerActive:N0} ms, total {failover.Total:N0} ms");

                // The joiner meets a whole quorum: with a voter down, its first discovery fetch may go to the dead one.
                await bench.RestartControllerAsync(failover.OldController);
                CollectGarbage();
                await bench.SettleAsync();

                Console.Error.WriteLine($"{label}: starting broker {JoiningBrokerId}");
                var catchUp = await bench.JoinBrokerAsync(JoiningBrokerId);
                catchUps.Add(catchUp);
                var path = catchUp.ViaSnapshot
                    ? $"snapshot of {catchUp.SnapshotBytes / 1e6:0.0} MB to offset {catchUp.SnapshotEndOffset} + {catchUp.BatchesReplayed} batches"
                    : $"log replay of {catchUp.BatchesReplayed} batches";
                Console.Error.WriteLine($"{label}: broker {JoiningBrokerId} caught up {catchUp.CaughtUp - catchUp.RolesStarted:N0} ms after its roles " +
                                        $"started ({catchUp.CaughtUp:N0} ms after its node started) via {path}");
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or AskTimeoutException)
            {
                // One broken run (a node that died during setup, say) must not lose the others' numbers.
                Console.Error.WriteLine($"{label}: failed: {e.Message}");
                failed.Add($"run {run}: {e.Message}");
            }
        }
        var name = $"kraft {size,9:N0} partitions";
        report.Add($"{name}: image heap (replayed)", "MB", [memory.ReplayedBytes / 1e6]);
        report.Add($"{name}: image heap per partition (replayed)", "bytes", [memory.ReplayedBytesPerPartition]);
        report.Add($"{name}: image heap (loaded from snapshot)", "MB", [memory.SnapshotLoadedBytes / 1e6]);
        report.Add($"{name}: image snapshot size", "MB", [memory.SnapshotBytes / 1e6]);
        foreach (var failure in failed) report.Note($"kraft {size:N0} partitions: {failure}");
        if (total.Count == 0) return total;
        report.Add($"{name}: node terminated", "ms", terminated);
        report.Add($"{name}: raft election", "ms", election);
        report.Add($"{name}: LeaderChange committed", "ms", committed);
        report.Add($"{name}: active", "ms", active);
        report.Add($"{name}: first write", "ms", write);
        report.Add($"{name}: brokers at new epoch", "ms", brokers);
        report.Add($"{name}: total", "ms", total);
        if (catchUps.Count == 0) return total;
        report.Add($"{name}: catch-up (roles start -> caught up)", "ms", catchUps.Select(c => c.CaughtUp - c.RolesStarted));
        report.Add($"{name}: catch-up (roles start -> log fetched to its registration)", "ms", catchUps.Select(c => c.LogFetched - c.RolesStarted));
        report.Add($"{name}: catch-up (node start -> caught up)", "ms", catchUps.Select(c => c.CaughtUp));
        report.Add($"{name}: catch-up (node start -> unfenced)", "ms", catchUps.Select(c => c.Unfenced));
        if (catchUps.All(c => c.ViaSnapshot))
            report.Add($"{name}: catch-up snapshot installed (roles start ->)", "ms", catchUps.Select(c => c.SnapshotLoaded - c.RolesStarted));
        var viaSnapshot = catchUps.Count(c => c.ViaSnapshot);
        report.Note($"kraft {size:N0} partitions: the joining broker loaded the leader's snapshot in {viaSnapshot} of {catchUps.Count} runs " +
                    $"({string.Join("; ", catchUps.Select(c => c.ViaSnapshot ? $"{c.SnapshotBytes / 1e6:0.0} MB to offset {c.SnapshotEndOffset} + {c.BatchesReplayed} batches" : $"{c.BatchesReplayed} batches replayed"))})");
        return total;
    }

    /// <summary>Every node shares this process's heap: start each measurement without the setup's garbage.</summary>
    private static void CollectGarbage()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}
