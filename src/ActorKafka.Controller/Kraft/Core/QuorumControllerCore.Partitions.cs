using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

// Partition leadership requests, after Kafka's ReplicationControlManager.alterPartition and
// electLeaders. A request naming one partition twice sees its own earlier change.
public sealed partial class QuorumControllerCore
{
    /// <summary>
    /// A leader changes its partitions' ISR. Fenced first by the broker epoch (the whole request),
    /// then per partition by the leader epoch and the partition epoch, in Kafka's order.
    /// </summary>
    public ControllerResult<AlterPartitionResponse> AlterPartition(AlterPartitionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsActive)
            return ControllerResult<AlterPartitionResponse>.WithoutRecords(new AlterPartitionResponse(request.CorrelationId, ControlError.NotController, [], -1, Epoch));
        var broker = Image.Cluster.Broker(request.BrokerId);
        if (broker is null || broker.Epoch != request.BrokerEpoch)
            return ControllerResult<AlterPartitionResponse>.WithoutRecords(new AlterPartitionResponse(request.CorrelationId, ControlError.StaleBrokerEpoch, [], _nodeId, Epoch));

        var records = NewBatcher();
        var changed = new Dictionary<TopicIdPartition, PartitionRegistration>();
        var items = request.Partitions ?? [];
        var results = new AlterPartitionResult[items.Length];
        for (var i = 0; i < items.Length; i++) results[i] = AlterOne(request.BrokerId, items[i], changed, records);
        return Result(records, new AlterPartitionResponse(request.CorrelationId, ControlError.None, results, _nodeId, Epoch));
    }

    private AlterPartitionResult AlterOne(int brokerId, AlterPartitionItem item, Dictionary<TopicIdPartition, PartitionRegistration> changed,
        RecordBatcher records)
    {
        var (topic, partition) = Lookup(item.Topic, item.Partition, changed);
        if (topic is null || partition is null) return AlterResult(item, ControlError.UnknownTopicOrPartition, null);
        // A leader that has seen newer epochs than this controller read them from a newer controller.
        if (item.LeaderEpoch > partition.LeaderEpoch || item.PartitionEpoch > partition.PartitionEpoch)
            return AlterResult(item, ControlError.NotController, partition);
        if (item.LeaderEpoch < partition.LeaderEpoch) return AlterResult(item, ControlError.FencedLeaderEpoch, partition);
        if (brokerId != partition.Leader) return AlterResult(item, ControlError.NotLeaderOrFollower, partition);
        if (item.PartitionEpoch < partition.PartitionEpoch) return AlterResult(item, ControlError.InvalidUpdateVersion, partition);

        var newIsr = new BrokerIdList(item.NewIsr ?? []);
        // A malformed ISR is refused for good (Kafka's INVALID_REQUEST); an ineligible member may become eligible, so that one is retriable.
        if (newIsr.Count == 0 || newIsr.HasDuplicates || !newIsr.IsSubsetOf(partition.Replicas) || !newIsr.Contains(partition.Leader))
            return AlterResult(item, ControlError.InvalidRequest, partition);
        foreach (var id in newIsr)
        {
            if (Image.Cluster.Broker(id) is not { Fenced: false, InControlledShutdown: false })
                return AlterResult(item, ControlError.IneligibleReplica, partition);
        }

        var change = PartitionChanges.Build(topic.Id, item.Partition, partition, partition.Leader, newIsr);
        if (change is null) return AlterResult(item, ControlError.None, partition);
        records.Add(change);
        var merged = partition.Merge(change);
        changed[new TopicIdPartition(topic.Id, item.Partition)] = merged;
        return AlterResult(item, ControlError.None, merged);
    }

    private static AlterPartitionResult AlterResult(AlterPartitionItem item, ControlError error, PartitionRegistration? state) =>
        new(item.Topic, item.Partition, error, state?.Leader ?? PartitionChangeRecord.NoLeader, state?.LeaderEpoch ?? -1, state?.Isr.ToArray() ?? [],
            state?.PartitionEpoch ?? -1);

    /// <summary>
    /// Preferred: the first replica leads again if it is in the ISR and active. Unclean: a
    /// leaderless partition gets an active ISR member, else any active replica (its ISR becomes just
    /// that one). Null partitions means all of them; then, as in Kafka, partitions that need no
    /// election are left out of the response.
    /// </summary>
    public ControllerResult<ElectLeadersResponse> ElectLeaders(ElectLeadersRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsActive)
            return ControllerResult<ElectLeadersResponse>.WithoutRecords(new ElectLeadersResponse(request.CorrelationId, ControlError.NotController, [], -1, Epoch));
        if (!Enum.IsDefined(request.ElectionType))
            return ControllerResult<ElectLeadersResponse>.WithoutRecords(new ElectLeadersResponse(request.CorrelationId, ControlError.InvalidRequest, [], _nodeId, Epoch));

        var active = ActiveBrokers();
        var records = NewBatcher();
        var changed = new Dictionary<TopicIdPartition, PartitionRegistration>();
        var results = new List<ElectLeaderResult>();
        if (request.Partitions is null)
        {
            foreach (var (topic, partitionId, _) in ReplicationControl.PartitionsInOrder(Image))
            {
                var result = ElectOne(request.ElectionType, topic.Name, partitionId, active, changed, records);
                if (result.Error != ControlError.ElectionNotNeeded) results.Add(result);
            }
        }
        else
        {
            foreach (var tp in request.Partitions) results.Add(ElectOne(request.ElectionType, tp.Topic, tp.Partition, active, changed, records));
        }
        return Result(records, new ElectLeadersResponse(request.CorrelationId, ControlError.None, results.ToArray(), _nodeId, Epoch));
    }

    private ElectLeaderResult ElectOne(ElectionType type, string topicName, int partitionId, IReadOnlySet<int> active,
        Dictionary<TopicIdPartition, PartitionRegistration> changed, RecordBatcher records)
    {
        var (topic, partition) = Lookup(topicName, partitionId, changed);
        if (topic is null || partition is null)
            return new ElectLeaderResult(topicName, partitionId, ControlError.UnknownTopicOrPartition, PartitionChangeRecord.NoLeader,
                $"No such partition as {topicName}-{partitionId}");
        var notNeeded = type == ElectionType.Preferred ? partition.Leader == partition.Replicas[0] : partition.HasLeader;
        if (notNeeded) return new ElectLeaderResult(topicName, partitionId, ControlError.ElectionNotNeeded, partition.Leader, "");

        var election = type == ElectionType.Preferred
            ? PartitionLeaderElection.PreferredReplica(partition.Replicas, partition.Isr, active)
            : PartitionLeaderElection.Offline(partition.Replicas, partition.Isr, active, uncleanLeaderElectionEnabled: true);
        if (election.Leader is null || PartitionChanges.FromElection(topic.Id, partitionId, partition, election) is not { } change)
        {
            return type == ElectionType.Preferred
                ? new ElectLeaderResult(topicName, partitionId, ControlError.PreferredLeaderNotAvailable, partition.Leader,
                    $"Preferred replica {partition.Replicas[0]} of {topicName}-{partitionId} is not an active member of ISR {partition.Isr}")
                : new ElectLeaderResult(topicName, partitionId, ControlError.EligibleLeadersNotAvailable, partition.Leader,
                    $"No replica of {topicName}-{partitionId} is active");
        }
        records.Add(change);
        changed[new TopicIdPartition(topic.Id, partitionId)] = partition.Merge(change);
        return new ElectLeaderResult(topicName, partitionId, ControlError.None, election.Leader.Value, "");
    }

    /// <summary>A partition as this request left it, else as the image holds it.</summary>
    private (TopicImage? Topic, PartitionRegistration? Partition) Lookup(string topicName, int partitionId,
        Dictionary<TopicIdPartition, PartitionRegistration> changed)
    {
        if (topicName is null || Image.Topics.Topic(topicName) is not { } topic) return (null, null);
        var partition = changed.TryGetValue(new TopicIdPartition(topic.Id, partitionId), out var mine) ? mine : topic.Partition(partitionId);
        return (topic, partition);
    }
}
