namespace ActorKafka.Coordination;

/// <summary>
/// The znode tree and the sessions that own ephemerals. It only applies validated
/// transactions (<see cref="Txn"/>); validation lives in <see cref="TxnPreparer"/>.
/// </summary>
public sealed class DataTree
{
    private readonly Dictionary<string, Znode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<long, SortedSet<string>> _ephemerals = new();
    private readonly Dictionary<long, int> _sessions = new();

    public DataTree()
    {
        _nodes[ZnodePath.Root] = new Znode(Array.Empty<byte>(), 0, 0, 0);
    }

    public long LastZxid { get; private set; }

    public int NodeCount => _nodes.Count;

    public IReadOnlyDictionary<long, int> Sessions => _sessions;

    public bool HasSession(long sessionId) => _sessions.ContainsKey(sessionId);

    public IReadOnlyCollection<string> EphemeralsOf(long sessionId) =>
        _ephemerals.TryGetValue(sessionId, out var set) ? set : Array.Empty<string>();

    internal Znode? Find(string path) => _nodes.GetValueOrDefault(path);

    public Stat? StatOf(string path) => _nodes.TryGetValue(path, out var n) ? n.ToStat() : null;

    public byte[]? DataOf(string path) => _nodes.TryGetValue(path, out var n) ? n.Data : null;

    public IReadOnlyList<string>? ChildrenOf(string path) =>
        _nodes.TryGetValue(path, out var n) ? (n.Children is null ? Array.Empty<string>() : n.Children.ToArray()) : null;

    /// <summary>Every node in path order; used for snapshots and comparisons.</summary>
    public IEnumerable<(string Path, byte[] Data, Stat Stat)> Nodes() =>
        _nodes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value.Data, kv.Value.ToStat()));

    /// <summary>
    /// Applies one transaction. Fired watch triggers (type, path) are appended to
    /// <paramref name="triggers"/>; the Stat after each create/setData to <paramref name="stats"/>.
    /// </summary>
    public void Apply(TxnRecord record, List<(WatchEventType Type, string Path)>? triggers = null, List<Stat?>? stats = null)
    {
        if (record.Zxid <= LastZxid)
            throw new InvalidOperationException($"zxid {record.Zxid} is not above the last applied {LastZxid}");
        LastZxid = record.Zxid;
        ApplyBody(record.Body, record.Zxid, record.Time, triggers, stats);
    }

    private void ApplyBody(Txn txn, long zxid, long time, List<(WatchEventType, string)>? triggers, List<Stat?>? stats)
    {
        switch (txn)
        {
            case CreateSessionTxn s:
                _sessions[s.SessionId] = s.TimeoutMs;
                break;
            case CloseSessionTxn c:
                if (_ephemerals.Remove(c.SessionId, out var owned))
                    foreach (var path in owned.ToArray())
                        DeleteNode(path, zxid, triggers);
                _sessions.Remove(c.SessionId);
                break;
            case CreateTxn c:
                CreateNode(c, zxid, time, triggers);
                stats?.Add(_nodes[c.Path].ToStat());
                break;
            case DeleteTxn d:
                DeleteNode(d.Path, zxid, triggers);
                stats?.Add(null);
                break;
            case SetDataTxn s:
                var node = _nodes[s.Path];
                node.Data = s.Data;
                node.Version++;
                node.Mzxid = zxid;
                node.Mtime = time;
                triggers?.Add((WatchEventType.NodeDataChanged, s.Path));
                stats?.Add(node.ToStat());
                break;
            case CheckTxn:
                stats?.Add(null);
                break;
            case MultiTxn m:
                foreach (var sub in m.Txns) ApplyBody(sub, zxid, time, triggers, stats);
                break;
            default:
                throw new InvalidOperationException($"unknown transaction {txn.GetType().Name}");
        }
    }

    private void CreateNode(CreateTxn c, long zxid, long time, List<(WatchEventType, string)>? triggers)
    {
        var parentPath = ZnodePath.Parent(c.Path);
        var parent = _nodes[parentPath];
        (parent.Children ??= new SortedSet<string>(StringComparer.Ordinal)).Add(ZnodePath.Name(c.Path));
        parent.Cversion++;
        parent.Pzxid = zxid;
        _nodes[c.Path] = new Znode(c.Data, zxid, time, c.EphemeralOwner);
        if (c.EphemeralOwner != 0)
        {
            if (!_ephemerals.TryGetValue(c.EphemeralOwner, out var set))
                _ephemerals[c.EphemeralOwner] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.Add(c.Path);
        }
        triggers?.Add((WatchEventType.NodeCreated, c.Path));
        triggers?.Add((WatchEventType.NodeChildrenChanged, parentPath));
    }

    private void DeleteNode(string path, long zxid, List<(WatchEventType, string)>? triggers)
    {
        var node = _nodes[path];
        _nodes.Remove(path);
        var parentPath = ZnodePath.Parent(path);
        var parent = _nodes[parentPath];
        parent.Children!.Remove(ZnodePath.Name(path));
        parent.Cversion++;
        parent.Pzxid = zxid;
        if (node.EphemeralOwner != 0 && _ephemerals.TryGetValue(node.EphemeralOwner, out var set))
        {
            set.Remove(path);
            if (set.Count == 0) _ephemerals.Remove(node.EphemeralOwner);
        }
        triggers?.Add((WatchEventType.NodeDeleted, path));
        triggers?.Add((WatchEventType.NodeChildrenChanged, parentPath));
    }

    /// <summary>Restores a node verbatim from a snapshot; parents come before children.</summary>
    internal void RestoreNode(string path, byte[] data, Stat stat)
    {
        var node = new Znode(data, stat.Czxid, stat.Ctime, stat.EphemeralOwner)
        {
            Mzxid = stat.Mzxid, Pzxid = stat.Pzxid, Mtime = stat.Mtime, Version = stat.Version, Cversion = stat.Cversion,
        };
        if (path == ZnodePath.Root)
        {
            _nodes[path] = node;
            return;
        }
        _nodes[path] = node;
        var parent = _nodes[ZnodePath.Parent(path)];
        (parent.Children ??= new SortedSet<string>(StringComparer.Ordinal)).Add(ZnodePath.Name(path));
        if (stat.EphemeralOwner != 0)
        {
            if (!_ephemerals.TryGetValue(stat.EphemeralOwner, out var set))
                _ephemerals[stat.EphemeralOwner] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.Add(path);
        }
    }

    internal void RestoreSession(long sessionId, int timeoutMs) => _sessions[sessionId] = timeoutMs;

    internal void RestoreLastZxid(long zxid) => LastZxid = zxid;

    internal sealed class Znode(byte[] data, long czxid, long ctime, long ephemeralOwner)
    {
        public byte[] Data = data;
        public readonly long Czxid = czxid;
        public long Mzxid = czxid;
        public long Pzxid = czxid;
        public readonly long Ctime = ctime;
        public long Mtime = ctime;
        public int Version;
        public int Cversion;
        public readonly long EphemeralOwner = ephemeralOwner;
        public SortedSet<string>? Children;

        public Stat ToStat() => new(Czxid, Mzxid, Pzxid, Ctime, Mtime, Version, Cversion, 0, EphemeralOwner,
            Data.Length, Children?.Count ?? 0);
    }
}
