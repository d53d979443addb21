namespace ActorKafka.Raft;

/// <summary>
/// Everything one or more core steps produced, handed to the shell in one piece (etcd's Ready):
/// persist <see cref="Persist"/> first, then send the messages that wait for it, then tell the
/// core with <see cref="RaftCore.OnDurable"/>. Messages not marked AfterPersist may leave at once.
/// </summary>
public sealed class Ready
{
    public long Seq { get; init; }

    public List<IPersistOp> Persist { get; } = new();

    public List<Outgoing> Messages { get; } = new();

    /// <summary>A snapshot the state machine must load before <see cref="Committed"/>.</summary>
    public RaftSnapshot? LoadSnapshot { get; set; }

    /// <summary>Newly committed entries, in offset order, each exactly once per core lifetime.</summary>
    public List<LogEntry> Committed { get; } = new();

    public bool IsEmpty => Persist.Count == 0 && Messages.Count == 0 && Committed.Count == 0 && LoadSnapshot is null;
}
