using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// The partition side of a broker's state change, after Kafka's
/// ReplicationControlManager.generateLeaderAndIsrUpdates: the PartitionChange records that take
/// leaving brokers out of every ISR and give their partitions new leaders, or that give leaderless
/// partitions a leader once a broker can lead. The elections are the shared
/// <see cref="PartitionLeaderElection"/> rules; the records come from <see cref="PartitionChanges"/>.
/// Every change is computed against one image, so each partition changes at most once per call.
/// </summary>
internal static class ReplicationControl
{
    /// <summary>
    /// Brokers that stop being eligible (fenced, or entering controlled shutdown) leave every ISR,
    /// except as its last member, and their partitions get new leaders from <paramref name="eligible"/>.
    /// Controlled shutdown uses Kafka's controlled-shutdown election first; whatever it cannot move
    /// goes through the offline election, so, as in KRaft, a partition with no other eligible replica
    /// ends up without a leader (the ISR keeping its last member) rather than led by a stopping broker.
    /// One linear pass over the partitions, whatever the number of leaving brokers.
    /// </summary>
    public static void RemoveFromIsrs(MetadataImage image, IReadOnlySet<int> leaving, IReadOnlySet<int> eligible, bool controlledShutdown,
        bool uncleanLeaderElection, RecordBatcher records)
    {
        if (leaving.Count == 0) return;
        foreach (var (topic, partitionId, partition) in PartitionsInOrder(image))
        {
            if (!AnyIn(partition.Isr, leaving)) continue;
            PartitionChangeRecord? change;
            if (leaving.Contains(partition.Leader))
            {
                var election = controlledShutdown
                    ? PartitionLeaderElection.ControlledShutdown(partition.Replicas, partition.Isr, eligible, leaving)
                    : null;
                if (election?.Leader is null)
                    election = PartitionLeaderElection.Offline(partition.Replicas, partition.Isr, eligible, uncleanLeaderElection);
                change = PartitionChanges.FromElection(topic.Id, partitionId, partition, election);
            }
            else
            {
                change = PartitionChanges.Build(topic.Id, partitionId, partition, partition.Leader,
                    PartitionLeaderElection.ShrinkIsr(partition.Isr, leaving));
            }
            if (change is not null) records.Add(change);
        }
    }

    /// <summary>
    /// Leaderless partitions that can now have a leader get one (Kafka's handleBrokerUnfenced):
    /// the offline election over <paramref name="eligible"/>; partitions it cannot fill stay as they are.
    /// </summary>
    public static void ElectLeaderless(MetadataImage image, IEnumerable<TopicIdPartition> leaderless, IReadOnlySet<int> eligible,
        bool uncleanLeaderElection, RecordBatcher records)
    {
        var partitions = new List<(TopicImage Topic, int PartitionId, PartitionRegistration Partition)>();
        foreach (var key in leaderless)
        {
            if (image.Topics.Topic(key.TopicId) is { } topic && topic.Partition(key.PartitionId) is { HasLeader: false } partition)
                partitions.Add((topic, key.PartitionId, partition));
        }
        partitions.Sort((a, b) => a.Topic.Name == b.Topic.Name
            ? a.PartitionId.CompareTo(b.PartitionId)
            : string.CompareOrdinal(a.Topic.Name, b.Topic.Name));
        foreach (var (topic, partitionId, partition) in partitions)
        {
            var election = PartitionLeaderElection.Offline(partition.Replicas, partition.Isr, eligible, uncleanLeaderElection);
            if (election.Leader is null) continue;
            if (PartitionChanges.FromElection(topic.Id, partitionId, partition, election) is { } change) records.Add(change);
        }
    }

    /// <summary>Every partition, topics by name and partitions by id, so that the records come out in one order everywhere.</summary>
    public static IEnumerable<(TopicImage Topic, int PartitionId, PartitionRegistration Partition)> PartitionsInOrder(MetadataImage image)
    {
        var names = image.Topics.TopicsByName.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        foreach (var name in names)
        {
            var topic = image.Topics.TopicsByName[name];
            foreach (var (partitionId, partition) in topic.Partitions) yield return (topic, partitionId, partition);
        }
    }

    private static bool AnyIn(BrokerIdList ids, IReadOnlySet<int> set)
    {
        foreach (var id in ids)
        {
            if (set.Contains(id)) return true;
        }
        return false;
    }
}
