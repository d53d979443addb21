namespace ActorKafka.Coordination.Tests.Tree;

/// <summary>One znode of the reference model, stored the way ZooKeeper persists it.</summary>
internal sealed class ModelNode
{
    public byte[] Data = Array.Empty<byte>();
    public long Czxid;
    public long Mzxid;
    public long Pzxid;
    public long Ctime;
    public long Mtime;
    public int Version;

    /// <summary>ZooKeeper's persisted cversion: the number of child creates (DataNode's StatPersisted).</summary>
    public int ChildCreates;

    public long EphemeralOwner;

    public ModelNode Clone() => (ModelNode)MemberwiseClone();
}

/// <summary>
/// A deliberately naive ZooKeeper written straight from ZooKeeper's rules (PathUtils.validatePath,
/// PrepRequestProcessor, DataTree, DataNode.copyStat, WatchManager), sharing no code with the
/// store under test: a flat dictionary of nodes, children found by scanning every key, a multi done
/// by copying the whole tree, watches as plain sets of (session, path).
/// </summary>
internal sealed class ReferenceModel
{
    private Dictionary<string, ModelNode> _nodes = new(StringComparer.Ordinal) { ["/"] = new ModelNode() };
    private readonly HashSet<(long Session, string Path)> _dataWatches = new();
    private readonly HashSet<(long Session, string Path)> _childWatches = new();

    public ReferenceModel(int maxDataBytes, int minTimeoutMs, int maxTimeoutMs)
    {
        MaxDataBytes = maxDataBytes;
        MinTimeoutMs = minTimeoutMs;
        MaxTimeoutMs = maxTimeoutMs;
    }

    public int MaxDataBytes { get; }
    public int MinTimeoutMs { get; }
    public int MaxTimeoutMs { get; }
    public long LastZxid { get; private set; }
    public SortedDictionary<long, int> Sessions { get; } = new();
    public int WatchCount => _dataWatches.Count + _childWatches.Count;
    public IReadOnlyCollection<string> Paths => _nodes.Keys;

    public bool Exists(string path) => _nodes.ContainsKey(path);
    public int VersionOf(string path) => _nodes[path].Version;

    /// <summary>The result of one step: the reply, the zxid it logged (if any), the events it fired.</summary>
    public readonly record struct Result(ZkResponse Response, long? Zxid, List<(long Session, WatchedEvent Event)> Fired);

    // ------------------------------------------------------------------ sessions

    public (long SessionId, int TimeoutMs) OpenSession(int requestedMs)
    {
        LastZxid++;
        var timeout = requestedMs < MinTimeoutMs ? MinTimeoutMs : requestedMs > MaxTimeoutMs ? MaxTimeoutMs : requestedMs;
        Sessions[LastZxid] = timeout;
        return (LastZxid, timeout);
    }

    public Result CloseSession(long session)
    {
        if (!Sessions.ContainsKey(session))
            return new Result(new ErrorResponse(ZkErrorCode.SessionExpired, "/"), null, new());
        _dataWatches.RemoveWhere(w => w.Session == session);
        _childWatches.RemoveWhere(w => w.Session == session);
        var zxid = LastZxid + 1;
        var triggers = new List<(WatchEventType, string)>();
        var owned = _nodes.Where(kv => kv.Value.EphemeralOwner == session).Select(kv => kv.Key)
            .OrderBy(p => p, StringComparer.Ordinal).ToList();
        foreach (var path in owned)
        {
            _nodes.Remove(path);
            var parent = ParentOf(path);
            _nodes[parent].Pzxid = zxid;
            triggers.Add((WatchEventType.NodeDeleted, path));
            triggers.Add((WatchEventType.NodeChildrenChanged, parent));
        }
        Sessions.Remove(session);
        LastZxid = zxid;
        return new Result(new DeleteResponse(), zxid, Fire(triggers, zxid));
    }

    // ------------------------------------------------------------------ requests

    public Result Handle(long session, ZkRequest request, long time)
    {
        if (!Sessions.ContainsKey(session))
            return new Result(new ErrorResponse(ZkErrorCode.SessionExpired, request.Path), null, new());
        switch (request)
        {
            case ExistsRequest or GetDataRequest or GetChildrenRequest or SyncRequest:
                return new Result(Read(session, request), null, new());
            case MultiRequest { Ops.Count: > 0 } reads when reads.Ops.All(op => op is ExistsRequest or GetDataRequest or GetChildrenRequest):
                // ZooKeeper's multiRead: each read answered on its own, nothing logged.
                return new Result(new MultiResponse(reads.Ops.Select(op => Read(session, op)).ToArray()), null, new());
            case MultiRequest multi:
            {
                var zxid = LastZxid + 1;
                var work = CopyTree();
                var triggers = new List<(WatchEventType, string)>();
                var results = new List<ZkResponse>();
                for (var i = 0; i < multi.Ops.Count; i++)
                {
                    var result = Write(work, session, multi.Ops[i], zxid, time, triggers, inMulti: true);
                    if (result is ErrorResponse error)
                    {
                        var failed = multi.Ops.Select((op, j) =>
                            j < i ? new ErrorResponse(ZkErrorCode.Ok, op.Path)
                            : j == i ? error
                            : (ZkResponse)new ErrorResponse(ZkErrorCode.RuntimeInconsistency, op.Path)).ToList();
                        return new Result(new MultiResponse(failed), null, new());
                    }
                    results.Add(result);
                }
                _nodes = work;
                LastZxid = zxid;
                return new Result(new MultiResponse(results), zxid, Fire(triggers, zxid));
            }
            default:
            {
                var zxid = LastZxid + 1;
                var work = CopyTree();
                var triggers = new List<(WatchEventType, string)>();
                var result = Write(work, session, request, zxid, time, triggers, inMulti: false);
                if (result is ErrorResponse) return new Result(result, null, new());
                _nodes = work;
                LastZxid = zxid;
                return new Result(result, zxid, Fire(triggers, zxid));
            }
        }
    }

