using ActorKafka.Metadata;

namespace ActorKafka.Broker.Examples;

// The lag monitor's protocol: what it publishes and what it answers (docs/EXTENDING.md walks
// through this example). It asks the replica manager with GetReplicaStates and reads ReplicaStates.

/// <summary>How a replica this broker hosts stands, as far as this broker can tell.</summary>
public enum ReplicaHealth
{
    /// <summary>A follower in the ISR, or a leader with at least min-insync-replicas in its ISR.</summary>
    Healthy,

    /// <summary>A follower outside the ISR: its copy is behind the leader, so the partition is under-replicated.</summary>
    OutOfSync,

    /// <summary>The leader, with fewer in-sync replicas than min-insync-replicas: acks=all produces are refused (NOT_ENOUGH_REPLICAS).</summary>
    UnderMinIsr,

    /// <summary>A follower that knows no leader (-1): nobody serves the partition.</summary>
    Leaderless,

    /// <summary>The replica is stopped or gone from this broker: no longer this monitor's to judge.</summary>
    NotHosted,
}

/// <summary>
/// Published on the event stream when a replica's reported health changes: it became unhealthy and
/// stayed so for report-after, or it is healthy (or no longer hosted) again. Carries the epochs of
/// the state it was judged on, so a subscriber can tell an older report from a newer one.
/// </summary>
public sealed record ReplicaHealthChanged(int BrokerId, TopicPartition Partition, ReplicaHealth Health, ReplicaHealth Previous, int LeaderId,
    int LeaderEpoch, int PartitionEpoch, int[] Isr) : BrokerEvent(BrokerId);

/// <summary>Asks the lag monitor what it currently reports.</summary>
public sealed record GetLagReport
{
    public static readonly GetLagReport Instance = new();
}

/// <summary>One replica the monitor currently reports as unhealthy.</summary>
public sealed record ReportedReplica(TopicPartition Partition, ReplicaHealth Health);

/// <summary>
/// The answer to <see cref="GetLagReport"/>: the replicas reported unhealthy, in partition order, and
/// how many polls in a row the replica manager has left unanswered (0 when it answered the last one).
/// BrokerId is -1 until the replica manager first answers.
/// </summary>
public sealed record LagReport(int BrokerId, int UnansweredPolls, IReadOnlyList<ReportedReplica> Unhealthy);
