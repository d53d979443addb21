using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>One partition's state in the image (Kafka's PartitionRegistration).</summary>
public sealed record PartitionRegistration(BrokerIdList Replicas, BrokerIdList Isr, int Leader, int LeaderEpoch, int PartitionEpoch)
{
    public bool HasLeader => Leader != PartitionChangeRecord.NoLeader;

    /// <summary>
    /// Kafka's PartitionRegistration.merge: absent fields keep their value; the partition epoch
    /// always moves, so an AlterPartition fenced by it fails after any change; the leader epoch
    /// moves whenever the record names a leader, so a writer can force a bump without a new leader.
    /// </summary>
    public PartitionRegistration Merge(PartitionChangeRecord change)
    {
        var leaderNamed = change.Leader != PartitionChangeRecord.NoLeaderChange;
        return new PartitionRegistration(
            change.Replicas ?? Replicas,
            change.Isr ?? Isr,
            leaderNamed ? change.Leader : Leader,
            leaderNamed ? LeaderEpoch + 1 : LeaderEpoch,
            PartitionEpoch + 1);
    }

    /// <summary>Why this state cannot be a partition's, or null when it can.</summary>
    public string? Invalidity()
    {
        if (Replicas.Count == 0) return "no replicas";
        if (Replicas.HasDuplicates) return $"duplicate replicas {Replicas}";
        if (Isr.HasDuplicates) return $"duplicate ISR members {Isr}";
        if (!Isr.IsSubsetOf(Replicas)) return $"ISR {Isr} is not a subset of replicas {Replicas}";
        if (Leader < PartitionChangeRecord.NoLeader) return $"bad leader {Leader}";
        if (HasLeader && !Isr.Contains(Leader)) return $"leader {Leader} is not in ISR {Isr}";
        if (LeaderEpoch < 0 || PartitionEpoch < 0) return $"negative epoch (leader epoch {LeaderEpoch}, partition epoch {PartitionEpoch})";
        return null;
    }

    /// <summary>The zk-mode control type for this state, so brokers apply both modes alike.</summary>
    public LeaderAndIsr ToLeaderAndIsr(int controllerEpoch) => new(Leader, LeaderEpoch, Isr.ToArray(), controllerEpoch, PartitionEpoch);

    public override string ToString() =>
        $"replicas {Replicas} isr {Isr} leader {Leader} leaderEpoch {LeaderEpoch} partitionEpoch {PartitionEpoch}";
}
