using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace ActorKafka.Raft.Serialization;

/// <summary>
/// Hand-written binary format for every Raft RPC, API message, journal event and journal
/// snapshot: the on-disk log format is explicit and stable (no CLR type names) and a fetch
/// response costs a memcpy per record, not a JSON encoding.
/// </summary>
public sealed class RaftSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4301;
    public override int Identifier => SerializerId;

    private enum Tag : byte
    {
        VoteRequest = 1, VoteResponse, BeginQuorumEpoch, BeginQuorumEpochResponse, EndQuorumEpoch, FetchRequest, FetchResponse,
        FetchSnapshotRequest, FetchSnapshotResponse, RaftPacket, LogEntry, RaftSnapshot, QuorumState, QuorumStateChanged,
        EntriesAppended, LogTruncated, SnapshotTaken, SnapshotInstalled, JournalBatch, PersistedState, Propose, Proposed,
        ProposalRejected, SubscribeCommitted, UnsubscribeCommitted, CommittedBatch, LoadSnapshot, SnapshotDue, TakeSnapshot,
        SnapshotAccepted, SnapshotRejected, GetRaftStatus, RaftStatus, PauseVoter, ResumeVoter, RaftLeaderChanged, DescribeQuorum,
        QuorumDescription,
    }

    public override string Manifest(object o) => ((int)TagOf(o)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Tag TagOf(object o) => o switch
    {
        VoteRequest => Tag.VoteRequest,
        VoteResponse => Tag.VoteResponse,
        BeginQuorumEpoch => Tag.BeginQuorumEpoch,
        BeginQuorumEpochResponse => Tag.BeginQuorumEpochResponse,
        EndQuorumEpoch => Tag.EndQuorumEpoch,
        FetchRequest => Tag.FetchRequest,
        FetchResponse => Tag.FetchResponse,
        FetchSnapshotRequest => Tag.FetchSnapshotRequest,
        FetchSnapshotResponse => Tag.FetchSnapshotResponse,
        RaftPacket => Tag.RaftPacket,
        LogEntry => Tag.LogEntry,
        RaftSnapshot => Tag.RaftSnapshot,
        QuorumState => Tag.QuorumState,
        QuorumStateChanged => Tag.QuorumStateChanged,
        EntriesAppended => Tag.EntriesAppended,
        LogTruncated => Tag.LogTruncated,
        SnapshotTaken => Tag.SnapshotTaken,
        SnapshotInstalled => Tag.SnapshotInstalled,
        JournalBatch => Tag.JournalBatch,
        PersistedState => Tag.PersistedState,
        Propose => Tag.Propose,
        Proposed => Tag.Proposed,
        ProposalRejected => Tag.ProposalRejected,
        SubscribeCommitted => Tag.SubscribeCommitted,
        UnsubscribeCommitted => Tag.UnsubscribeCommitted,
        CommittedBatch => Tag.CommittedBatch,
        LoadSnapshot => Tag.LoadSnapshot,
        SnapshotDue => Tag.SnapshotDue,
        TakeSnapshot => Tag.TakeSnapshot,
        SnapshotAccepted => Tag.SnapshotAccepted,
        SnapshotRejected => Tag.SnapshotRejected,
        GetRaftStatus => Tag.GetRaftStatus,
        RaftStatus => Tag.RaftStatus,
        PauseVoter => Tag.PauseVoter,
        ResumeVoter => Tag.ResumeVoter,
        RaftLeaderChanged => Tag.RaftLeaderChanged,
        DescribeQuorum => Tag.DescribeQuorum,
        QuorumDescription => Tag.QuorumDescription,
        _ => throw new ArgumentException($"{o.GetType()} is not a Raft message"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(64);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        WriteBody(w, obj);
        w.Flush();
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!int.TryParse(manifest, out var tag) || !Enum.IsDefined(typeof(Tag), (byte)tag))
            throw new SerializationException($"unknown Raft manifest '{manifest}'");
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return ReadBody(r, (Tag)tag);
    }

    private void WriteTagged(BinaryWriter w, object o)
    {
        w.Write((byte)TagOf(o));
        WriteBody(w, o);
    }

    private object ReadTagged(BinaryReader r) => ReadBody(r, (Tag)r.ReadByte());

    private void WriteBody(BinaryWriter w, object obj)
    {
        switch (obj)
        {
            case VoteRequest v: w.Write(v.Epoch); w.Write(v.CandidateId); w.Write(v.LastEpoch); w.Write(v.EndOffset); w.Write(v.PreVote); break;
            case VoteResponse v: w.Write(v.Epoch); w.Write(v.VoterId); w.Write(v.Granted); w.Write(v.PreVote); WriteInt(w, v.LeaderId); w.Write((byte)v.Error); break;
            case BeginQuorumEpoch b: w.Write(b.Epoch); w.Write(b.LeaderId); break;
            case BeginQuorumEpochResponse b: w.Write(b.Epoch); w.Write(b.VoterId); w.Write((byte)b.Error); break;
            case EndQuorumEpoch e:
                w.Write(e.Epoch); w.Write(e.LeaderId); w.Write(e.PreferredSuccessors.Count);
                foreach (var s in e.PreferredSuccessors) w.Write(s);
                break;
            case FetchRequest f: w.Write(f.Epoch); w.Write(f.ReplicaId); w.Write(f.CorrelationId); w.Write(f.FetchOffset); w.Write(f.LastFetchedEpoch); w.Write(f.MaxWaitMs); break;
            case FetchResponse f:
                w.Write(f.Epoch); WriteInt(w, f.LeaderId); w.Write(f.CorrelationId); w.Write((byte)f.Error); w.Write(f.HighWatermark); w.Write(f.FetchOffset);
                WriteEntries(w, f.Entries); WriteId(w, f.DivergingEpoch); WriteId(w, f.SnapshotId);
                break;
            case FetchSnapshotRequest f: w.Write(f.Epoch); w.Write(f.ReplicaId); w.Write(f.CorrelationId); WriteId(w, f.SnapshotId); w.Write(f.Position); break;
            case FetchSnapshotResponse f:
                w.Write(f.Epoch); WriteInt(w, f.LeaderId); w.Write(f.CorrelationId); w.Write((byte)f.Error);
                WriteId(w, f.SnapshotId); w.Write(f.Size); w.Write(f.Position); WriteBytes(w, f.Chunk);
                break;
            case RaftPacket p: w.Write(p.From); WriteTagged(w, p.Rpc); break;
            case LogEntry e: WriteEntry(w, e); break;
            case RaftSnapshot s: WriteSnapshot(w, s); break;
            case QuorumState q: WriteQuorum(w, q); break;
            case QuorumStateChanged q: WriteQuorum(w, q.State); break;
            case EntriesAppended a: WriteEntries(w, a.Entries); break;
            case LogTruncated t: w.Write(t.Offset); break;
            case SnapshotTaken s: WriteSnapshot(w, s.Snapshot); break;
            case SnapshotInstalled s: WriteSnapshot(w, s.Snapshot); break;
            case JournalBatch b:
                w.Write(b.Ops.Count);
                foreach (var op in b.Ops) WriteTagged(w, op);
                break;
            case PersistedState p:
                WriteQuorum(w, p.Quorum);
                w.Write(p.Snapshot is not null);
                if (p.Snapshot is not null) WriteSnapshot(w, p.Snapshot);
                WriteEntries(w, p.Entries);
                break;
            case Propose p: w.Write(p.RequestId); WriteRecords(w, p.Records); w.Write(p.RequiredEpoch); w.Write(p.RequiredBaseOffset); break;
            case Proposed p: w.Write(p.RequestId); w.Write(p.Offset); w.Write(p.Epoch); break;
            case ProposalRejected p:
                w.Write(p.RequestId); w.Write((byte)p.Error); w.Write(p.Epoch); WriteInt(w, p.LeaderId); w.Write(p.LeaderPath ?? ""); w.Write(p.Reason);
                break;
            case SubscribeCommitted s: WriteRef(w, s.Subscriber); break;
            case UnsubscribeCommitted s: WriteRef(w, s.Subscriber); break;
            case CommittedBatch c: w.Write(c.NodeId); w.Write(c.Offset); w.Write(c.Epoch); w.Write((byte)c.Type); WriteRecords(w, c.Records); break;
            case LoadSnapshot l: w.Write(l.NodeId); WriteSnapshot(w, l.Snapshot); break;
            case SnapshotDue d: w.Write(d.NodeId); w.Write(d.HighWatermark); break;
            case TakeSnapshot t: w.Write(t.EndOffset); WriteBytes(w, t.Data); break;
            case SnapshotAccepted a: WriteId(w, a.Id); break;
            case SnapshotRejected s: w.Write(s.EndOffset); w.Write(s.Reason); break;
            case GetRaftStatus or PauseVoter or ResumeVoter or DescribeQuorum: break;
            case RaftLeaderChanged c: w.Write(c.NodeId); w.Write(c.Epoch); WriteInt(w, c.LeaderId); w.Write((byte)c.Role); break;
            case QuorumDescription d:
                w.Write(d.NodeId); w.Write((byte)d.Role); w.Write(d.Epoch); WriteInt(w, d.LeaderId); w.Write(d.HighWatermark);
                w.Write(d.Replicas.Count);
                foreach (var p in d.Replicas) { w.Write(p.ReplicaId); w.Write(p.IsVoter); w.Write(p.LogEndOffset); w.Write(p.LastFetchAgoMs); }
                break;
            case RaftStatus s:
                w.Write(s.NodeId); w.Write((byte)s.Role); w.Write(s.Epoch); WriteInt(w, s.LeaderId); WriteInt(w, s.VotedFor);
                w.Write(s.HighWatermark); w.Write(s.LogStartOffset); w.Write(s.LogEndOffset); w.Write(s.JournalWrites); w.Write(s.OpsWritten);
                break;
            default: throw new ArgumentException($"{obj.GetType()} is not a Raft message");
        }
    }

    private object ReadBody(BinaryReader r, Tag tag) => tag switch
    {
        Tag.VoteRequest => new VoteRequest(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadBoolean()),
        Tag.VoteResponse => new VoteResponse(r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadBoolean(), ReadInt(r), (RaftError)r.ReadByte()),
        Tag.BeginQuorumEpoch => new BeginQuorumEpoch(r.ReadInt32(), r.ReadInt32()),
        Tag.BeginQuorumEpochResponse => new BeginQuorumEpochResponse(r.ReadInt32(), r.ReadInt32(), (RaftError)r.ReadByte()),
        Tag.EndQuorumEpoch => new EndQuorumEpoch(r.ReadInt32(), r.ReadInt32(), ReadInts(r)),
        Tag.FetchRequest => new FetchRequest(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadInt32(), r.ReadInt64()),
        Tag.FetchResponse => new FetchResponse(r.ReadInt32(), ReadInt(r), r.ReadInt64(), (RaftError)r.ReadByte(), r.ReadInt64(), r.ReadInt64(),
            ReadEntries(r), ReadId(r), ReadId(r)),
        Tag.FetchSnapshotRequest => new FetchSnapshotRequest(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadId(r) ?? throw Malformed("snapshot id"), r.ReadInt64()),
        Tag.FetchSnapshotResponse => new FetchSnapshotResponse(r.ReadInt32(), ReadInt(r), r.ReadInt64(), (RaftError)r.ReadByte(),
            ReadId(r), r.ReadInt64(), r.ReadInt64(), ReadBytes(r)),
        Tag.RaftPacket => new RaftPacket(r.ReadInt32(), ReadTagged(r) as IRaftRpc ?? throw Malformed("packet body")),
        Tag.LogEntry => ReadEntry(r),
        Tag.RaftSnapshot => ReadSnapshot(r),
        Tag.QuorumState => ReadQuorum(r),
        Tag.QuorumStateChanged => new QuorumStateChanged(ReadQuorum(r)),
        Tag.EntriesAppended => new EntriesAppended(ReadEntries(r)),
        Tag.LogTruncated => new LogTruncated(r.ReadInt64()),
        Tag.SnapshotTaken => new SnapshotTaken(ReadSnapshot(r)),
        Tag.SnapshotInstalled => new SnapshotInstalled(ReadSnapshot(r)),
        Tag.JournalBatch => new JournalBatch(Enumerable.Range(0, r.ReadInt32())
            .Select(_ => ReadTagged(r) as IPersistOp ?? throw Malformed("journal operation")).ToArray()),
        Tag.PersistedState => new PersistedState(ReadQuorum(r), r.ReadBoolean() ? ReadSnapshot(r) : null, ReadEntries(r)),
        Tag.Propose => new Propose(r.ReadInt64(), ReadRecords(r), r.ReadInt32(), r.ReadInt64()),
        Tag.Proposed => new Proposed(r.ReadInt64(), r.ReadInt64(), r.ReadInt32()),
        Tag.ProposalRejected => ReadRejected(r),
        Tag.SubscribeCommitted => new SubscribeCommitted(ReadRef(r)),
        Tag.UnsubscribeCommitted => new UnsubscribeCommitted(ReadRef(r)),
        Tag.CommittedBatch => new CommittedBatch(r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), (EntryType)r.ReadByte(), ReadRecords(r)),
        Tag.LoadSnapshot => new LoadSnapshot(r.ReadInt32(), ReadSnapshot(r)),
        Tag.SnapshotDue => new SnapshotDue(r.ReadInt32(), r.ReadInt64()),
        Tag.TakeSnapshot => new TakeSnapshot(r.ReadInt64(), ReadBytes(r)),
        Tag.SnapshotAccepted => new SnapshotAccepted(ReadId(r) ?? throw Malformed("snapshot id")),
        Tag.SnapshotRejected => new SnapshotRejected(r.ReadInt64(), r.ReadString()),
        Tag.GetRaftStatus => GetRaftStatus.Instance,
        Tag.RaftStatus => new RaftStatus(r.ReadInt32(), (RaftRole)r.ReadByte(), r.ReadInt32(), ReadInt(r), ReadInt(r),
            r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
        Tag.PauseVoter => PauseVoter.Instance,
        Tag.ResumeVoter => ResumeVoter.Instance,
        Tag.RaftLeaderChanged => new RaftLeaderChanged(r.ReadInt32(), r.ReadInt32(), ReadInt(r), (RaftRole)r.ReadByte()),
        Tag.DescribeQuorum => DescribeQuorum.Instance,
        Tag.QuorumDescription => new QuorumDescription(r.ReadInt32(), (RaftRole)r.ReadByte(), r.ReadInt32(), ReadInt(r), r.ReadInt64(),
            Enumerable.Range(0, r.ReadInt32()).Select(_ => new ReplicaProgress(r.ReadInt32(), r.ReadBoolean(), r.ReadInt64(), r.ReadInt64())).ToArray()),
        _ => throw Malformed($"tag {tag}"),
    };

    private static ProposalRejected ReadRejected(BinaryReader r)
    {
        var requestId = r.ReadInt64();
        var error = (RaftError)r.ReadByte();
        var epoch = r.ReadInt32();
        var leader = ReadInt(r);
        var path = r.ReadString();
        return new ProposalRejected(requestId, error, epoch, leader, path.Length == 0 ? null : path, r.ReadString());
    }

    private static SerializationException Malformed(string what) => new($"malformed Raft message: bad {what}");

    private static void WriteInt(BinaryWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value.HasValue) w.Write(value.Value);
    }

    private static int? ReadInt(BinaryReader r) => r.ReadBoolean() ? r.ReadInt32() : null;

    private static int[] ReadInts(BinaryReader r)
    {
        var values = new int[r.ReadInt32()];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadInt32();
        return values;
    }

    private static void WriteId(BinaryWriter w, OffsetAndEpoch? id)
    {
        w.Write(id.HasValue);
        if (id is { } v) { w.Write(v.Offset); w.Write(v.Epoch); }
    }

    private static OffsetAndEpoch? ReadId(BinaryReader r) => r.ReadBoolean() ? new OffsetAndEpoch(r.ReadInt64(), r.ReadInt32()) : null;

    private static void WriteQuorum(BinaryWriter w, QuorumState q)
    {
        w.Write(q.Epoch);
        WriteInt(w, q.VotedFor);
        WriteInt(w, q.LeaderId);
    }

    private static QuorumState ReadQuorum(BinaryReader r) => new(r.ReadInt32(), ReadInt(r), ReadInt(r));

    private static void WriteBytes(BinaryWriter w, byte[] data)
    {
        w.Write(data.Length);
        w.Write(data);
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length < 0) throw Malformed("length");
        return r.ReadBytes(length);
    }

    private static void WriteRecords(BinaryWriter w, IReadOnlyList<byte[]> records)
    {
        w.Write(records.Count);
        foreach (var record in records) WriteBytes(w, record);
    }

    private static byte[][] ReadRecords(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count < 0) throw Malformed("record count");
        var records = new byte[count][];
        for (var i = 0; i < count; i++) records[i] = ReadBytes(r);
        return records;
    }

    private static void WriteEntry(BinaryWriter w, LogEntry e)
    {
        w.Write(e.Offset);
        w.Write(e.Epoch);
        w.Write((byte)e.Type);
        WriteRecords(w, e.Records);
    }

    private static LogEntry ReadEntry(BinaryReader r) => new(r.ReadInt64(), r.ReadInt32(), (EntryType)r.ReadByte(), ReadRecords(r));

    private static void WriteEntries(BinaryWriter w, IReadOnlyList<LogEntry> entries)
    {
        w.Write(entries.Count);
        foreach (var e in entries) WriteEntry(w, e);
    }

    private static LogEntry[] ReadEntries(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count < 0) throw Malformed("entry count");
        var entries = new LogEntry[count];
        for (var i = 0; i < count; i++) entries[i] = ReadEntry(r);
        return entries;
    }

    private static void WriteSnapshot(BinaryWriter w, RaftSnapshot s)
    {
        WriteId(w, s.Id);
        WriteBytes(w, s.Data);
    }

    private static RaftSnapshot ReadSnapshot(BinaryReader r) => new(ReadId(r) ?? throw Malformed("snapshot id"), ReadBytes(r));

    private static void WriteRef(BinaryWriter w, IActorRef actorRef) => w.Write(Akka.Serialization.Serialization.SerializedActorPath(actorRef));

    private IActorRef ReadRef(BinaryReader r) => system.Provider.ResolveActorRef(r.ReadString());
}
