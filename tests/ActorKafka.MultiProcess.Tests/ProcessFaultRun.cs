using System.Diagnostics;
using ActorKafka.Metadata;

namespace ActorKafka.MultiProcess.Tests;

/// <summary>
/// A fault run against node processes: a topic (3 partitions, RF 3, min.insync.replicas 2), an
/// acks=all producer per partition all along, the nemesis's steps, then the checks the in-process
/// Jepsen runs make: every acknowledged record on every in-sync replica at its offset, replicas
/// agreeing below the high watermark, no gaps, and the controller's epoch safety over what every
/// process printed. Each step waits, bounded, for the cluster's own reaction before the next.
/// </summary>
public sealed class ProcessFaultRun(ProcessCluster cluster, Action<string> log)
{
    public const string RoundsVariable = "ACTORKAFKA_PROCESS_ROUNDS";
    public const int Partitions = 3;
    public const int ReplicationFactor = 3;

    /// <summary>A partition with a leader and every replica in its ISR.</summary>
    public static readonly Func<(int Leader, int[] Isr)?, bool> FullIsr = s => s is { Leader: >= 0 } state && state.Isr.Length == ReplicationFactor;

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public static int Rounds => Environment.GetEnvironmentVariable(RoundsVariable) is { Length: > 0 } n
        ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)
        : 1;

    public string Topic { get; } = "faults-" + Guid.NewGuid().ToString("N")[..6];

    private IEnumerable<TopicPartition> TopicPartitions => Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topic, p));

    public void Step(string what) => log($"{_clock.Elapsed.TotalSeconds,6:F1}s  {what}");

    /// <summary>Creates the topic, starts the producers, runs <paramref name="nemesis"/> the given rounds, heals and checks.</summary>
    public async Task RunAsync(Func<ProcessFaultRun, int, Task> nemesis)
    {
        await cluster.CreateTopicAsync(Topic, Partitions, ReplicationFactor);
        await AwaitPartitionsAsync("every partition led with a full ISR", FullIsr);
        var workload = new JepsenWorkload(cluster.Client, JepsenWorkload.ClientSettings(cluster.BrokerIds.Select(cluster.AddressOf).ToArray()),
            TopicPartitions.ToArray(), TimeSpan.FromMilliseconds(30));
        workload.Start();
        Step($"topic {Topic} online, producers started");
        try
        {
            for (var round = 1; round <= Rounds; round++) await nemesis(this, round);
        }
        finally
        {
            await workload.StopAsync(ProcessCluster.Bound);
        }
        Step($"producers stopped: {workload.Summary()}");
        Assert.True(workload.AcknowledgedCount > 0, "nothing was acknowledged: " + workload.Summary());

        var converged = await JepsenChecker.AwaitConvergedAsync(cluster, Topic, Partitions, ProcessCluster.Bound, ReplicationFactor);
        var checks = await JepsenChecker.CheckAsync(cluster, cluster.Client, converged, workload.Acknowledgements);
        foreach (var check in checks) Step(check.ToString());
        Assert.True(checks.All(c => c.Ok), string.Join("\n", checks.Where(c => !c.Ok)));
        cluster.AssertSafety();
        var events = cluster.Events();
        // Every round moves the controller at least once: the printed events must show it, or the checks above saw nothing.
        Assert.True(events.OfType<Controller.ControllerElected>().Count() > Rounds, "the nodes' printed events hold too few elections to check");
        Step($"{checks.Sum(c => c.Acknowledged)} acknowledged records all present; {events.OfType<Controller.ControllerElected>().Count()} elections, " +
             $"one controller per epoch; {events.OfType<Broker.ControlRequestApplied>().Count()} control requests applied, no broker went back an epoch; " +
             $"{events.OfType<Broker.StaleEpochRejected>().Count()} stale-epoch requests refused");
    }

    /// <summary>Waits, bounded, until the store's state of every partition satisfies <paramref name="condition"/>.</summary>
    public Task AwaitPartitionsAsync(string what, Func<(int Leader, int[] Isr)?, bool> condition) =>
        cluster.Kit.AwaitAssertAsync(async () =>
        {
            foreach (var tp in TopicPartitions)
            {
                var state = await cluster.PartitionStateAsync(tp);
                Assert.True(condition(state), $"{tp}: leader {state?.Leader} isr [{string.Join(",", state?.Isr ?? [])}]; waiting for {what}");
            }
        }, ProcessCluster.Bound, TimeSpan.FromMilliseconds(100));

    /// <summary>Waits, bounded, until every partition has a leader and every replica back in its ISR.</summary>
    public Task AwaitFullIsrsAsync() => AwaitPartitionsAsync("full ISRs", FullIsr);

    /// <summary>The broker that leads most partitions now.</summary>
    public async Task<int> BusiestLeaderAsync()
    {
        var leaders = new List<int>();
        foreach (var tp in TopicPartitions)
            if (await cluster.PartitionStateAsync(tp) is { Leader: >= 0 } state) leaders.Add(state.Leader);
        return leaders.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
    }

    /// <summary>Waits, bounded, until a controller other than <paramref name="old"/> holds an epoch above <paramref name="epoch"/>.</summary>
    public async Task<(int Id, int Epoch)> AwaitNewControllerAsync(int old, int epoch)
    {
        (int, int) elected = default;
        await cluster.Kit.AwaitAssertAsync(async () =>
        {
            var (id, now) = await cluster.ControllerAsync();
            Assert.True(id is { } c && c != old && now > epoch, $"controller {id} in epoch {now}; waiting for one other than {old} above epoch {epoch}");
            elected = (id!.Value, now);
        }, ProcessCluster.Bound, TimeSpan.FromMilliseconds(100));
        return elected;
    }
}
