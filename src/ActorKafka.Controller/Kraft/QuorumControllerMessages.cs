namespace ActorKafka.Controller.Kraft;

// Local messages to a quorum controller (tests, the node host, operators); the network API is in
// ActorKafka.Metadata's QuorumControllerRequests.

public sealed record GetQuorumControllerStatus
{
    public static readonly GetQuorumControllerStatus Instance = new();
}

/// <summary>
/// ActiveEpoch is the Raft epoch this controller is active in (-1: standby). CommittedOffset is
/// the offset of the last batch in its committed image; every standby keeps it current.
/// </summary>
public sealed record QuorumControllerStatus(int NodeId, bool Active, int ActiveEpoch, int RaftEpoch, int? RaftLeaderId, long CommittedOffset,
    int Brokers, long Partitions, int PendingResponses);

/// <summary>This node's Raft voter became the quorum leader of the epoch (before its controller is active: that waits for the commit of its LeaderChange).</summary>
public sealed record QuorumLeaderElected(int ControllerId, int Epoch) : ControllerEvent(ControllerId);
