using ActorKafka.Metadata;

namespace ActorKafka.Node.Cli;

/// <summary>Which words a frame uses: a zk-mode broker is live or not, a KRaft one fenced or not.</summary>
public enum WatchMode
{
    Zk,
    Kraft,
}

/// <summary>What one fetch saw: the cluster's state, or why it could not be read.</summary>
public abstract record WatchObservation(WatchMode Mode, DateTimeOffset Time);

public sealed record WatchUnreachable(WatchMode Mode, DateTimeOffset Time, string Reason) : WatchObservation(Mode, Time);

/// <summary>The cluster as one fetch saw it, the same shape in both modes so that one diff and one renderer serve both.</summary>
public sealed record WatchSnapshot(
    WatchMode Mode,
    DateTimeOffset Time,
    WatchController Controller,
    IReadOnlyList<WatchBroker> Brokers,
    WatchQuorum? Quorum,
    int TopicCount,
    long PartitionCount,
    IReadOnlyList<WatchPartition> Partitions) : WatchObservation(Mode, Time);

/// <summary>Id null: no controller right now (zk mode between elections); Epoch is then the last one.</summary>
public sealed record WatchController(int? Id, int Epoch);

/// <summary>
/// Up is "live" in zk mode (its /brokers/ids/N exists) and "unfenced" in KRaft mode. A zk-mode
/// broker that is not live has no epoch: it is only known from replica assignments.
/// </summary>
public sealed record WatchBroker(int Id, long? Epoch, bool Up, bool InControlledShutdown = false);

/// <summary>KRaft mode's metadata quorum as its leader reports it.</summary>
public sealed record WatchQuorum(int LeaderId, int Epoch, long HighWatermark, IReadOnlyList<WatchReplica> Replicas);

/// <summary>Lag is how far the replica's log ends short of the high watermark.</summary>
public sealed record WatchReplica(int Id, string Role, long LogEndOffset, long Lag);

/// <summary>Leader null: offline. The epochs are null in zk mode while the partition has no state znode yet.</summary>
public sealed record WatchPartition(TopicPartition Partition, int? Leader, IReadOnlyList<int> Isr, IReadOnlyList<int> Replicas,
    int? LeaderEpoch, int? PartitionEpoch)
{
    public bool Offline => Leader is null;

    public bool UnderReplicated => !Offline && Isr.Count < Replicas.Count;
}
