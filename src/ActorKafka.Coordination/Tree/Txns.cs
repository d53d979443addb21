namespace ActorKafka.Coordination;

/// <summary>
/// A validated change to the tree, as ZooKeeper logs it: applying it cannot fail, so replay
/// is deterministic. Sequential names and ephemeral owners are already resolved.
/// </summary>
public abstract record Txn;

public sealed record CreateSessionTxn(long SessionId, int TimeoutMs) : Txn;

/// <summary>Ends a session: deletes its ephemerals (in path order) and forgets it.</summary>
public sealed record CloseSessionTxn(long SessionId) : Txn;

public sealed record CreateTxn(string Path, byte[] Data, long EphemeralOwner) : Txn;

public sealed record DeleteTxn(string Path) : Txn;

public sealed record SetDataTxn(string Path, byte[] Data) : Txn;

/// <summary>A check inside a multi; applying it changes nothing.</summary>
public sealed record CheckTxn(string Path) : Txn;

public sealed record MultiTxn(IReadOnlyList<Txn> Txns) : Txn;

/// <summary>One transaction with the zxid and wall-clock time it was given.</summary>
public sealed record TxnRecord(long Zxid, long Time, Txn Body);

/// <summary>The journal event: one group commit of transactions in zxid order.</summary>
public sealed record TxnBatch(IReadOnlyList<TxnRecord> Records) : ICoordinationMessage;
