using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Broker.Kraft;

/// <summary>
/// The replicas this broker hosts, as the metadata log describes them: KRaft's replacement for
/// LeaderAndIsr (Kafka's ReplicaManager.applyDelta). After each batch only the partitions its
/// records name are looked at, so a batch costs what it changed, never the image's size; a
/// snapshot replaces everything and is the one place that walks every partition. A change of
/// role or leader epoch is a <see cref="ReplicaRoleChanged"/>; any change of the state (leader,
/// leader epoch, ISR, partition epoch, replicas), an ISR-only one too, is a
/// <see cref="PartitionStateChanged"/>, after the role change when there is one.
/// </summary>
public sealed class LocalReplicas(int brokerId)
{
    private readonly Dictionary<TopicPartition, ReplicaView> _replicas = new();

    public int BrokerId { get; } = brokerId;

    public IReadOnlyDictionary<TopicPartition, ReplicaView> Replicas => _replicas;

    /// <summary>
    /// Folds one applied batch: <paramref name="before"/> and <paramref name="after"/> are the image
    /// around it, <paramref name="records"/> what it held (MetadataLoader.ApplyBatch's answer).
    /// </summary>
    public IReadOnlyList<BrokerEvent> OnBatch(MetadataImage before, MetadataImage after, IReadOnlyList<MetadataRecord> records)
    {
        List<BrokerEvent>? events = null;
        // In log order, each partition once: its state after the batch is what counts.
        List<(Guid, int)>? touched = null;
        HashSet<(Guid, int)>? seen = null;
        void Touch(Guid topicId, int partitionId)
        {
            if ((seen ??= new()).Add((topicId, partitionId))) (touched ??= new()).Add((topicId, partitionId));
        }
        foreach (var record in records)
        {
            switch (record)
            {
                case PartitionRecord p:
                    Touch(p.TopicId, p.PartitionId);
                    break;
                case PartitionChangeRecord c:
                    Touch(c.TopicId, c.PartitionId);
                    break;
                case RemoveTopicRecord r when before.Topics.Topic(r.TopicId) is { } removed:
                    // A deleted topic's replicas are gone here too (Kafka deletes their logs).
                    foreach (var partition in removed.Partitions.Keys) _replicas.Remove(new TopicPartition(removed.Name, partition));
                    break;
            }
        }
        if (touched is null) return [];
        foreach (var (topicId, partitionId) in touched)
        {
            // Absent after the batch: a record that was skipped, or a topic created and removed in the same batch.
            if (after.Topics.Topic(topicId) is not { } topic || topic.Partition(partitionId) is not { } partition) continue;
            Update(new TopicPartition(topic.Name, partitionId), partition, after.Epoch, ref events);
        }
        return events ?? (IReadOnlyList<BrokerEvent>)[];
    }

    /// <summary>Replaces everything by what a loaded snapshot's image says; replicas it no longer lists here are dropped.</summary>
    public IReadOnlyList<BrokerEvent> OnSnapshot(MetadataImage image)
    {
        List<BrokerEvent>? events = null;
        var hosted = new HashSet<TopicPartition>();
        foreach (var topic in image.Topics.TopicsById.Values)
        {
            foreach (var (partitionId, partition) in topic.Partitions)
            {
                if (!partition.Replicas.Contains(BrokerId)) continue;
                var tp = new TopicPartition(topic.Name, partitionId);
                hosted.Add(tp);
                Update(tp, partition, image.Epoch, ref events);
            }
        }
        foreach (var tp in _replicas.Keys.Where(tp => !hosted.Contains(tp)).ToList()) _replicas.Remove(tp);
        return events ?? (IReadOnlyList<BrokerEvent>)[];
    }

    private void Update(TopicPartition tp, PartitionRegistration partition, int controllerEpoch, ref List<BrokerEvent>? events)
    {
        if (!partition.Replicas.Contains(BrokerId))
        {
            // Reassigned away: this broker no longer hosts it.
            _replicas.Remove(tp);
            return;
        }
        var view = new ReplicaView(tp, partition.Leader == BrokerId, partition.Leader, partition.LeaderEpoch, partition.Isr.ToArray(),
            partition.Replicas.ToArray(), partition.PartitionEpoch, controllerEpoch);
        var current = _replicas.GetValueOrDefault(tp);
        _replicas[tp] = view;
        if (current is null || current.IsLeader != view.IsLeader || current.LeaderEpoch != view.LeaderEpoch)
            (events ??= new()).Add(new ReplicaRoleChanged(BrokerId, tp, view.IsLeader, view.Leader, view.LeaderEpoch, view.Isr));
        if (view.StateDiffers(current)) (events ??= new()).Add(new PartitionStateChanged(BrokerId, view));
    }
}
