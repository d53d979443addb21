using ActorKafka.Metadata;

namespace ActorKafka.Broker.Replication;

// Local messages to a broker's replica manager (tests, the node host, operators).

public sealed record GetReplicaStates
{
    public static readonly GetReplicaStates Instance = new();
}

/// <summary>One hosted replica as it stands: its role, epochs, ISR, high watermark and log end (durable end in brackets).</summary>
public sealed record ReplicaStatus(TopicPartition Partition, ReplicaRole Role, int LeaderId, int LeaderEpoch, int PartitionEpoch, int[] Isr,
    long HighWatermark, long LogStartOffset, long LogEndOffset, long DurableEndOffset);

public sealed record ReplicaStates(int BrokerId, IReadOnlyList<ReplicaStatus> Replicas);
