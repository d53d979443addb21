using ActorKafka.Metadata;

namespace ActorKafka.Broker;

/// <summary>Asks a broker for its state (tests, describe).</summary>
public sealed record GetBrokerState
{
    public static readonly GetBrokerState Instance = new();
}

public sealed record BrokerStateSnapshot(
    int BrokerId,
    long BrokerEpoch,
    bool Registered,
    int ControllerId,
    int ControllerEpoch,
    IReadOnlyList<ReplicaView> Replicas,
    IReadOnlyList<PartitionStateInfo> Metadata,
    IReadOnlyList<int> LiveBrokers);

/// <summary>Stop this broker gracefully: controlled shutdown first, then deregister. Answered with BrokerStopped.</summary>
public sealed record ShutdownBroker
{
    public static readonly ShutdownBroker Instance = new();
}
