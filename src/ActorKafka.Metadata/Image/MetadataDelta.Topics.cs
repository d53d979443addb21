using System.Collections.Immutable;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

// Topic and partition rules, after Kafka's TopicsDelta. Records name topics by id, never by name,
// so a record for a deleted topic cannot land on a new topic that reuses its name.
public sealed partial class MetadataDelta
{
    private ImmutableDictionary<Guid, TopicImage>.Builder TopicsById
    {
        get
        {
            if (_topicsById is null)
            {
                _topicsById = _base.Topics.TopicsById.ToBuilder();
                _topicsByName = _base.Topics.TopicsByName.ToBuilder();
            }
            return _topicsById;
        }
    }

    private ImmutableDictionary<string, TopicImage>.Builder TopicsByName
    {
        get
        {
            _ = TopicsById;
            return _topicsByName!;
        }
    }

    private ReplayError? Replay(TopicRecord r)
    {
        if (TopicsByName.TryGetValue(r.Name, out var existing))
            return Error(ReplayErrorCode.TopicAlreadyExists, $"topic {r.Name} exists with id {existing.Id}");
        if (TopicsById.TryGetValue(r.TopicId, out existing))
            return Error(ReplayErrorCode.DuplicateTopicId, $"topic id {r.TopicId} belongs to {existing.Name}");
        var topic = new TopicImage(r.Name, r.TopicId, ImmutableSortedDictionary<int, PartitionRegistration>.Empty);
        TopicsById[r.TopicId] = topic;
        TopicsByName[r.Name] = topic;
        return null;
    }

    private ReplayError? Replay(RemoveTopicRecord r)
    {
        if (!TopicsById.TryGetValue(r.TopicId, out var topic))
            return Error(ReplayErrorCode.UnknownTopicId, $"no topic with id {r.TopicId}");
        TopicsById.Remove(r.TopicId);
        TopicsByName.Remove(topic.Name);
        _partitions.Remove(r.TopicId);
        return null;
    }

    private ReplayError? Replay(PartitionRecord r)
    {
        if (PartitionsOf(r.TopicId) is not { } partitions)
            return Error(ReplayErrorCode.UnknownTopicId, $"no topic with id {r.TopicId} for partition {r.PartitionId}");
        if (r.PartitionId < 0)
            return Error(ReplayErrorCode.InvalidPartitionState, $"bad partition id {r.PartitionId}");
        if (partitions.ContainsKey(r.PartitionId))
            return Error(ReplayErrorCode.PartitionAlreadyExists, $"partition {r.PartitionId} of topic {r.TopicId} exists");
        var registration = new PartitionRegistration(r.Replicas, r.Isr, r.Leader, r.LeaderEpoch, r.PartitionEpoch);
        if (registration.Invalidity() is { } why)
            return Error(ReplayErrorCode.InvalidPartitionState, $"partition {r.PartitionId} of topic {r.TopicId}: {why}");
        partitions[r.PartitionId] = registration;
        return null;
    }

    private ReplayError? Replay(PartitionChangeRecord r)
    {
        if (PartitionsOf(r.TopicId) is not { } partitions)
            return Error(ReplayErrorCode.UnknownTopicId, $"no topic with id {r.TopicId} for partition {r.PartitionId}");
        if (!partitions.TryGetValue(r.PartitionId, out var current))
            return Error(ReplayErrorCode.UnknownTopicOrPartition, $"topic {r.TopicId} has no partition {r.PartitionId}");
        if (r.Leader < PartitionChangeRecord.NoLeaderChange)
            return Error(ReplayErrorCode.InvalidPartitionState, $"bad leader {r.Leader}");
        var merged = current.Merge(r);
        if (merged.Invalidity() is { } why)
            return Error(ReplayErrorCode.InvalidPartitionState, $"partition {r.PartitionId} of topic {r.TopicId} would have {why}");
        partitions[r.PartitionId] = merged;
        return null;
    }

    /// <summary>The partitions of a topic, as a builder kept for the rest of the delta; null when the topic does not exist.</summary>
    private ImmutableSortedDictionary<int, PartitionRegistration>.Builder? PartitionsOf(Guid topicId)
    {
        if (_partitions.TryGetValue(topicId, out var partitions)) return partitions;
        if (!TopicsById.TryGetValue(topicId, out var topic)) return null;
        partitions = topic.Partitions.ToBuilder();
        _partitions[topicId] = partitions;
        return partitions;
    }
}
