using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>
/// Turns a wanted partition state into the PartitionChange record that reaches it (the writing
/// side of Kafka's PartitionChangeBuilder), so the controller need not know the merge rules.
/// </summary>
public static class PartitionChanges
{
    /// <summary>
    /// The record moving <paramref name="current"/> to the given leader, ISR and replicas, or null
    /// when nothing changes. The leader field is set, bumping the leader epoch, when the leader
    /// changes and also when the ISR or the replicas lose a member: Kafka before 3.6 (and the zk
    /// mode here, whose ControllerContext bumps on every ISR shrink) does so, which fences a
    /// removed replica's fetches at once. Both modes keep one epoch rule.
    /// </summary>
    public static PartitionChangeRecord? Build(
        Guid topicId,
        int partitionId,
        PartitionRegistration current,
        int leader,
        IReadOnlyList<int> isr,
        IReadOnlyList<int>? replicas = null)
    {
        var newIsr = new BrokerIdList(isr);
        var newReplicas = replicas is null ? current.Replicas : new BrokerIdList(replicas);
        var isrChanged = newIsr != current.Isr;
        var replicasChanged = newReplicas != current.Replicas;
        var bump = leader != current.Leader || !current.Isr.IsSubsetOf(newIsr) || !current.Replicas.IsSubsetOf(newReplicas);
        if (!isrChanged && !replicasChanged && !bump) return null;
        return new PartitionChangeRecord(
            partitionId,
            topicId,
            isrChanged ? (BrokerIdList?)newIsr : null,
            bump ? leader : PartitionChangeRecord.NoLeaderChange,
            replicasChanged ? (BrokerIdList?)newReplicas : null);
    }

    /// <summary>Same, from a pure election's result; a failed election (no leader) writes NoLeader.</summary>
    public static PartitionChangeRecord? FromElection(Guid topicId, int partitionId, PartitionRegistration current, ElectionResult result) =>
        Build(topicId, partitionId, current, result.Leader ?? PartitionChangeRecord.NoLeader, result.Isr);
}
