namespace ActorKafka.Broker.Log;

/// <summary>One entry of the leader-epoch cache: the first offset written in a leader epoch.</summary>
public readonly record struct EpochEntry(int Epoch, long StartOffset);

/// <summary>
/// Kafka's leader-epoch cache (LeaderEpochFileCache): for every leader epoch that wrote to this
/// log, the offset of its first batch, in increasing order of both. It answers
/// OffsetsForLeaderEpoch, which is how a follower finds where its log parts from the leader's.
/// In memory only; the owning log persists it (<see cref="Version"/> tells it when to).
/// </summary>
public sealed class LeaderEpochCache
{
    /// <summary>Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.</summary>
    public const int UndefinedEpoch = -1;

    public const long UndefinedOffset = -1;

    private readonly List<EpochEntry> _entries = new();

    public LeaderEpochCache()
    {
    }

    public LeaderEpochCache(IEnumerable<EpochEntry> entries)
    {
        foreach (var e in entries) Assign(e.Epoch, e.StartOffset);
        Version = 0;
    }

    public IReadOnlyList<EpochEntry> Entries => _entries;

    /// <summary>Bumped by every change, so the owner can tell whether its checkpoint is current.</summary>
    public long Version { get; private set; }

    /// <summary>The newest epoch, or <see cref="UndefinedEpoch"/> when empty.</summary>
    public int LatestEpoch => _entries.Count == 0 ? UndefinedEpoch : _entries[^1].Epoch;

    /// <summary>The start offset of <paramref name="epoch"/> if the cache holds it.</summary>
    public long? StartOffsetOf(int epoch)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Epoch == epoch) return _entries[i].StartOffset;
            if (_entries[i].Epoch < epoch) break;
        }
        return null;
    }

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/> (Kafka's
    /// assign): nothing changes when the latest entry already is this epoch at or below this
    /// offset; otherwise every entry with an epoch at or above it, or a start offset at or above
    /// it, is dropped first, so the cache stays increasing in both. Returns whether it changed.
    /// </summary>
    public bool Assign(int epoch, long startOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(startOffset);
        if (_entries.Count > 0 && _entries[^1].Epoch == epoch && _entries[^1].StartOffset <= startOffset) return false;
        var keep = _entries.Count;
        while (keep > 0 && (_entries[keep - 1].Epoch >= epoch || _entries[keep - 1].StartOffset >= startOffset)) keep--;
        _entries.RemoveRange(keep, _entries.Count - keep);
        _entries.Add(new EpochEntry(epoch, startOffset));
        Version++;
        return true;
    }

    /// <summary>
    /// Kafka's OffsetsForLeaderEpoch answer for <paramref name="requestedEpoch"/>: the largest
    /// epoch at or below it that this log knows, and where that epoch ends here: the start offset
    /// of the next higher epoch, or <paramref name="logEndOffset"/> for the latest one.
    /// Undefined (-1, -1) when the requested epoch is above every epoch here, or undefined itself.
    /// When it is older than every epoch here, the answer is (requested, first start offset).
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        if (requestedEpoch == UndefinedEpoch || _entries.Count == 0) return (UndefinedEpoch, UndefinedOffset);
        if (requestedEpoch == LatestEpoch) return (requestedEpoch, logEndOffset);
        // The first entry with a higher epoch, and the one before it (the floor).
        var higher = -1;
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Epoch > requestedEpoch)
            {
                higher = i;
                break;
            }
        }
        if (higher < 0) return (UndefinedEpoch, UndefinedOffset);
        return higher == 0 ? (requestedEpoch, _entries[0].StartOffset) : (_entries[higher - 1].Epoch, _entries[higher].StartOffset);
    }

    /// <summary>Drops every entry starting at or after <paramref name="endOffset"/> (the log was truncated there). Returns whether it changed.</summary>
    public bool TruncateFromEnd(long endOffset)
    {
        var keep = _entries.Count;
        while (keep > 0 && _entries[keep - 1].StartOffset >= endOffset) keep--;
        if (keep == _entries.Count) return false;
        _entries.RemoveRange(keep, _entries.Count - keep);
        Version++;
        return true;
    }

    /// <summary>Forgets everything (the log was emptied and restarted elsewhere).</summary>
    public void Clear()
    {
        if (_entries.Count == 0) return;
        _entries.Clear();
        Version++;
    }

    /// <summary>Replaces the content with <paramref name="entries"/> (a crash going back to what was durable).</summary>
    internal void ResetTo(IReadOnlyList<EpochEntry> entries)
    {
        _entries.Clear();
        _entries.AddRange(entries);
        Version++;
    }

    public override string ToString() => "[" + string.Join(", ", _entries.Select(e => $"{e.Epoch}@{e.StartOffset}")) + "]";
}
