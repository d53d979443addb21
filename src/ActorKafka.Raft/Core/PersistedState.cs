namespace ActorKafka.Raft;

/// <summary>
/// What a node has on disk: its quorum state, its latest snapshot and the entries after it.
/// Rebuilt on recovery by applying the persisted operations in order; a restarted core starts
/// from exactly this, so nothing that was not durable can survive a crash.
/// </summary>
public sealed class PersistedState : IRaftMessage
{
    public PersistedState(QuorumState quorum, RaftSnapshot? snapshot, IEnumerable<LogEntry> entries)
    {
        Quorum = quorum;
        Snapshot = snapshot;
        Entries = entries.ToList();
    }

    public PersistedState() : this(QuorumState.Initial, null, Array.Empty<LogEntry>())
    {
    }

    public QuorumState Quorum { get; private set; }

    public RaftSnapshot? Snapshot { get; private set; }

    public List<LogEntry> Entries { get; }

    public long StartOffset => Snapshot?.Id.Offset ?? 0;

    public long EndOffset => StartOffset + Entries.Count;

    public void Apply(IPersistOp op)
    {
        switch (op)
        {
            case QuorumStateChanged q:
                Quorum = q.State;
                break;
            case EntriesAppended a:
                foreach (var e in a.Entries)
                {
                    if (e.Offset < StartOffset) continue;
                    // A batch may repeat offsets a truncation removed and re-added: the later entry wins.
                    if (e.Offset < EndOffset) Entries.RemoveRange((int)(e.Offset - StartOffset), (int)(EndOffset - e.Offset));
                    if (e.Offset == EndOffset) Entries.Add(e);
                }
                break;
            case LogTruncated t:
                if (t.Offset < EndOffset && t.Offset >= StartOffset) Entries.RemoveRange((int)(t.Offset - StartOffset), (int)(EndOffset - t.Offset));
                break;
            case SnapshotTaken s:
                if (s.Snapshot.Id.Offset <= StartOffset) break;
                Entries.RemoveRange(0, (int)Math.Min(Entries.Count, s.Snapshot.Id.Offset - StartOffset));
                Snapshot = s.Snapshot;
                break;
            case SnapshotInstalled s:
                Entries.Clear();
                Snapshot = s.Snapshot;
                break;
        }
    }

    public PersistedState Copy() => new(Quorum, Snapshot, Entries);

    /// <summary>The log this state describes, for a core to start from.</summary>
    public RaftLog ToLog()
    {
        var log = new RaftLog();
        if (Snapshot is not null) log.ResetTo(Snapshot.Id);
        foreach (var e in Entries) log.Append(e);
        return log;
    }
}
