using ActorKafka.Controller;
using ActorKafka.Coordination;

namespace ActorKafka.Benchmarks;

/// <summary>
/// zk mode: from the controller's death being observed (its /controller znode deleted) to every
/// live broker holding the new epoch's metadata for every partition, split into election (the
/// next controller wins the /controller race), state load (pipelined reads of every broker,
/// topic and partition state) and propagation (UpdateMetadata to every broker).
/// </summary>
public static class ControllerFailoverBenchmark
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var mode = options.Value("--mode") ?? "zk";
        if (mode != "zk") throw new ArgumentException($"--mode {mode}: only zk is built so far (kraft comes with the quorum controller)");
        var sizes = options.Ints("--partitions", 1000, 10000, 100000);
        var report = new BenchmarkReport("controller-failover");
        foreach (var size in sizes)
        {
            var election = new List<double>();
            var load = new List<double>();
            var propagation = new List<double>();
            var total = new List<double>();
            for (var run = 1; run <= options.Runs; run++)
            {
                Console.Error.WriteLine($"{size} partitions, run {run}/{options.Runs}: creating the cluster and its partitions");
                await using var bench = await ZkBenchCluster.StartAsync(brokers: 3);
                await bench.CreatePartitionsAsync(size);
                var (oldEpoch, _) = bench.LatestController;
                var deleted = await bench.WatchAsync(new ExistsRequest("/controller", Watch: true), e => e.Type == WatchEventType.NodeDeleted);

                Console.Error.WriteLine($"{size} partitions, run {run}: killing controller {bench.Controller.BrokerId}");
                await bench.KillAsync(bench.Controller);
                var observed = await deleted.WaitAsync(TimeSpan.FromMinutes(2));
                var epoch = oldEpoch + 1;
                var live = bench.Nodes.Select(n => n.BrokerId).ToArray();
                await bench.WaitFor(() => bench.Election(epoch) is not null && live.All(b => bench.MetadataAt(b, epoch).Partitions >= size),
                    $"every broker holding epoch {epoch}'s metadata");

                await bench.WaitFor(() => bench.Of<ControllerFailoverCompleted>().Any(e => e.Event.Epoch == epoch), "the failover reported");
                var elected = bench.Election(epoch)!.Value.At;
                var completed = bench.Of<ControllerFailoverCompleted>().Single(e => e.Event.Epoch == epoch).Event;
                var done = live.Max(b => bench.MetadataAt(b, epoch).LastAt);
                election.Add(TimestampProbe.Ms(observed, elected));
                load.Add(completed.Load.TotalMilliseconds);
                propagation.Add(TimestampProbe.Ms(elected, done) - completed.Load.TotalMilliseconds);
                total.Add(TimestampProbe.Ms(observed, done));
            }
            report.Add($"zk {size,7:N0} partitions: election", "ms", election);
            report.Add($"zk {size,7:N0} partitions: state load", "ms", load);
            report.Add($"zk {size,7:N0} partitions: propagation", "ms", propagation);
            report.Add($"zk {size,7:N0} partitions: total", "ms", total);
        }
        report.Note("total = /controller deleted (observed by a store watch) -> the last live broker holds the new epoch's metadata for every partition");
        return report;
    }
}