    private ZkResponse Read(long session, ZkRequest request)
    {
        var path = request.Path;
        if (!IsValidPath(path)) return new ErrorResponse(ZkErrorCode.BadArguments, path);
        _nodes.TryGetValue(path, out var node);
        switch (request)
        {
            case ExistsRequest e:
                if (e.Watch) _dataWatches.Add((session, path)); // even when the node is missing
                return new ExistsResponse(node is null ? null : StatOf(_nodes, path));
            case GetDataRequest g:
                if (node is null) return new ErrorResponse(ZkErrorCode.NoNode, path);
                if (g.Watch) _dataWatches.Add((session, path));
                return new GetDataResponse(node.Data, StatOf(_nodes, path));
            case GetChildrenRequest c:
                if (node is null) return new ErrorResponse(ZkErrorCode.NoNode, path);
                if (c.Watch) _childWatches.Add((session, path));
                return new GetChildrenResponse(ChildrenOf(_nodes, path), c.IncludeStat ? StatOf(_nodes, path) : null);
            default:
                return new SyncResponse(path);
        }
    }

    private ZkResponse Write(Dictionary<string, ModelNode> tree, long session, ZkRequest op, long zxid, long time,
        List<(WatchEventType, string)> triggers, bool inMulti)
    {
        switch (op)
        {
            case CreateRequest c:
            {
                var sequential = c.Mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential;
                if (!IsValidPath(sequential ? c.Path + "1" : c.Path)) return new ErrorResponse(ZkErrorCode.BadArguments, c.Path);
                if (c.Data.Length > MaxDataBytes) return new ErrorResponse(ZkErrorCode.BadArguments, c.Path);
                if (!sequential && c.Path == "/") return new ErrorResponse(ZkErrorCode.NodeExists, "/");
                var parentPath = ParentOf(sequential ? c.Path + "1" : c.Path);
                if (!tree.TryGetValue(parentPath, out var parent)) return new ErrorResponse(ZkErrorCode.NoNode, c.Path);
                var path = sequential ? c.Path + parent.ChildCreates.ToString("0000000000") : c.Path;
                if (tree.ContainsKey(path)) return new ErrorResponse(ZkErrorCode.NodeExists, path);
                if (parent.EphemeralOwner != 0) return new ErrorResponse(ZkErrorCode.NoChildrenForEphemerals, c.Path);
                parent.ChildCreates++;
                parent.Pzxid = zxid;
                var ephemeral = c.Mode is CreateMode.Ephemeral or CreateMode.EphemeralSequential;
                tree[path] = new ModelNode
                {
                    Data = c.Data.ToArray(), Czxid = zxid, Mzxid = zxid, Pzxid = zxid, Ctime = time, Mtime = time,
                    EphemeralOwner = ephemeral ? session : 0,
                };
                triggers.Add((WatchEventType.NodeCreated, path));
                triggers.Add((WatchEventType.NodeChildrenChanged, parentPath));
                return new CreateResponse(path, StatOf(tree, path));
            }
            case DeleteRequest d:
            {
                if (!IsValidPath(d.Path) || d.Path == "/") return new ErrorResponse(ZkErrorCode.BadArguments, d.Path);
                if (!tree.TryGetValue(d.Path, out var node)) return new ErrorResponse(ZkErrorCode.NoNode, d.Path);
                if (d.Version != -1 && d.Version != node.Version) return new ErrorResponse(ZkErrorCode.BadVersion, d.Path);
                if (ChildrenOf(tree, d.Path).Count > 0) return new ErrorResponse(ZkErrorCode.NotEmpty, d.Path);
                tree.Remove(d.Path);
                var parentPath = ParentOf(d.Path);
                tree[parentPath].Pzxid = zxid;
                triggers.Add((WatchEventType.NodeDeleted, d.Path));
                triggers.Add((WatchEventType.NodeChildrenChanged, parentPath));
                return new DeleteResponse();
            }
            case SetDataRequest s:
            {
                if (!IsValidPath(s.Path)) return new ErrorResponse(ZkErrorCode.BadArguments, s.Path);
                if (s.Data.Length > MaxDataBytes) return new ErrorResponse(ZkErrorCode.BadArguments, s.Path);
                if (!tree.TryGetValue(s.Path, out var node)) return new ErrorResponse(ZkErrorCode.NoNode, s.Path);
                if (s.Version != -1 && s.Version != node.Version) return new ErrorResponse(ZkErrorCode.BadVersion, s.Path);
                node.Data = s.Data.ToArray();
                node.Version++;
                node.Mzxid = zxid;
                node.Mtime = time;
                triggers.Add((WatchEventType.NodeDataChanged, s.Path));
                return new SetDataResponse(StatOf(tree, s.Path));
            }
            case CheckVersionRequest k when inMulti:
            {
                if (!IsValidPath(k.Path)) return new ErrorResponse(ZkErrorCode.BadArguments, k.Path);
                if (!tree.TryGetValue(k.Path, out var node)) return new ErrorResponse(ZkErrorCode.NoNode, k.Path);
                if (k.Version != -1 && k.Version != node.Version) return new ErrorResponse(ZkErrorCode.BadVersion, k.Path);
                return new CheckVersionResponse();
            }
            default:
                return new ErrorResponse(ZkErrorCode.BadArguments, op.Path);
        }
    }

