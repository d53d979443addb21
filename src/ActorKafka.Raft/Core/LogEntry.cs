namespace ActorKafka.Raft;

public enum EntryType : byte
{
    /// <summary>Records proposed by the state machine.</summary>
    Data = 0,

    /// <summary>KRaft's LeaderChange control record: the first entry of every leader's epoch.</summary>
    LeaderChange = 1,
}

/// <summary>
/// One batch in the log. Offsets count batches, so a proposal's committed offset is the offset of
/// its batch; every batch carries the epoch of the leader that appended it.
/// </summary>
public sealed record LogEntry(long Offset, int Epoch, EntryType Type, IReadOnlyList<byte[]> Records) : IRaftMessage
{
    public static LogEntry LeaderChange(long offset, int epoch, int leaderId, IReadOnlyCollection<int> voters)
    {
        var payload = new byte[4 * (voters.Count + 1)];
        BitConverter.TryWriteBytes(payload.AsSpan(0, 4), leaderId);
        var i = 1;
        foreach (var voter in voters.OrderBy(v => v)) BitConverter.TryWriteBytes(payload.AsSpan(4 * i++, 4), voter);
        return new LogEntry(offset, epoch, EntryType.LeaderChange, new[] { payload });
    }

    /// <summary>Content equality (records compares its list by reference): same offset, epoch, type and bytes.</summary>
    public bool SameAs(LogEntry other) =>
        Offset == other.Offset && Epoch == other.Epoch && Type == other.Type && Records.Count == other.Records.Count
        && Records.Zip(other.Records).All(p => p.First.AsSpan().SequenceEqual(p.Second));
}

/// <summary>A position in the log: an end offset (exclusive) and the epoch of the entry just before it.</summary>
public readonly record struct OffsetAndEpoch(long Offset, int Epoch)
{
    public int CompareTo(OffsetAndEpoch other) => Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Offset.CompareTo(other.Offset);
}

/// <summary>A state machine snapshot (KIP-630) covering every entry below <see cref="Id"/>.Offset.</summary>
public sealed record RaftSnapshot(OffsetAndEpoch Id, byte[] Data) : IRaftMessage;

/// <summary>The persistent part of a voter's quorum state (Kafka's quorum-state file).</summary>
public sealed record QuorumState(int Epoch, int? VotedFor, int? LeaderId) : IRaftMessage
{
    public static readonly QuorumState Initial = new(0, null, null);
}
