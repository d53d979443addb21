using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// The part of Kafka's BrokersToIsrs the heartbeat path needs without scanning every partition:
/// how many partitions each broker leads (a broker in controlled shutdown asks on every
/// heartbeat) and which partitions have no leader (an unfenced broker may lead them). Rebuilt
/// from the image on activation, then kept current from the records the core applies.
/// </summary>
internal sealed class LeadershipIndex
{
    private readonly Dictionary<int, int> _ledCount = new();
    private readonly HashSet<TopicIdPartition> _leaderless = new();

    public IReadOnlyCollection<TopicIdPartition> Leaderless => _leaderless;

    public bool HasLeaderships(int brokerId) => _ledCount.GetValueOrDefault(brokerId) > 0;

    public void Clear()
    {
        _ledCount.Clear();
        _leaderless.Clear();
    }

    public void Rebuild(MetadataImage image)
    {
        Clear();
        foreach (var topic in image.Topics.TopicsById.Values)
        {
            foreach (var (partitionId, partition) in topic.Partitions) Add(new TopicIdPartition(topic.Id, partitionId), partition);
        }
    }

    /// <summary>Moves the partitions whose leader the batches may have changed from their old leader to their new one.</summary>
    public void Update(MetadataImage before, MetadataImage after, IReadOnlyList<IReadOnlyList<MetadataRecord>> batches)
    {
        var touched = new HashSet<TopicIdPartition>();
        foreach (var batch in batches)
        {
            foreach (var record in batch)
            {
                switch (record)
                {
                    case PartitionRecord r:
                        touched.Add(new TopicIdPartition(r.TopicId, r.PartitionId));
                        break;
                    // Without a leader field the leader stays.
                    case PartitionChangeRecord r when r.Leader != PartitionChangeRecord.NoLeaderChange:
                        touched.Add(new TopicIdPartition(r.TopicId, r.PartitionId));
                        break;
                }
            }
        }
        foreach (var key in touched)
        {
            if (PartitionIn(before, key) is { } old) Remove(key, old);
            if (PartitionIn(after, key) is { } current) Add(key, current);
        }
    }

    private static PartitionRegistration? PartitionIn(MetadataImage image, TopicIdPartition key) =>
        image.Topics.Topic(key.TopicId)?.Partition(key.PartitionId);

    private void Add(TopicIdPartition key, PartitionRegistration partition)
    {
        if (partition.HasLeader) _ledCount[partition.Leader] = _ledCount.GetValueOrDefault(partition.Leader) + 1;
        else _leaderless.Add(key);
    }

    private void Remove(TopicIdPartition key, PartitionRegistration partition)
    {
        if (!partition.HasLeader)
        {
            _leaderless.Remove(key);
            return;
        }
        var count = _ledCount.GetValueOrDefault(partition.Leader) - 1;
        if (count > 0) _ledCount[partition.Leader] = count;
        else _ledCount.Remove(partition.Leader);
    }
}
