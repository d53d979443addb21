using ActorKafka.Metadata;

namespace ActorKafka.Broker.Replication;

/// <summary>
/// A partition replica's settings (Kafka's names in brackets). The shell reads them from HOCON;
/// the defaults are Kafka's.
/// </summary>
/// <param name="ReplicaLagTimeMaxMs">A follower that has not caught up to the leader's log end for this long leaves the ISR [replica.lag.time.max.ms].</param>
/// <param name="MinInsyncReplicas">acks=all needs at least this many in-sync replicas [min.insync.replicas].</param>
/// <param name="MaxBatchBytes">Largest produced batch, encoded; MessageTooLarge above [message.max.bytes].</param>
/// <param name="ReplicaFetchMaxBytes">A follower's fetch asks for at most this much [replica.fetch.max.bytes].</param>
/// <param name="ReplicaFetchWaitMaxMs">How long a follower's fetch may wait at the leader for data [replica.fetch.wait.max.ms].</param>
/// <param name="ReplicaFetchBackoffMs">A follower waits this long after a failed fetch [replica.fetch.backoff.ms].</param>
/// <param name="ReplicaFetchResponseTimeoutMs">A fetch unanswered for this long is given up and sent again [replica.socket.timeout.ms].</param>
public sealed record ReplicaConfig(
    long ReplicaLagTimeMaxMs = 30_000,
    int MinInsyncReplicas = 1,
    int MaxBatchBytes = 1_048_588,
    int ReplicaFetchMaxBytes = 1_048_576,
    int ReplicaFetchWaitMaxMs = 500,
    long ReplicaFetchBackoffMs = 1_000,
    long ReplicaFetchResponseTimeoutMs = 30_000);

public enum ReplicaRole
{
    /// <summary>Not told anything yet, or stopped: answers NotLeaderOrFollower, does not fetch.</summary>
    None,
    Leader,
    Follower,
}

/// <summary>What a role change did.</summary>
public enum RoleChangeOutcome
{
    /// <summary>Ignored: an older leader epoch than this replica's, or one it may already have written in.</summary>
    Stale,

    /// <summary>Nothing new: the same leader epoch and partition epoch (or an older partition epoch).</summary>
    Unchanged,

    /// <summary>Same leadership, newer partition epoch: the ISR or the replica set changed.</summary>
    Updated,
    BecameLeader,
    BecameFollower,
}

/// <summary>What a produce's answer waits for.</summary>
public enum ProduceWait
{
    /// <summary>Answered now: <see cref="ProduceResult.Response"/> is the (error) answer.</summary>
    None,

    /// <summary>acks=0/1: answered once the shell has flushed the append (then <see cref="PartitionReplica.OnLogFlushed"/>).</summary>
    Flush,

    /// <summary>acks=all: answered once the high watermark passes the batch's last offset.</summary>
    HighWatermark,
}

/// <summary>A produce's immediate outcome: an error answer, or the offsets it was appended at and what its answer waits for.</summary>
public sealed record ProduceResult(ProduceWait Wait, long BaseOffset, long LastOffset, ProduceResponse? Response);

/// <summary>A produce answered after the fact (collected with <see cref="PartitionReplica.TakeCompletions"/>); acks=0 ones are not sent.</summary>
public sealed record ProduceCompletion(Acks Acks, ProduceResponse Response);

/// <summary>
/// The leader's proposed ISR (Kafka's AlterPartition, or a conditional write of the partition
/// state znode in zk mode). Not applied until committed: then the shell calls
/// <see cref="PartitionReplica.OnIsrChangeCommitted"/>, or <see cref="PartitionReplica.OnIsrChangeRejected"/>.
/// </summary>
public sealed record IsrChangeProposal(TopicPartition Partition, int LeaderEpoch, int PartitionEpoch, IReadOnlyList<int> NewIsr)
{
    public override string ToString() => $"{Partition} leaderEpoch {LeaderEpoch} partitionEpoch {PartitionEpoch} isr [{string.Join(",", NewIsr)}]";
}
