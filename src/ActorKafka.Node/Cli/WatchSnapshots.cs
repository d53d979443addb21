using ActorKafka.Controller;
using ActorKafka.Metadata;

namespace ActorKafka.Node.Cli;

/// <summary>Turns each mode's admin answers into the watch's snapshot.</summary>
internal static class WatchSnapshots
{
    /// <summary>
    /// zk mode: registered brokers are live; a broker that only appears in replica assignments is
    /// listed as not live, as `cluster describe` does.
    /// </summary>
    public static WatchSnapshot FromZk(DateTimeOffset time, ClusterDescription cluster, IReadOnlyList<TopicView> topics)
    {
        var brokers = cluster.Brokers.Select(b => new WatchBroker(b.BrokerId, b.BrokerEpoch, Up: true)).ToList();
        var registered = brokers.Select(b => b.Id).ToHashSet();
        brokers.AddRange(topics.SelectMany(t => t.Partitions).SelectMany(p => p.Replicas).Where(id => !registered.Contains(id)).Distinct()
            .Select(id => new WatchBroker(id, null, Up: false)));
        var partitions = topics.SelectMany(t => t.Partitions).Select(p => new WatchPartition(p.Partition,
            p.State is { HasLeader: true } s ? s.Leader : null, p.State?.Isr ?? [], p.Replicas, p.State?.LeaderEpoch, p.State?.PartitionEpoch)).ToArray();
        return new WatchSnapshot(WatchMode.Zk, time, new WatchController(cluster.ControllerId, cluster.ControllerEpoch),
            brokers.OrderBy(b => b.Id).ToArray(), null, topics.Count, partitions.Length, partitions);
    }

    public static WatchSnapshot FromKraft(DateTimeOffset time, DescribeClusterResponse cluster, DescribeQuorumResponse quorum)
    {
        var brokers = cluster.Brokers.OrderBy(b => b.BrokerId)
            .Select(b => new WatchBroker(b.BrokerId, b.BrokerEpoch, Up: !b.Fenced, b.InControlledShutdown)).ToArray();
        var replicas = quorum.Voters.OrderBy(v => v.ReplicaId != quorum.LeaderId).ThenBy(v => v.ReplicaId)
            .Select(v => Replica(quorum, v, v.ReplicaId == quorum.LeaderId ? "leader" : "voter"))
            .Concat(quorum.Observers.OrderBy(o => o.ReplicaId).Select(o => Replica(quorum, o, "observer"))).ToArray();
        var partitions = cluster.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)
            .Select(p => new WatchPartition(p.TopicPartition, p.Leader == LeaderAndIsr.NoLeader ? null : p.Leader, p.Isr, p.Replicas,
                p.LeaderEpoch, p.PartitionEpoch)).ToArray();
        return new WatchSnapshot(WatchMode.Kraft, time, new WatchController(cluster.ControllerId, cluster.ControllerEpoch), brokers,
            new WatchQuorum(quorum.LeaderId, quorum.LeaderEpoch, quorum.HighWatermark, replicas), cluster.TopicCount, cluster.PartitionCount, partitions);
    }

    private static WatchReplica Replica(DescribeQuorumResponse quorum, QuorumReplicaState state, string role) =>
        new(state.ReplicaId, role, state.LogEndOffset, KraftAdminFormat.Lag(quorum, state));
}