    /// <summary>ZooKeeper's WatchManager: each one-time watch a change triggers fires once and is gone.</summary>
    private List<(long, WatchedEvent)> Fire(List<(WatchEventType Type, string Path)> triggers, long zxid)
    {
        var fired = new List<(long, WatchedEvent)>();
        foreach (var (type, path) in triggers)
        {
            var sessions = new SortedSet<long>();
            if (type is WatchEventType.NodeCreated or WatchEventType.NodeDataChanged or WatchEventType.NodeDeleted)
                foreach (var w in _dataWatches.Where(w => w.Path == path).ToList())
                {
                    sessions.Add(w.Session);
                    _dataWatches.Remove(w);
                }
            if (type is WatchEventType.NodeChildrenChanged or WatchEventType.NodeDeleted)
                foreach (var w in _childWatches.Where(w => w.Path == path).ToList())
                {
                    sessions.Add(w.Session);
                    _childWatches.Remove(w);
                }
            foreach (var session in sessions) fired.Add((session, new WatchedEvent(type, path, zxid)));
        }
        return fired;
    }

    // ------------------------------------------------------------------ tree helpers

    private Dictionary<string, ModelNode> CopyTree() =>
        _nodes.ToDictionary(kv => kv.Key, kv => kv.Value.Clone(), StringComparer.Ordinal);

    public static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash == 0 ? "/" : path.Substring(0, slash);
    }

    private static List<string> ChildrenOf(Dictionary<string, ModelNode> tree, string path) =>
        tree.Keys.Where(k => k != "/" && ParentOf(k) == path).Select(k => k.Substring(k.LastIndexOf('/') + 1))
            .OrderBy(n => n, StringComparer.Ordinal).ToList();

    /// <summary>The Stat ZooKeeper reports (DataNode.copyStat): cversion = creates * 2 - numChildren.</summary>
    private static Stat StatOf(Dictionary<string, ModelNode> tree, string path, int? numChildren = null)
    {
        var n = tree[path];
        var kids = numChildren ?? ChildrenOf(tree, path).Count;
        return new Stat(n.Czxid, n.Mzxid, n.Pzxid, n.Ctime, n.Mtime, n.Version, n.ChildCreates * 2 - kids, 0,
            n.EphemeralOwner, n.Data.Length, kids);
    }

    /// <summary>Every node in ordinal path order with its data and Stat.</summary>
    public IEnumerable<(string Path, byte[] Data, Stat Stat)> Nodes()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in _nodes.Keys)
            if (key != "/")
                counts[ParentOf(key)] = counts.GetValueOrDefault(ParentOf(key)) + 1;
        return _nodes.Keys.OrderBy(k => k, StringComparer.Ordinal)
            .Select(k => (k, _nodes[k].Data, StatOf(_nodes, k, counts.GetValueOrDefault(k))))
            .ToList();
    }

    /// <summary>ZooKeeper's PathUtils.validatePath, character by character as ZooKeeper writes it.</summary>
    public static bool IsValidPath(string? path)
    {
        if (path is null || path.Length == 0 || path[0] != '/') return false;
        if (path.Length == 1) return true;
        if (path[^1] == '/') return false;
        var last = '/';
        for (var i = 1; i < path.Length; last = path[i], i++)
        {
            var c = path[i];
            if (c == '\0') return false;
            if (c == '/' && last == '/') return false;
            if (c == '.' && last == '.')
            {
                if (path[i - 2] == '/' && (i + 1 == path.Length || path[i + 1] == '/')) return false;
            }
            else if (c == '.')
            {
                if (path[i - 1] == '/' && (i + 1 == path.Length || path[i + 1] == '/')) return false;
            }
            else if ((c > '\u0000' && c <= '\u001f') || (c >= '\u007f' && c <= '\u009f') || (c >= '\ud800' && c <= '\uf8ff') || c >= '\ufff0')
            {
                return false;
            }
        }
        return true;
    }
}
