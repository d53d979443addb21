using ActorKafka.Metadata;

namespace ActorKafka.Controller;

// Published on the controller node's event stream.
public abstract record ControllerEvent(int ControllerId);

public sealed record ControllerElected(int ControllerId, int Epoch) : ControllerEvent(ControllerId);

/// <summary>This controller stopped acting: another was elected (it found out through a fenced write) or its session ended.</summary>
public sealed record ControllerResigned(int ControllerId, int Epoch, string Reason) : ControllerEvent(ControllerId);

/// <summary>The failover finished: state loaded and every live broker sent the new epoch's metadata.</summary>
public sealed record ControllerFailoverCompleted(int ControllerId, int Epoch, int Brokers, int Partitions, TimeSpan Election, TimeSpan Load,
    TimeSpan Propagation) : ControllerEvent(ControllerId);

public sealed record BrokerLost(int ControllerId, int BrokerId) : ControllerEvent(ControllerId);

public sealed record BrokerJoined(int ControllerId, int BrokerId, long BrokerEpoch) : ControllerEvent(ControllerId);

public sealed record LeaderElected(int ControllerId, TopicPartition Partition, int Leader, int LeaderEpoch, int[] Isr, bool Unclean)
    : ControllerEvent(ControllerId);

public sealed record PartitionOffline(int ControllerId, TopicPartition Partition) : ControllerEvent(ControllerId);

/// <summary>
/// A broker left requests unanswered for request-retry-after: they went out again, in order
/// (<paramref name="Attempt"/> counts the re-sends since its last answer).
/// </summary>
public sealed record ControlRequestsResent(int ControllerId, int BrokerId, int Requests, int Attempt) : ControllerEvent(ControllerId);

// Requests to the controller actor.

/// <summary>Preferred-replica election now for these partitions (all when empty). Answered with ElectLeadersResult.</summary>
public sealed record ElectPreferredLeaders(TopicPartition[] Partitions);

public sealed record ElectLeadersResult(ControlError Error, int Elected);

/// <summary>
/// Fault injection: the controller stops processing and heartbeating (a long GC pause) until
/// ResumeController. Requests it had built before the pause are delivered after it resumes.
/// </summary>
public sealed record PauseController
{
    public static readonly PauseController Instance = new();
}

public sealed record ResumeController
{
    public static readonly ResumeController Instance = new();
}

public sealed record GetControllerState
{
    public static readonly GetControllerState Instance = new();
}

public sealed record ControllerStateSnapshot(int ControllerId, bool Active, int Epoch, IReadOnlyList<int> LiveBrokers,
    IReadOnlyDictionary<TopicPartition, LeaderAndIsr> Partitions);
