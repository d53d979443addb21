using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Node.Cli;

/// <summary>A topic as `topics describe` shows it: its id and config overrides from their znodes, and every partition.</summary>
internal sealed record TopicView(string Name, string? TopicId, IReadOnlyDictionary<string, string> Config, IReadOnlyList<PartitionDescription> Partitions)
{
    public int ReplicationFactor => Partitions.Count == 0 ? 0 : Partitions.Max(p => p.Replicas.Count);
}

/// <summary>
/// One broker row of `cluster describe`. Live means registered: its ephemeral /brokers/ids/N
/// exists, as Kafka's controller counts it. A broker that only appears in replica assignments is
/// listed as not live, with no epoch (its epoch was the czxid of a znode that is gone).
/// </summary>
internal sealed record BrokerRow(int BrokerId, bool Live, long? BrokerEpoch, string? Host, int? Port, string? Rack);

internal sealed record ClusterView(int? ControllerId, int ControllerEpoch, IReadOnlyList<BrokerRow> Brokers);

/// <summary>The reads behind the admin commands and the demo's summary, over one store session.</summary>
internal static class AdminQueries
{
    public static async Task<IReadOnlyList<string>> TopicNamesAsync(CoordinationSession session) =>
        await session.RequestAsync(new GetChildrenRequest(ZkPaths.Topics)).ConfigureAwait(false) is GetChildrenResponse children
            ? children.Children.Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <summary>The topic, or the typed error ZkAdmin gives for an invalid name or an unknown topic.</summary>
    public static async Task<(TopicView? Topic, AdminError? Error)> DescribeTopicAsync(CoordinationSession session, string topic)
    {
        var (partitions, error) = await ZkAdmin.DescribeTopicAsync(session, topic).ConfigureAwait(false);
        if (error is not null) return (null, error);
        var topicId = await session.RequestAsync(new GetDataRequest(ZkPaths.Topic(topic))).ConfigureAwait(false) is GetDataResponse data
                      && ZkData.DecodeTopic(topic, data.Data).TryGetValue(out var znode)
            ? znode.TopicId
            : null;
        var config = await session.RequestAsync(new GetDataRequest(ZkPaths.ConfigTopic(topic))).ConfigureAwait(false) is GetDataResponse cfg
                     && ZkData.DecodeTopicConfig(topic, cfg.Data).TryGetValue(out var values)
            ? values
            : new Dictionary<string, string>();
        return (new TopicView(topic, topicId, config, partitions!), null);
    }

    /// <summary>Every topic in name order; a topic deleted between the listing and its read is left out.</summary>
    public static async Task<IReadOnlyList<TopicView>> DescribeTopicsAsync(CoordinationSession session)
    {
        var topics = new List<TopicView>();
        foreach (var name in await TopicNamesAsync(session).ConfigureAwait(false))
            if (await DescribeTopicAsync(session, name).ConfigureAwait(false) is ({ } topic, null))
                topics.Add(topic);
        return topics;
    }

    public static async Task<ClusterView> DescribeClusterAsync(CoordinationSession session)
    {
        var cluster = await ZkAdmin.DescribeClusterAsync(session).ConfigureAwait(false);
        var rows = cluster.Brokers.Select(b => new BrokerRow(b.BrokerId, true, b.BrokerEpoch, b.Host, b.Port, b.Rack)).ToList();
        var registered = rows.Select(r => r.BrokerId).ToHashSet();
        var assigned = (await DescribeTopicsAsync(session).ConfigureAwait(false))
            .SelectMany(t => t.Partitions).SelectMany(p => p.Replicas).Where(id => !registered.Contains(id)).Distinct();
        rows.AddRange(assigned.Select(id => new BrokerRow(id, false, null, null, null, null)));
        return new ClusterView(cluster.ControllerId, cluster.ControllerEpoch, rows.OrderBy(r => r.BrokerId).ToArray());
    }
}
