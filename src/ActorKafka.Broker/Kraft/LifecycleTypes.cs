using ActorKafka.Metadata;

namespace ActorKafka.Broker.Kraft;

/// <summary>Kafka's BrokerState values a KRaft broker passes through, with Kafka's numbers.</summary>
public enum BrokerLifecycleState
{
    /// <summary>Registering, then replaying the log until the controller says it has caught up.</summary>
    Starting = 1,

    /// <summary>Caught up but fenced: waiting for the controller to unfence it (again, after a missed session).</summary>
    Recovery = 2,

    /// <summary>Unfenced: may lead partitions and be in ISRs.</summary>
    Running = 3,

    /// <summary>Heartbeating with WantShutDown until the controller has moved its leaderships away.</summary>
    PendingControlledShutdown = 6,

    /// <summary>Terminal: the broker stops.</summary>
    ShuttingDown = 7,
}

/// <summary>
/// What the lifecycle needs to know; times in milliseconds, as the core's clock counts.
/// <see cref="IsMigratingZkBroker"/>: a zk-mode broker registering with the quorum during a
/// migration (KIP-866). It has no Raft observer to name the leader and replays no log (its
/// heartbeats report offset -1), and its id is already its own through its /brokers/ids znode.
/// </summary>
public sealed record BrokerLifecycleConfig(
    int BrokerId,
    Guid IncarnationId,
    string ActorAddress,
    string? Rack,
    IReadOnlyList<int> ControllerIds,
    long HeartbeatIntervalMs,
    long RequestTimeoutMs,
    long RetryBackoffMs,
    long ControlledShutdownTimeoutMs,
    bool IsMigratingZkBroker = false,
    long DuplicateRegistrationRetryMs = 0);

/// <summary>A request for the shell to send to the quorum controller on voter <see cref="ControllerId"/>.</summary>
public sealed record ControllerRequest(int ControllerId, IQuorumControllerRequest Request);

/// <summary>
/// The outputs of one input to <see cref="BrokerLifecycle"/>: at most one request to send, the
/// events to publish in order, lines worth a warning in the log, when to call
/// <see cref="BrokerLifecycle.OnTick"/> next (null: nothing is waiting), and the stop, if this
/// step ended the broker (its <see cref="BrokerStopped"/> is also the last event).
/// </summary>
public sealed record LifecycleStep(
    ControllerRequest? Send,
    IReadOnlyList<BrokerEvent> Events,
    IReadOnlyList<string> Warnings,
    long? WakeAt,
    BrokerStopped? Stopped)
{
    public static readonly LifecycleStep Nothing = new(null, [], [], null, null);
}
