using ActorKafka.Metadata;

namespace ActorKafka.Broker.Replication;

// The data plane between clients and brokers and between replicas (Kafka's Produce, Fetch,
// ListOffsets and Metadata APIs). Every request for a partition may carry the leader epoch the
// sender believes in; the leader answers an older one with FencedLeaderEpoch and a newer one with
// UnknownLeaderEpoch, so a client or follower that missed a leader change finds out at once.

/// <summary>Marker for the data-plane messages that cross the network.</summary>
public interface IReplicationMessage;

/// <summary>Kafka's acks: 0 (no answer waited for), 1 (the leader's durable append), -1 (every in-sync replica).</summary>
public enum Acks : short
{
    All = -1,
    None = 0,
    Leader = 1,
}

/// <summary>One record as a producer sends it.</summary>
public sealed record ProducerRecord(byte[]? Key, byte[] Value, long Timestamp);

/// <summary>A batch in a partition's log: every record's offset is BaseOffset + its index.</summary>
public sealed record RecordBatch(long BaseOffset, int LeaderEpoch, IReadOnlyList<ProducerRecord> Records)
{
    public long LastOffset => BaseOffset + Records.Count - 1;

    public long NextOffset => BaseOffset + Records.Count;
}

/// <summary>
/// Append a batch to the partition's leader. CurrentLeaderEpoch -1: not checked (a client that
/// does not know it).
/// </summary>
public sealed record ProduceRequest(long CorrelationId, TopicPartition Partition, Acks Acks, int TimeoutMs, int CurrentLeaderEpoch,
    IReadOnlyList<ProducerRecord> Records) : IReplicationMessage;

/// <summary>On success, BaseOffset is the first record's offset. LeaderId is the leader this broker knows, for a client to retry at.</summary>
public sealed record ProduceResponse(long CorrelationId, TopicPartition Partition, ControlError Error, long BaseOffset, int LeaderEpoch,
    int LeaderId, string Message = "") : IReplicationMessage;

/// <summary>
/// Kafka's Fetch, for followers (ReplicaId = the broker id) and consumers (ReplicaId = -1).
/// A follower sends the epoch of the last batch it holds (LastFetchedEpoch) so the leader can
/// tell it where its log diverges; a consumer only ever reads below the high watermark.
/// </summary>
public sealed record FetchRecordsRequest(long CorrelationId, int ReplicaId, long ReplicaEpoch, TopicPartition Partition, long FetchOffset,
    int LastFetchedEpoch, int CurrentLeaderEpoch, int MaxBytes, int MaxWaitMs) : IReplicationMessage
{
    public const int ConsumerReplicaId = -1;
}

/// <summary>Divergence: the follower truncates to EndOffset of Epoch (Kafka's diverging epoch).</summary>
public sealed record DivergingEpoch(int Epoch, long EndOffset);

public sealed record FetchRecordsResponse(long CorrelationId, TopicPartition Partition, ControlError Error, long HighWatermark, long LogStartOffset,
    long LogEndOffset, int LeaderEpoch, DivergingEpoch? Diverging, IReadOnlyList<RecordBatch> Batches) : IReplicationMessage;

/// <summary>Kafka's ListOffsets: Timestamp -2 earliest, -1 latest (the high watermark).</summary>
public sealed record ListOffsetsRequest(long CorrelationId, TopicPartition Partition, long Timestamp, int CurrentLeaderEpoch) : IReplicationMessage
{
    public const long Earliest = -2;
    public const long Latest = -1;
}

public sealed record ListOffsetsResponse(long CorrelationId, TopicPartition Partition, ControlError Error, long Offset, int LeaderEpoch)
    : IReplicationMessage;

/// <summary>Kafka's Metadata request from clients: the live brokers' addresses and the partitions of the named topics with their leaders (none named: brokers only).</summary>
public sealed record ClientMetadataRequest(long CorrelationId, string[] Topics) : IReplicationMessage;

public sealed record PartitionMetadata(TopicPartition Partition, ControlError Error, int Leader, int LeaderEpoch, int[] Replicas, int[] Isr);

public sealed record BrokerEndpointInfo(int BrokerId, string ActorAddress);

public sealed record ClientMetadataResponse(long CorrelationId, BrokerEndpointInfo[] Brokers, PartitionMetadata[] Partitions, string[] UnknownTopics)
    : IReplicationMessage;
