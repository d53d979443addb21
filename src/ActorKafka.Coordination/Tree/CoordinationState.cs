namespace ActorKafka.Coordination;

/// <summary>Limits the store enforces; all from configuration.</summary>
public sealed record StoreLimits(int MaxDataBytes, int MinSessionTimeoutMs, int MaxSessionTimeoutMs)
{
    public static readonly StoreLimits Default = new(1024 * 1024, 4000, 40000);
}

/// <summary>What handling one request produced: the reply, the transaction to log (if any), and the watches it fired.</summary>
public readonly record struct Outcome(ZkResponse Response, TxnRecord? Record, IReadOnlyList<(long SessionId, WatchedEvent Event)> Fired);

/// <summary>
/// The pure, deterministic core of the coordination store: tree, sessions, watches.
/// Input is a request plus the wall-clock time; output is the reply, the transaction to log
/// and the fired watches. No I/O and no clock of its own, so it replays and simulates exactly.
/// </summary>
public sealed class CoordinationState
{
    private static readonly IReadOnlyList<(long, WatchedEvent)> NoEvents = Array.Empty<(long, WatchedEvent)>();
    private readonly TxnPreparer _preparer;

    public CoordinationState(StoreLimits limits)
    {
        Limits = limits;
        _preparer = new TxnPreparer(Tree, limits.MaxDataBytes);
    }

    public StoreLimits Limits { get; }
    public DataTree Tree { get; } = new();
    public WatchManager Watches { get; } = new();
    public long LastZxid => Tree.LastZxid;

    public bool IsLive(long sessionId) => Tree.HasSession(sessionId);

    /// <summary>The session timeout ZooKeeper would negotiate: the request clamped to [min, max].</summary>
    public int NegotiateTimeout(int requestedMs) =>
        Math.Clamp(requestedMs, Limits.MinSessionTimeoutMs, Limits.MaxSessionTimeoutMs);

    /// <summary>Opens a session; its id is the zxid of its CreateSession transaction, unique for the store's life.</summary>
    public (TxnRecord Record, long SessionId, int TimeoutMs) OpenSession(int requestedTimeoutMs, long wallTime)
    {
        var zxid = Tree.LastZxid + 1;
        var timeout = NegotiateTimeout(requestedTimeoutMs);
        var record = new TxnRecord(zxid, wallTime, new CreateSessionTxn(zxid, timeout));
        Tree.Apply(record);
        return (record, zxid, timeout);
    }

    /// <summary>Ends a session: its ephemerals go, watches fire, its own watches are dropped.</summary>
    public Outcome CloseSession(long sessionId, long wallTime)
    {
        if (!IsLive(sessionId))
            return new Outcome(new ErrorResponse(ZkErrorCode.SessionExpired, ZnodePath.Root, $"session 0x{sessionId:x} is not live"), null, NoEvents);
        Watches.RemoveSession(sessionId);
        var record = new TxnRecord(Tree.LastZxid + 1, wallTime, new CloseSessionTxn(sessionId));
        return new Outcome(new DeleteResponse(), record, ApplyAndFire(record, null));
    }

    public Outcome Handle(long sessionId, ZkRequest request, long wallTime)
    {
        if (!IsLive(sessionId))
            return new Outcome(new ErrorResponse(ZkErrorCode.SessionExpired, request?.Path ?? ZnodePath.Root, $"session 0x{sessionId:x} has expired or was closed"), null, NoEvents);
        return request switch
        {
            null => new Outcome(new ErrorResponse(ZkErrorCode.BadArguments, "", "null request"), null, NoEvents),
            ExistsRequest or GetDataRequest or GetChildrenRequest or SyncRequest => new Outcome(Read(sessionId, request), null, NoEvents),
            // ZooKeeper's multiRead: reads only, each answered on its own (no atomicity needed, no zxid used).
            MultiRequest { Ops.Count: > 0 } reads when reads.Ops.All(op => op is ExistsRequest or GetDataRequest or GetChildrenRequest) =>
                new Outcome(new MultiResponse(reads.Ops.Select(op => Read(sessionId, op)).ToArray()), null, NoEvents),
            _ => Write(sessionId, request, wallTime),
        };
    }

