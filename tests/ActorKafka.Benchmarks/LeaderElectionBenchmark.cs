using ActorKafka.Broker;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>
/// zk mode, 3 brokers: (1) a broker is lost: from the store observing it (its /brokers/ids child
/// gone) to every partition it led having a new leader that has applied its LeaderAndIsr;
/// (2) controlled shutdown of a broker leading a third of the partitions: from the request to
/// the broker being told it may stop (every leadership moved).
/// </summary>
public static class LeaderElectionBenchmark
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var size = options.Ints("--partitions", 10000)[0];
        var failure = new List<double>();
        var failureChanges = new List<double>();
        var shutdown = new List<double>();
        var shutdownChanges = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            Console.Error.WriteLine($"run {run}/{options.Runs}: broker loss with {size} partitions");
            await using (var bench = await ZkBenchCluster.StartAsync(brokers: 3))
            {
                await bench.CreatePartitionsAsync(size);
                var victim = bench.Nodes.First(n => n.BrokerId != bench.LatestController.ControllerId);
                var led = LedBy(bench, victim.BrokerId, size);
                var lost = await bench.WatchAsync(new GetChildrenRequest("/brokers/ids", Watch: true), e => e.Type == WatchEventType.NodeChildrenChanged);
                await bench.KillAsync(victim);
                var observed = await lost.WaitAsync(TimeSpan.FromMinutes(2));
                await bench.WaitFor(() => led.All(p => bench.LeaderOf(p.Partition).LeaderEpoch > p.LeaderEpoch), "every lost leadership re-elected");
                failure.Add(TimestampProbe.Ms(observed, led.Max(p => bench.LeaderOf(p.Partition).At)));
                failureChanges.Add(led.Count);
            }

            Console.Error.WriteLine($"run {run}/{options.Runs}: controlled shutdown with {size} partitions");
            await using (var bench = await ZkBenchCluster.StartAsync(brokers: 3))
            {
                await bench.CreatePartitionsAsync(size);
                var stopping = bench.Nodes.First(n => n.BrokerId != bench.LatestController.ControllerId);
                var led = LedBy(bench, stopping.BrokerId, size);
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                var stopped = await stopping.Broker.Ask<BrokerStopped>(ShutdownBroker.Instance, TimeSpan.FromMinutes(2));
                var end = System.Diagnostics.Stopwatch.GetTimestamp();
                if (!stopped.Reason.Contains("moved every leadership")) throw new InvalidOperationException($"controlled shutdown: {stopped.Reason}");
                shutdown.Add(TimestampProbe.Ms(start, end));
                shutdownChanges.Add(led.Count);
            }
        }
        var report = new BenchmarkReport("leader-election");
        report.Add($"broker loss: leaderships moved ({size:N0} partitions)", "count", failureChanges);
        report.Add("broker loss: observed -> every new leader acknowledged", "ms", failure);
        report.Add("controlled shutdown: leaderships moved", "count", shutdownChanges);
        report.Add("controlled shutdown: request -> broker may stop", "ms", shutdown);
        return report;
    }

    /// <summary>The partitions a broker leads, from its own view (the leader epochs it holds).</summary>
    private static List<(TopicPartition Partition, int LeaderEpoch)> LedBy(ZkBenchCluster bench, int brokerId, int size)
    {
        var state = bench.Nodes.Single(n => n.BrokerId == brokerId).Broker.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, TimeSpan.FromSeconds(60))
            .GetAwaiter().GetResult();
        var led = state.Replicas.Where(r => r.IsLeader).Select(r => (r.Partition, r.LeaderEpoch)).ToList();
        if (led.Count == 0 || state.Replicas.Count != size) throw new InvalidOperationException($"broker {brokerId} holds {state.Replicas.Count} of {size} replicas");
        return led;
    }
}
