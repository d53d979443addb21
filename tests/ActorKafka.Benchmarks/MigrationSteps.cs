using System.Diagnostics;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Migration;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Benchmarks;

/// <summary>The three timed steps of one migration run, in the order they run on one cluster.</summary>
public static class MigrationSteps
{
    private static readonly TimeSpan StepBound = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DualWriteBound = TimeSpan.FromMinutes(2);
    // Several of the driver's append timeouts (30 s): a copy that has not committed by then will not.
    private static readonly TimeSpan MigrationBound = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The zk-mode controller actor is stopped (its session ends, /controller goes) while its
    /// broker keeps running: the same cluster, every ISR intact for the migration that follows.
    /// Total: the stop -> every broker has applied the new epoch's UpdateMetadata for every partition.
    /// </summary>
    public static async Task<ZkFailoverBaseline> ZkControllerFailoverAsync(MigrationBenchCluster bench, int partitions)
    {
        var old = bench.ZkController;
        var node = bench.Cluster.ZkBrokers[old.ControllerId];
        var brokers = bench.BrokerIds;
        var log = bench.Log;
        ControllerFailoverCompleted? Next() => log.Of<ControllerFailoverCompleted>().Select(c => c.Event).FirstOrDefault(c => c.Epoch > old.Epoch);
        CollectGarbage();

        var stoppedAt = Stopwatch.GetTimestamp();
        node.System.Stop(node.Controller);
        await log.WaitFor(() => Next() is { } c && brokers.All(b => log.MetadataAt(b, c.Epoch).Partitions >= partitions),
            "a new zk controller's metadata on every broker", StepBound);
        var completed = Next()!;
        var done = brokers.Max(b => log.MetadataAt(b, completed.Epoch).LastAt);
        return new ZkFailoverBaseline(completed.Load.TotalMilliseconds, TimestampProbe.Ms(stoppedAt, done));
    }

    /// <summary>The quorum restarted in PRE_MIGRATION; the brokers register with it and the driver walks to DualWrite.</summary>
    public static async Task<MigrationTimes> MigrateAsync(MigrationBenchCluster bench)
    {
        var log = bench.Log;
        CollectGarbage();
        var since = await bench.StartQuorumAsync();
        try
        {
            await log.WaitFor(() => log.Has<MigrationDriverStateChanged>(s => s.To == MigrationDriverState.DualWrite, since), "the driver in DualWrite",
                MigrationBound);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} ({await bench.DescribeMigrationAsync()})");
        }

        var brokers = bench.BrokerIds;
        long LastOf<T>(Func<T, int> brokerOf) where T : BrokerEvent
        {
            var firsts = log.Of<T>(since).GroupBy(e => brokerOf(e.Event)).ToDictionary(g => g.Key, g => g.Min(e => e.At));
            return brokers.All(firsts.ContainsKey) ? brokers.Max(b => firsts[b]) : -1;
        }
        var registered = LastOf<BrokerRegisteredWithQuorum>(r => r.BrokerId);
        var unfenced = LastOf<BrokerUnfenced>(u => u.BrokerId);
        var dualWrite = log.Of<MigrationDriverStateChanged>(since).First(s => s.Event.To == MigrationDriverState.DualWrite);
        // The claim that led to the copy: a controller that lost its activity mid-way claims again.
        var migrated = log.Of<ZkMetadataMigrated>(since).Last(m => m.At <= dualWrite.At);
        var claim = log.Of<ZkControllerClaimed>(since).Last(c => c.At <= migrated.At);
        double From(long at) => at < 0 ? double.NaN : TimestampProbe.Ms(registered, at);
        return new MigrationTimes(From(unfenced), From(claim.At), From(migrated.At), From(dualWrite.At),
            migrated.Event.Elapsed.TotalMilliseconds, TimestampProbe.Ms(claim.At, migrated.At), migrated.Event.Topics, migrated.Event.Partitions);
    }

    /// <summary>
    /// The broker leading the most partitions is killed; the quorum fences it after its session
    /// and moves its leaderships (LeaderElected, published at commit), and the driver writes each
    /// move to the partition's state znode, where an exists watch sees it land.
    /// </summary>
    public static async Task<DualWriteTimes> DualWriteAsync(MigrationBenchCluster bench)
    {
        var log = bench.Log;
        var before = log.KraftLeaders;
        var victim = before.GroupBy(l => l.Value.Leader).MaxBy(g => g.Count())!.Key;
        var led = before.Where(l => l.Value.Leader == victim).Select(l => l.Key).ToArray();
        var store = bench.Cluster.Store;
        var watches = await ZnodeWatchTimer.WatchAsync(store.StoreSystem, store.ClientSettings(), led.Select(ZkPaths.PartitionState).ToArray());
        CollectGarbage();

        var killedAt = Stopwatch.GetTimestamp();
        await bench.Cluster.KillAsync(victim);
        var all = await watches.AllFiredAsync(DualWriteBound);
        if (!all) Console.Error.WriteLine($"  dual-write: {led.Length - watches.FiredAt.Count} of {led.Length} state znodes not written within {DualWriteBound}");
        watches.Stop(store.StoreSystem);

        var after = log.KraftLeaders;
        var latencies = new List<double>();
        var elected = new List<long>();
        foreach (var tp in led)
        {
            if (!after.TryGetValue(tp, out var moved) || moved.At <= killedAt || moved.Leader == victim) continue;
            elected.Add(moved.At);
            if (watches.FiredAt.TryGetValue(ZkPaths.PartitionState(tp), out var written)) latencies.Add(TimestampProbe.Ms(moved.At, written));
        }
        var first = elected.Count > 0 ? elected.Min() : killedAt;
        var last = watches.FiredAt.Count > 0 ? watches.FiredAt.Values.Max() : first;
        return new DualWriteTimes(victim, elected.Count, TimestampProbe.Ms(killedAt, first), TimestampProbe.Ms(first, last), latencies,
            led.Length - latencies.Count);
    }

    /// <summary>Every node shares this process's heap: start each measurement without the setup's garbage.</summary>
    private static void CollectGarbage()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}
