namespace ActorKafka.Coordination;

/// <summary>
/// One-time watches per session with ZooKeeper's trigger rules: getData and exists set a data
/// watch (exists also on a missing node), getChildren a child watch. A session is told at most
/// once per path and event, even when it holds both kinds of watch (NodeDeleted).
/// </summary>
public sealed class WatchManager
{
    private readonly Dictionary<string, SortedSet<long>> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<long>> _child = new(StringComparer.Ordinal);
    private readonly Dictionary<long, HashSet<(bool Child, string Path)>> _bySession = new();

    public int Count => _bySession.Values.Sum(s => s.Count);

    public void AddDataWatch(long sessionId, string path) => Add(_data, false, sessionId, path);

    public void AddChildWatch(long sessionId, string path) => Add(_child, true, sessionId, path);

    public IEnumerable<(bool Child, string Path)> WatchesOf(long sessionId) =>
        _bySession.TryGetValue(sessionId, out var set) ? set : Enumerable.Empty<(bool, string)>();

    private void Add(Dictionary<string, SortedSet<long>> table, bool child, long sessionId, string path)
    {
        if (!table.TryGetValue(path, out var sessions)) table[path] = sessions = new SortedSet<long>();
        sessions.Add(sessionId);
        if (!_bySession.TryGetValue(sessionId, out var mine)) _bySession[sessionId] = mine = new HashSet<(bool, string)>();
        mine.Add((child, path));
    }

    /// <summary>Fires and removes the watches a change triggers, in session-id order.</summary>
    public void Trigger(WatchEventType type, string path, long zxid, List<(long SessionId, WatchedEvent Event)> fired)
    {
        var start = fired.Count;
        if (type != WatchEventType.NodeChildrenChanged) Fire(_data, false, type, path, zxid, fired, start);
        if (type is WatchEventType.NodeChildrenChanged or WatchEventType.NodeDeleted) Fire(_child, true, type, path, zxid, fired, start);
    }

    private void Fire(Dictionary<string, SortedSet<long>> table, bool child, WatchEventType type, string path, long zxid,
        List<(long, WatchedEvent)> fired, int start)
    {
        if (!table.Remove(path, out var sessions)) return;
        var evt = new WatchedEvent(type, path, zxid);
        foreach (var session in sessions)
        {
            if (_bySession.TryGetValue(session, out var mine))
            {
                mine.Remove((child, path));
                if (mine.Count == 0) _bySession.Remove(session);
            }
            var already = false;
            for (var i = start; i < fired.Count && !already; i++) already = fired[i].Item1 == session;
            if (!already) fired.Add((session, evt));
        }
    }

    public void RemoveSession(long sessionId)
    {
        if (!_bySession.Remove(sessionId, out var mine)) return;
        foreach (var (child, path) in mine)
        {
            var table = child ? _child : _data;
            if (table.TryGetValue(path, out var sessions) && sessions.Remove(sessionId) && sessions.Count == 0)
                table.Remove(path);
        }
    }
}
