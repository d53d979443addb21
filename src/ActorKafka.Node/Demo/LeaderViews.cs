using System.Collections.Immutable;
using ActorKafka.Broker;
using ActorKafka.Metadata;

namespace ActorKafka.Node.Demo;

/// <summary>One partition as its leader last reported it, and where in the event log it did.</summary>
internal sealed record LeaderView(ReplicaView View, int Index);

/// <summary>
/// A rolling restart's guard, from the brokers' own reports (PartitionStateChanged): each
/// partition as the leader of its newest leader epoch last saw it, counting only brokers that run
/// now and only what their current incarnation said (a stopped broker's word is void). Leader
/// epochs survive the migration (the copy keeps them), so "newest" holds across the modes.
/// </summary>
internal static class LeaderViews
{
    /// <param name="running">Each running broker's id and the log index its current incarnation started at.</param>
    public static IReadOnlyDictionary<TopicPartition, LeaderView> Latest(IReadOnlyList<object> events, string topic, ImmutableDictionary<int, int> running)
    {
        var latest = new Dictionary<TopicPartition, LeaderView>();
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not PartitionStateChanged { Replica: { IsLeader: true } view } changed || view.Partition.Topic != topic) continue;
            if (!running.TryGetValue(changed.BrokerId, out var since) || i < since) continue;
            // Equal epochs: the same leader's later word (an ISR change) wins.
            if (!latest.TryGetValue(view.Partition, out var known) || view.LeaderEpoch >= known.View.LeaderEpoch) latest[view.Partition] = new LeaderView(view, i);
        }
        return latest;
    }

    /// <summary>Every partition has a running leader whose ISR holds all its replicas.</summary>
    public static bool FullyReplicated(IReadOnlyDictionary<TopicPartition, LeaderView> latest, int partitions) =>
        latest.Count == partitions && latest.Values.All(l => l.View.Isr.Length == l.View.Replicas.Length);

    public static IEnumerable<TopicPartition> UnderReplicated(IReadOnlyDictionary<TopicPartition, LeaderView> latest) =>
        latest.Values.Where(l => l.View.Isr.Length < l.View.Replicas.Length).Select(l => l.View.Partition).OrderBy(p => p.Partition);
}
