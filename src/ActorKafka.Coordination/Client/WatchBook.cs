namespace ActorKafka.Coordination;

/// <summary>
/// The watches a client believes the store holds for it, so they can be set again after the
/// store restarts (ZooKeeper's client keeps the same three lists for SetWatches).
/// </summary>
internal sealed class WatchBook
{
    private readonly HashSet<string> _data = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exist = new(StringComparer.Ordinal);
    private readonly HashSet<string> _child = new(StringComparer.Ordinal);

    public int Count => _data.Count + _exist.Count + _child.Count;
    public string[] Data => _data.ToArray();
    public string[] Exist => _exist.ToArray();
    public string[] Child => _child.ToArray();

    public void Record(ZkRequest request, ZkResponse response)
    {
        switch (request, response)
        {
            case (ExistsRequest { Watch: true } e, ExistsResponse { Stat: null }): _exist.Add(e.Path); break;
            case (ExistsRequest { Watch: true } e, ExistsResponse): _data.Add(e.Path); break;
            case (GetDataRequest { Watch: true } g, GetDataResponse): _data.Add(g.Path); break;
            case (GetChildrenRequest { Watch: true } c, GetChildrenResponse): _child.Add(c.Path); break;
        }
    }

    public void Fired(WatchedEvent evt)
    {
        if (evt.Type == WatchEventType.NodeChildrenChanged)
        {
            _child.Remove(evt.Path);
            return;
        }
        _data.Remove(evt.Path);
        _exist.Remove(evt.Path);
        if (evt.Type == WatchEventType.NodeDeleted) _child.Remove(evt.Path);
    }

    public void Clear()
    {
        _data.Clear();
        _exist.Clear();
        _child.Clear();
    }
}
