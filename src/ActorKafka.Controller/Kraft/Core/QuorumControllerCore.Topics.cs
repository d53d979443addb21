using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

// Topic creation, after Kafka's ReplicationControlManager.createTopics.
public sealed partial class QuorumControllerCore
{
    /// <summary>
    /// Creates each valid topic: a TopicRecord, then one PartitionRecord per partition with the
    /// replicas placed over the active brokers, the ISR = the replicas and the first replica leading.
    /// Results come in request order; a later repeat of a name in one request is refused.
    /// </summary>
    public ControllerResult<CreateTopicsResponse> CreateTopics(CreateTopicsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsActive)
            return ControllerResult<CreateTopicsResponse>.WithoutRecords(new CreateTopicsResponse(request.CorrelationId, ControlError.NotController, [], -1, Epoch));

        var brokers = PlacementBrokers();
        var records = NewBatcher();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var newIds = new HashSet<Guid>();
        var topics = request.Topics ?? [];
        var results = new CreatableTopicResult[topics.Length];
        for (var i = 0; i < topics.Length; i++) results[i] = CreateTopic(topics[i], brokers, seen, newIds, records);
        return Result(records, new CreateTopicsResponse(request.CorrelationId, ControlError.None, results, _nodeId, Epoch));
    }

    private CreatableTopicResult CreateTopic(CreatableTopic topic, IReadOnlyList<(int BrokerId, string? Rack)> brokers, HashSet<string> seen,
        HashSet<Guid> newIds, RecordBatcher records)
    {
        CreatableTopicResult Refuse(ControlError error, string message) =>
            new(topic.Name, Guid.Empty, error, message, topic.NumPartitions, topic.ReplicationFactor);

        if (TopicName.Validate(topic.Name) is { } invalid) return Refuse(ControlError.InvalidTopic, invalid);
        if (!seen.Add(topic.Name) || Image.Topics.Topic(topic.Name) is not null)
            return Refuse(ControlError.TopicAlreadyExists, $"Topic '{topic.Name}' already exists.");
        if (_collisions.CollidesWith(topic.Name) is { } other)
            return Refuse(ControlError.InvalidTopic, $"Topic '{topic.Name}' collides with existing topic: {other}");
        if (topic.NumPartitions <= 0)
            return Refuse(ControlError.InvalidPartitions, "Number of partitions was set to an invalid non-positive value.");
        if (topic.ReplicationFactor <= 0)
            return Refuse(ControlError.InvalidReplicationFactor, "Replication factor must be larger than 0.");
        if (topic.ReplicationFactor > brokers.Count)
            return Refuse(ControlError.InvalidReplicationFactor,
                $"Unable to replicate the partition {topic.ReplicationFactor} time(s): The target replication factor of {topic.ReplicationFactor} " +
                $"cannot be reached because only {brokers.Count} broker(s) are registered.");

        var assignment = ReplicaAssignment.Assign(topic.NumPartitions, topic.ReplicationFactor, brokers, _random);
        if (assignment.Assignment is not { } replicasByPartition)
        {
            var error = assignment.ErrorCode switch
            {
                AssignmentError.InvalidPartitions => ControlError.InvalidPartitions,
                AssignmentError.InvalidReplicationFactor => ControlError.InvalidReplicationFactor,
                _ => ControlError.InvalidRequest,
            };
            return Refuse(error, assignment.Error ?? "the replicas could not be placed");
        }

        var topicId = _newTopicId();
        // Replay refuses a second topic with one id; a random id never repeats, a broken supplier might.
        if (topicId == Guid.Empty || Image.Topics.Topic(topicId) is not null || !newIds.Add(topicId))
            return Refuse(ControlError.UnknownServerError, $"the new topic id {topicId} is already in use");

        records.Add(new TopicRecord(topic.Name, topicId));
        for (var partition = 0; partition < topic.NumPartitions; partition++)
        {
            // One list for both: the ISR starts as the replicas, and the records share it.
            var replicas = new BrokerIdList(replicasByPartition[partition]);
            records.Add(new PartitionRecord(partition, topicId, replicas, replicas, replicas[0]));
        }
        _collisions.Add(topic.Name);
        return new CreatableTopicResult(topic.Name, topicId, ControlError.None, "", topic.NumPartitions, topic.ReplicationFactor);
    }

    /// <summary>
    /// The active brokers, by id, with their racks when every one has a rack (then placement is rack
    /// aware). With racks on only some, placement ignores racks rather than refuse the topic, as
    /// KRaft's placer does.
    /// </summary>
    private IReadOnlyList<(int BrokerId, string? Rack)> PlacementBrokers()
    {
        var brokers = Image.Cluster.Brokers.Values.Where(b => !b.Fenced && !b.InControlledShutdown).Select(b => (b.Id, b.Rack)).ToArray();
        if (brokers.Any(b => b.Rack is null)) return brokers.Select(b => (b.Id, (string?)null)).ToArray();
        return brokers;
    }
}