    private ZkResponse Read(long sessionId, ZkRequest request)
    {
        if (ZnodePath.Validate(request.Path) is { } bad) return new ErrorResponse(ZkErrorCode.BadArguments, request.Path ?? "", bad);
        var node = Tree.Find(request.Path);
        switch (request)
        {
            case ExistsRequest e:
                if (e.Watch) Watches.AddDataWatch(sessionId, e.Path);
                return new ExistsResponse(node?.ToStat());
            case GetDataRequest g:
                if (node is null) return new ErrorResponse(ZkErrorCode.NoNode, g.Path);
                if (g.Watch) Watches.AddDataWatch(sessionId, g.Path);
                return new GetDataResponse(node.Data.ToArray(), node.ToStat());
            case GetChildrenRequest c:
                if (node is null) return new ErrorResponse(ZkErrorCode.NoNode, c.Path);
                if (c.Watch) Watches.AddChildWatch(sessionId, c.Path);
                return new GetChildrenResponse(node.Children?.ToArray() ?? Array.Empty<string>(), c.IncludeStat ? node.ToStat() : null);
            default:
                return new SyncResponse(request.Path);
        }
    }

    private Outcome Write(long sessionId, ZkRequest request, long wallTime)
    {
        var (txn, error) = _preparer.Prepare(sessionId, request);
        if (error is not null) return new Outcome(error, null, NoEvents);
        var record = new TxnRecord(Tree.LastZxid + 1, wallTime, txn!);
        var stats = new List<Stat?>(1);
        var fired = ApplyAndFire(record, stats);
        return new Outcome(BuildResponse(request, txn!, stats), record, fired);
    }

    private static ZkResponse BuildResponse(ZkRequest request, Txn txn, List<Stat?> stats)
    {
        if (request is MultiRequest && txn is MultiTxn multi)
        {
            var results = new ZkResponse[multi.Txns.Count];
            for (var i = 0; i < results.Length; i++) results[i] = Single(multi.Txns[i], stats[i]);
            return new MultiResponse(results);
        }
        return Single(txn, stats[0]);
    }

    private static ZkResponse Single(Txn txn, Stat? stat) => txn switch
    {
        CreateTxn c => new CreateResponse(c.Path, stat!),
        SetDataTxn => new SetDataResponse(stat!),
        DeleteTxn => new DeleteResponse(),
        _ => new CheckVersionResponse(),
    };

    private List<(long, WatchedEvent)> ApplyAndFire(TxnRecord record, List<Stat?>? stats)
    {
        var triggers = new List<(WatchEventType Type, string Path)>(2);
        Tree.Apply(record, triggers, stats);
        var fired = new List<(long, WatchedEvent)>();
        foreach (var (type, path) in triggers) Watches.Trigger(type, path, record.Zxid, fired);
        return fired;
    }

    /// <summary>
    /// Re-registers watches a client held before it reconnected (ZooKeeper's DataTree.setWatches):
    /// a watch whose node changed after <paramref name="relativeZxid"/> fires now, the rest are set again.
    /// </summary>
    public IReadOnlyList<(long SessionId, WatchedEvent Event)> SetWatches(long sessionId, long relativeZxid,
        IEnumerable<string> dataWatches, IEnumerable<string> existWatches, IEnumerable<string> childWatches)
    {
        if (!IsLive(sessionId)) return NoEvents;
        var fired = new List<(long, WatchedEvent)>();
        var zxid = Tree.LastZxid;
        foreach (var path in dataWatches.Where(p => ZnodePath.Validate(p) is null))
        {
            var node = Tree.Find(path);
            if (node is null) fired.Add((sessionId, new WatchedEvent(WatchEventType.NodeDeleted, path, zxid)));
            else if (node.Mzxid > relativeZxid) fired.Add((sessionId, new WatchedEvent(WatchEventType.NodeDataChanged, path, zxid)));
            else Watches.AddDataWatch(sessionId, path);
        }
        foreach (var path in existWatches.Where(p => ZnodePath.Validate(p) is null))
        {
            if (Tree.Find(path) is not null) fired.Add((sessionId, new WatchedEvent(WatchEventType.NodeCreated, path, zxid)));
            else Watches.AddDataWatch(sessionId, path);
        }
        foreach (var path in childWatches.Where(p => ZnodePath.Validate(p) is null))
        {
            var node = Tree.Find(path);
            if (node is null) fired.Add((sessionId, new WatchedEvent(WatchEventType.NodeDeleted, path, zxid)));
            else if (node.Pzxid > relativeZxid) fired.Add((sessionId, new WatchedEvent(WatchEventType.NodeChildrenChanged, path, zxid)));
            else Watches.AddChildWatch(sessionId, path);
        }
        return fired;
    }

    /// <summary>Recovery: applies a logged transaction; transactions a snapshot already holds are skipped.</summary>
    public void Replay(TxnRecord record)
    {
        if (record.Zxid <= Tree.LastZxid) return;
        Tree.Apply(record);
    }
}
