namespace ActorKafka.Coordination;

// Messages between a CoordinationClient and the local actors that use it. They never cross
// the network (the client talks to the store with the StoreMessages protocol).

/// <summary>ZooKeeper's KeeperState, reduced to what a session owner acts on.</summary>
public enum SessionState
{
    SyncConnected,
    Disconnected,
    Expired,
    Closed,
}

/// <summary>Sent to the watcher when the session connects, loses the store, expires or is closed.</summary>
public sealed record SessionStateChanged(SessionState State, long SessionId);

/// <summary>Answered with SessionInfo once the session is open (queued until then).</summary>
public sealed record GetSession
{
    public static readonly GetSession Instance = new();
}

public sealed record SessionInfo(long SessionId, int TimeoutMs, SessionState State);

/// <summary>Closes the session now: ephemerals are deleted at once. Answered with a ZkResponse.</summary>
public sealed record CloseSessionCommand
{
    public static readonly CloseSessionCommand Instance = new();
}

/// <summary>
/// Fault injection: stop (or resume) heartbeating while still answering requests, as a client
/// whose process is paused would look to the store. Its session then expires on the timeout.
/// </summary>
public sealed record SuspendHeartbeats(bool Suspend);
