using Akka.Actor;

namespace ActorKafka.Coordination;

// The session protocol between a client (the "connection") and the store. Requests carry the
// session id; the store answers on the connection, and sends watch events there too, in zxid
// order, so a client always sees a watch event before a later read that reflects the change.

/// <summary>Opens a session owned by <paramref name="Owner"/>: the session ends when the owner terminates.</summary>
public sealed record OpenSession(IActorRef Owner, int TimeoutMs) : ICoordinationMessage;

public sealed record SessionOpened(long SessionId, int TimeoutMs) : ICoordinationMessage;

/// <summary>Heartbeat. Also re-attaches a session to its owner after a store restart.</summary>
public sealed record Ping(long SessionId, IActorRef Owner) : ICoordinationMessage;

public sealed record Pong(long SessionId, long LastZxid) : ICoordinationMessage;

public sealed record StoreRequest(long SessionId, long Xid, ZkRequest Request) : ICoordinationMessage;

/// <summary>The answer to a StoreRequest or CloseSession; Zxid is the last zxid the store had applied.</summary>
public sealed record StoreReply(long Xid, long Zxid, ZkResponse Response) : ICoordinationMessage;

public sealed record CloseSession(long SessionId, long Xid) : ICoordinationMessage;

public sealed record WatchNotification(long SessionId, WatchedEvent Event) : ICoordinationMessage;

/// <summary>Sent to the connection of a session the store expired (timeout or owner terminated), or to anyone pinging a dead one.</summary>
public sealed record SessionExpiredNotice(long SessionId) : ICoordinationMessage;

/// <summary>Asks the store for its counters (diagnostics, tests, benchmarks).</summary>
public sealed record GetStoreStatus : ICoordinationMessage
{
    public static readonly GetStoreStatus Instance = new();
}

public sealed record StoreStatus(
    long LastZxid,
    long DurableZxid,
    int NodeCount,
    int SessionCount,
    int WatchCount,
    long BatchesWritten,
    long TxnsWritten,
    long SnapshotsSaved,
    long LastSnapshotZxid) : ICoordinationMessage;

/// <summary>The store's snapshot: the whole tree and the live sessions as of LastZxid.</summary>
public sealed record StoreSnapshot(long LastZxid, IReadOnlyList<SnapshotNode> Nodes, IReadOnlyList<SnapshotSession> Sessions) : ICoordinationMessage
{
    public static StoreSnapshot Capture(DataTree tree) => new(
        tree.LastZxid,
        tree.Nodes().Select(n => new SnapshotNode(n.Path, n.Data, n.Stat)).ToArray(),
        tree.Sessions.OrderBy(s => s.Key).Select(s => new SnapshotSession(s.Key, s.Value)).ToArray());

    public void RestoreInto(DataTree tree)
    {
        // Nodes are in ordinal path order, so every parent precedes its children.
        foreach (var n in Nodes) tree.RestoreNode(n.Path, n.Data, n.Stat);
        foreach (var s in Sessions) tree.RestoreSession(s.SessionId, s.TimeoutMs);
        tree.RestoreLastZxid(LastZxid);
    }
}

public sealed record SnapshotNode(string Path, byte[] Data, Stat Stat);

public sealed record SnapshotSession(long SessionId, int TimeoutMs);

/// <summary>
/// Re-registers a client's watches after it reconnects to a restarted store (ZooKeeper's
/// SetWatches): any watch whose node changed after RelativeZxid fires at once.
/// </summary>
public sealed record SetWatches(long SessionId, long RelativeZxid, IReadOnlyList<string> DataWatches,
    IReadOnlyList<string> ExistWatches, IReadOnlyList<string> ChildWatches) : ICoordinationMessage;
