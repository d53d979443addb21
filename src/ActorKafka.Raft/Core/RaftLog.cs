namespace ActorKafka.Raft;

/// <summary>
/// The in-memory log: a snapshot boundary (log start offset and the epoch just below it) followed
/// by contiguous entries. Pure data structure; durability is the shell's business.
/// </summary>
public sealed class RaftLog
{
    private readonly List<LogEntry> _entries = new();

    public long StartOffset { get; private set; }

    /// <summary>Epoch of the last entry covered by the snapshot (0 when there is none).</summary>
    public int StartEpoch { get; private set; }

    public long EndOffset => StartOffset + _entries.Count;

    public int LastEpoch => _entries.Count > 0 ? _entries[^1].Epoch : StartEpoch;

    public OffsetAndEpoch End => new(EndOffset, LastEpoch);

    public int Count => _entries.Count;

    public LogEntry this[long offset] => _entries[checked((int)(offset - StartOffset))];

    public bool Contains(long offset) => offset >= StartOffset && offset < EndOffset;

    /// <summary>Epoch of the entry at <paramref name="offset"/>, or null when it is neither in the log nor the snapshot's last entry.</summary>
    public int? EpochAt(long offset)
    {
        if (offset == StartOffset - 1) return StartEpoch;
        if (offset < 0 && StartOffset == 0) return 0;
        return Contains(offset) ? this[offset].Epoch : null;
    }

    public void Append(LogEntry entry)
    {
        if (entry.Offset != EndOffset) throw new InvalidOperationException($"append at {entry.Offset} but the log ends at {EndOffset}");
        if (entry.Epoch < LastEpoch) throw new InvalidOperationException($"append of epoch {entry.Epoch} after epoch {LastEpoch}");
        _entries.Add(entry);
    }

    public void TruncateTo(long offset)
    {
        if (offset < StartOffset) throw new InvalidOperationException($"truncation to {offset} below the log start {StartOffset}");
        if (offset < EndOffset) _entries.RemoveRange((int)(offset - StartOffset), (int)(EndOffset - offset));
    }

    /// <summary>Drops entries below the snapshot's end offset (they live in the snapshot now).</summary>
    public void CompactTo(OffsetAndEpoch snapshotId)
    {
        if (snapshotId.Offset <= StartOffset) return;
        var drop = (int)Math.Min(_entries.Count, snapshotId.Offset - StartOffset);
        _entries.RemoveRange(0, drop);
        StartOffset = snapshotId.Offset;
        StartEpoch = snapshotId.Epoch;
    }

    /// <summary>Replaces the whole log by a snapshot fetched from the leader: nothing local survives.</summary>
    public void ResetTo(OffsetAndEpoch snapshotId)
    {
        _entries.Clear();
        StartOffset = snapshotId.Offset;
        StartEpoch = snapshotId.Epoch;
    }

    public IReadOnlyList<LogEntry> Read(long from, int maxEntries)
    {
        if (from < StartOffset || from >= EndOffset) return Array.Empty<LogEntry>();
        var start = (int)(from - StartOffset);
        return _entries.GetRange(start, Math.Min(maxEntries, _entries.Count - start));
    }

    /// <summary>
    /// Kafka's endOffsetForEpoch: the largest epoch not above <paramref name="epoch"/> present in the
    /// log, and the offset where it ends (the start of the next larger epoch, or the log end).
    /// </summary>
    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Epoch <= epoch) return new OffsetAndEpoch(StartOffset + i + 1, _entries[i].Epoch);
        }
        return new OffsetAndEpoch(StartOffset, StartEpoch <= epoch ? StartEpoch : 0);
    }
}
