using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Controller;

/// <summary>A partition as describe shows it.</summary>
public sealed record PartitionDescription(TopicPartition Partition, IReadOnlyList<int> Replicas, LeaderAndIsr? State);

public sealed record BrokerDescription(int BrokerId, long BrokerEpoch, string Host, int Port, string? Rack, string ActorAddress);

public sealed record ClusterDescription(int? ControllerId, int ControllerEpoch, IReadOnlyList<BrokerDescription> Brokers);

/// <summary>A typed admin failure (Kafka's error names), never an exception for bad input.</summary>
public sealed record AdminError(string Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>
/// Kafka's zk-mode admin operations (AdminZkClient): they write znodes that the controller
/// watches, exactly as kafka-topics.sh --zookeeper did, and read the cluster state back.
/// </summary>
public static class ZkAdmin
{
    public static async Task<(IReadOnlyDictionary<int, IReadOnlyList<int>>? Assignment, AdminError? Error)> CreateTopicAsync(
        CoordinationSession session, string topic, int partitions, int replicationFactor, Random random,
        IReadOnlyDictionary<string, string>? config = null)
    {
        if (TopicName.Validate(topic) is { } invalid) return (null, new AdminError("INVALID_TOPIC_EXCEPTION", invalid));
        var brokers = await DescribeBrokersAsync(session);
        var assignment = ReplicaAssignment.Assign(partitions, replicationFactor,
            brokers.Select(b => (b.BrokerId, b.Rack)).ToArray(), random);
        if (assignment.Assignment is null) return (null, new AdminError(assignment.ErrorCode?.ToString() ?? "INVALID_REQUEST", assignment.Error ?? "assignment failed"));
        if (config is { Count: > 0 })
        {
            var written = await session.RequestAsync(new CreateRequest(ZkPaths.ConfigTopic(topic), ZkData.EncodeTopicConfig(config)));
            if (written is ErrorResponse { Code: not ZkErrorCode.NodeExists } e) return (null, new AdminError(e.Code.ToString(), e.ToString()));
        }
        var topicId = Guid.NewGuid().ToString();
        var created = await session.RequestAsync(new CreateRequest(ZkPaths.Topic(topic), ZkData.EncodeTopic(new TopicZNode(topicId, assignment.Assignment))));
        return created switch
        {
            CreateResponse => (assignment.Assignment, null),
            ErrorResponse { Code: ZkErrorCode.NodeExists } => (null, new AdminError("TOPIC_ALREADY_EXISTS", $"topic '{topic}' already exists")),
            ErrorResponse e => (null, new AdminError(e.Code.ToString(), e.ToString())),
            _ => (null, new AdminError("UNKNOWN", created.ToString())),
        };
    }

    public static async Task<IReadOnlyList<BrokerDescription>> DescribeBrokersAsync(CoordinationSession session)
    {
        var ids = await session.RequestAsync(new GetChildrenRequest(ZkPaths.BrokerIds));
        switch (ids)
        {
            case ErrorResponse { Code: ZkErrorCode.NoNode }:
                return Array.Empty<BrokerDescription>();
            case ErrorResponse error:
                throw new KeeperException(error);
        }
        var result = new List<BrokerDescription>();
        foreach (var id in ((GetChildrenResponse)ids).Children.Select(c => int.TryParse(c, out var n) ? n : -1).Where(n => n >= 0).Order())
        {
            var reply = await session.RequestAsync(new GetDataRequest(ZkPaths.BrokerId(id)));
            // A broker that deregistered between the two reads is simply not live.
            if (reply is ErrorResponse { Code: not ZkErrorCode.NoNode } failed) throw new KeeperException(failed);
            if (reply is GetDataResponse data && ZkData.DecodeBroker(id, data.Data, data.Stat.Czxid).TryGetValue(out var info))
                result.Add(new BrokerDescription(id, info.BrokerEpoch, info.Host, info.Port, info.Rack, info.ActorAddress));
        }
        return result;
    }

    public static async Task<ClusterDescription> DescribeClusterAsync(CoordinationSession session)
    {
        int? controller = await session.RequestAsync(new GetDataRequest(ZkPaths.Controller)) is GetDataResponse c
                          && ZkData.DecodeController(c.Data).TryGetValue(out var znode) ? znode.BrokerId : null;
        var epoch = await session.RequestAsync(new GetDataRequest(ZkPaths.ControllerEpoch)) is GetDataResponse e
                    && ZkData.DecodeControllerEpoch(e.Data).TryGetValue(out var value) ? value : 0;
        return new ClusterDescription(controller, epoch, await DescribeBrokersAsync(session));
    }

    /// <summary>Every partition of the topic with its replicas and current state; an unknown topic is a typed error.</summary>
    public static async Task<(IReadOnlyList<PartitionDescription>? Partitions, AdminError? Error)> DescribeTopicAsync(CoordinationSession session, string topic)
    {
        if (TopicName.Validate(topic) is { } invalid) return (null, new AdminError("INVALID_TOPIC_EXCEPTION", invalid));
        var read = await session.RequestAsync(new GetDataRequest(ZkPaths.Topic(topic)));
        if (read is ErrorResponse { Code: ZkErrorCode.NoNode })
            return (null, new AdminError("UNKNOWN_TOPIC_OR_PARTITION", $"topic '{topic}' does not exist"));
        // Anything else (the store unreachable, a request timed out) says nothing about the topic: reported as what it is.
        if (read is not GetDataResponse data)
            return (null, new AdminError(read is ErrorResponse e ? e.Code.ToString() : "UNKNOWN_SERVER_ERROR", $"could not read {ZkPaths.Topic(topic)}: {read}"));
        if (!ZkData.DecodeTopic(topic, data.Data).TryGetValue(out var znode))
            return (null, new AdminError("CORRUPT_ZNODE", $"{ZkPaths.Topic(topic)} could not be read"));
        var partitions = znode.Partitions.Keys.Order().Select(p => new TopicPartition(topic, p)).ToArray();
        var states = await Task.WhenAll(partitions.Select(tp => session.RequestAsync(new GetDataRequest(ZkPaths.PartitionState(tp)))));
        return (partitions.Select((tp, i) => new PartitionDescription(tp, znode.Partitions[tp.Partition],
            states[i] is GetDataResponse s && ZkData.DecodePartitionState(tp, s.Data, s.Stat.Version).TryGetValue(out var state) ? state : null)).ToArray(), null);
    }

    /// <summary>Kafka's kafka-preferred-replica-election.sh: the controller watches this znode.</summary>
    public static async Task<AdminError?> RequestPreferredElectionAsync(CoordinationSession session, IReadOnlyList<TopicPartition> partitions)
    {
        var created = await session.RequestAsync(new CreateRequest(ZkPaths.AdminPreferredReplicaElection, ZkData.EncodePreferredReplicaElection(partitions)));
        return created is ErrorResponse e
            ? new AdminError(e.Code == ZkErrorCode.NodeExists ? "PREFERRED_LEADER_ELECTION_IN_PROGRESS" : e.Code.ToString(), e.ToString())
            : null;
    }

    /// <summary>
    /// Kafka's migration rollback (before finalize, with the KRaft controllers stopped): deletes
    /// /migration, and /controller when a KRaft controller still holds it, so that the zk-mode
    /// controllers elect again and load the state the KRaft controller dual-wrote. Answers what it
    /// deleted; a /controller held by a zk-mode controller is left alone.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RollBackMigrationAsync(CoordinationSession session)
    {
        var deleted = new List<string>();
        if (await session.RequestAsync(new GetDataRequest(ZkPaths.Controller)) is GetDataResponse controller
            && ZkData.DecodeController(controller.Data).TryGetValue(out var holder)
            && holder.KraftControllerEpoch != ControllerZNode.NoKraftControllerEpoch
            && await session.RequestAsync(new DeleteRequest(ZkPaths.Controller, controller.Stat.Version)) is DeleteResponse)
            deleted.Add(ZkPaths.Controller);
        if (await session.RequestAsync(new DeleteRequest(ZkPaths.Migration)) is DeleteResponse) deleted.Add(ZkPaths.Migration);
        return deleted;
    }
}
