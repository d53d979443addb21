namespace ActorKafka.Raft;

/// <summary>
/// Proposals appended by this node and not yet decided. A proposal succeeds when the entry
/// committed at its offset carries its epoch; it fails when its entry is truncated away or a
/// snapshot from another leader covers it (a newer epoch fenced it).
/// </summary>
public sealed class PendingProposals<T>
{
    private readonly SortedDictionary<long, (int Epoch, T Token)> _pending = new();

    public int Count => _pending.Count;

    public void Add(long offset, int epoch, T token) => _pending[offset] = (epoch, token);

    /// <summary>Decides every proposal the Ready settles: (token, committed?, offset).</summary>
    public List<(T Token, bool Committed, long Offset)> Settle(Ready ready)
    {
        var settled = new List<(T, bool, long)>();
        if (_pending.Count == 0) return settled;
        foreach (var op in ready.Persist)
        {
            var from = op switch
            {
                LogTruncated t => t.Offset,
                SnapshotInstalled => long.MinValue,
                _ => long.MaxValue,
            };
            foreach (var offset in _pending.Keys.Where(o => o >= from).ToList())
            {
                settled.Add((_pending[offset].Token, false, offset));
                _pending.Remove(offset);
            }
        }
        foreach (var entry in ready.Committed)
        {
            if (!_pending.Remove(entry.Offset, out var p)) continue;
            settled.Add((p.Token, p.Epoch == entry.Epoch, entry.Offset));
        }
        return settled;
    }

    /// <summary>Everything still waiting, e.g. when the node stops.</summary>
    public List<T> Drain()
    {
        var all = _pending.Values.Select(v => v.Token).ToList();
        _pending.Clear();
        return all;
    }
}
