namespace ActorKafka.Coordination;

/// <summary>ZooKeeper's KeeperException codes, with ZooKeeper's numeric values.</summary>
public enum ZkErrorCode
{
    Ok = 0,
    SystemError = -1,
    RuntimeInconsistency = -2,
    ConnectionLoss = -4,
    BadArguments = -8,
    NoNode = -101,
    BadVersion = -103,
    NoChildrenForEphemerals = -108,
    NodeExists = -110,
    NotEmpty = -111,
    SessionExpired = -112,
}

/// <summary>Znode creation modes (ZooKeeper's CreateMode).</summary>
public enum CreateMode
{
    Persistent = 0,
    Ephemeral = 1,
    PersistentSequential = 2,
    EphemeralSequential = 3,
}

public static class CreateModeExtensions
{
    public static bool IsEphemeral(this CreateMode mode) => mode is CreateMode.Ephemeral or CreateMode.EphemeralSequential;
    public static bool IsSequential(this CreateMode mode) => mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential;
}

/// <summary>Watch event types (ZooKeeper's Watcher.Event.EventType).</summary>
public enum WatchEventType
{
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
}

/// <summary>
/// A znode's Stat exactly as ZooKeeper reports it. Times are wall-clock epoch milliseconds,
/// fixed when the transaction was logged so that replay reproduces them.
/// </summary>
public sealed record Stat(
    long Czxid,
    long Mzxid,
    long Pzxid,
    long Ctime,
    long Mtime,
    int Version,
    int Cversion,
    int Aversion,
    long EphemeralOwner,
    int DataLength,
    int NumChildren);

/// <summary>A fired one-time watch, as delivered to the session's watcher.</summary>
public sealed record WatchedEvent(WatchEventType Type, string Path, long Zxid) : ICoordinationMessage;
