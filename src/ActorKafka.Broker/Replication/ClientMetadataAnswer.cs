using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;

namespace ActorKafka.Broker.Replication;

/// <summary>
/// Kafka's Metadata response, built from what a broker knows in either mode: the live brokers'
/// addresses and the requested topics' partitions. Asked with no topics it lists brokers only
/// (the replica manager's question), so a million-partition cluster does not answer with all of them.
/// </summary>
public static class ClientMetadataAnswer
{
    /// <summary>zk mode: the broker's metadata cache, as the controller's UpdateMetadata left it.</summary>
    public static ClientMetadataResponse FromCache(ClientMetadataRequest request, IReadOnlyDictionary<TopicPartition, PartitionStateInfo> cache,
        IEnumerable<BrokerInfo> liveBrokers)
    {
        var brokers = liveBrokers.OrderBy(b => b.BrokerId).Select(b => new BrokerEndpointInfo(b.BrokerId, b.ActorAddress)).ToArray();
        var wanted = request.Topics.ToHashSet(StringComparer.Ordinal);
        var partitions = cache.Values.Where(p => wanted.Contains(p.Topic))
            .OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)
            .Select(p => new PartitionMetadata(p.TopicPartition, ControlError.None, p.Leader, p.LeaderEpoch, p.Replicas, p.Isr)).ToArray();
        var known = partitions.Select(p => p.Partition.Topic).ToHashSet(StringComparer.Ordinal);
        return new ClientMetadataResponse(request.CorrelationId, brokers, partitions, request.Topics.Where(t => !known.Contains(t)).ToArray());
    }

    /// <summary>kraft mode: the broker's metadata image; fenced brokers are not live.</summary>
    public static ClientMetadataResponse FromImage(ClientMetadataRequest request, MetadataImage image)
    {
        var brokers = image.Cluster.Brokers.Values.Where(b => !b.Fenced)
            .Select(b => new BrokerEndpointInfo(b.Id, b.ToBrokerInfo().ActorAddress)).ToArray();
        var partitions = new List<PartitionMetadata>();
        var unknown = new List<string>();
        foreach (var name in request.Topics)
        {
            if (image.Topics.Topic(name) is not { } topic)
            {
                unknown.Add(name);
                continue;
            }
            foreach (var (id, p) in topic.Partitions)
                partitions.Add(new PartitionMetadata(new TopicPartition(name, id), ControlError.None, p.Leader, p.LeaderEpoch, p.Replicas.ToArray(),
                    p.Isr.ToArray()));
        }
        return new ClientMetadataResponse(request.CorrelationId, brokers, partitions.ToArray(), unknown.ToArray());
    }
}
