using System.Diagnostics;
using ActorKafka.Controller.Migration;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Benchmarks;

/// <summary>
/// What the migration driver spends, before any store write, on one committed change in
/// DualWrite: ZkDualWritePlanner.Plan for a single leader change on an image of the benchmark's
/// shape (three brokers, topics of 1,000 partitions at RF 3). Measured in this process, apart
/// from any cluster, so it is the planner's cost alone; it is paid on every committed batch.
/// </summary>
public static class DualWritePlanCost
{
    private const int Repeats = 5;

    /// <summary>The median of a few Plan calls, in ms; throws if the plan is not the one write expected.</summary>
    public static double Measure(int partitions)
    {
        var previous = KraftImageMemory.Build(partitions).Image;
        var topic = previous.Topics.TopicsByName.Values.First();
        var partition = topic.Partitions[0];
        var survivors = partition.Isr.Where(b => b != partition.Leader).ToArray();
        var delta = new MetadataDelta(previous);
        var error = delta.Replay(new PartitionChangeRecord(0, topic.Id, new BrokerIdList(survivors), survivors[0]), previous.Offset + 1, previous.Epoch);
        if (error is not null) throw new InvalidOperationException($"the leader change was rejected: {error}");
        var next = delta.Image();

        var times = new List<double>();
        for (var i = 0; i <= Repeats; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var plan = ZkDualWritePlanner.Plan(previous, next, zkControllerEpoch: 2);
            var elapsed = TimestampProbe.Ms(started, Stopwatch.GetTimestamp());
            if (plan.Groups.Count != 1) throw new InvalidOperationException($"a leader change planned {plan.Groups.Count} writes, not 1");
            // The first call pays for JIT compilation.
            if (i > 0) times.Add(elapsed);
        }
        return Statistics.Median(times);
    }
}
