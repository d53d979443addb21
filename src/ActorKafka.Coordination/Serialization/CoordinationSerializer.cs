using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace ActorKafka.Coordination.Serialization;

/// <summary>
/// Compact binary format for every coordination message, journal event and snapshot.
/// Written by hand so the journal format is stable and explicit (not tied to CLR type names)
/// and so remote requests cost microseconds, not a JSON round trip.
/// </summary>
public sealed class CoordinationSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4201;
    public override int Identifier => SerializerId;

    private const string OpenSessionManifest = "OS", SessionOpenedManifest = "SO", PingManifest = "PI", PongManifest = "PO",
        RequestManifest = "RQ", ReplyManifest = "RP", CloseManifest = "CS", WatchManifest = "WN", ExpiredManifest = "SE",
        BatchManifest = "TB", SnapshotManifest = "SN", StatusQueryManifest = "GS", StatusManifest = "ST",
        WatchedEventManifest = "WE", SetWatchesManifest = "SW", ZkRequestManifest = "ZQ", ZkResponseManifest = "ZR";

    public override string Manifest(object o) => o switch
    {
        OpenSession => OpenSessionManifest,
        SessionOpened => SessionOpenedManifest,
        Ping => PingManifest,
        Pong => PongManifest,
        StoreRequest => RequestManifest,
        StoreReply => ReplyManifest,
        CloseSession => CloseManifest,
        WatchNotification => WatchManifest,
        SessionExpiredNotice => ExpiredManifest,
        TxnBatch => BatchManifest,
        StoreSnapshot => SnapshotManifest,
        GetStoreStatus => StatusQueryManifest,
        StoreStatus => StatusManifest,
        WatchedEvent => WatchedEventManifest,
        SetWatches => SetWatchesManifest,
        ZkRequest => ZkRequestManifest,
        ZkResponse => ZkResponseManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a coordination message"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(64);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        switch (obj)
        {
            case OpenSession o: WriteRef(w, o.Owner); w.Write(o.TimeoutMs); break;
            case SessionOpened s: w.Write(s.SessionId); w.Write(s.TimeoutMs); break;
            case Ping p: w.Write(p.SessionId); WriteRef(w, p.Owner); break;
            case Pong p: w.Write(p.SessionId); w.Write(p.LastZxid); break;
            case StoreRequest r: w.Write(r.SessionId); w.Write(r.Xid); WriteRequest(w, r.Request); break;
            case StoreReply r: w.Write(r.Xid); w.Write(r.Zxid); WriteResponse(w, r.Response); break;
            case CloseSession c: w.Write(c.SessionId); w.Write(c.Xid); break;
            case WatchNotification n: w.Write(n.SessionId); WriteEvent(w, n.Event); break;
            case SessionExpiredNotice e: w.Write(e.SessionId); break;
            case TxnBatch b:
                w.Write(b.Records.Count);
                foreach (var r in b.Records) { w.Write(r.Zxid); w.Write(r.Time); WriteTxn(w, r.Body); }
                break;
            case StoreSnapshot s:
                w.Write(s.LastZxid);
                w.Write(s.Nodes.Count);
                foreach (var n in s.Nodes) { w.Write(n.Path); WriteBytes(w, n.Data); WriteStat(w, n.Stat); }
                w.Write(s.Sessions.Count);
                foreach (var x in s.Sessions) { w.Write(x.SessionId); w.Write(x.TimeoutMs); }
                break;
            case GetStoreStatus: break;
            case StoreStatus s:
                w.Write(s.LastZxid); w.Write(s.DurableZxid); w.Write(s.NodeCount); w.Write(s.SessionCount); w.Write(s.WatchCount);
                w.Write(s.BatchesWritten); w.Write(s.TxnsWritten); w.Write(s.SnapshotsSaved); w.Write(s.LastSnapshotZxid);
                break;
            case WatchedEvent e: WriteEvent(w, e); break;
            case SetWatches s:
                w.Write(s.SessionId); w.Write(s.RelativeZxid);
                WriteStrings(w, s.DataWatches); WriteStrings(w, s.ExistWatches); WriteStrings(w, s.ChildWatches);
                break;
            case ZkRequest q: WriteRequest(w, q); break;
            case ZkResponse p: WriteResponse(w, p); break;
            default: throw new ArgumentException($"{obj.GetType()} is not a coordination message");
        }
        w.Flush();
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return manifest switch
        {
            OpenSessionManifest => new OpenSession(ReadRef(r), r.ReadInt32()),
            SessionOpenedManifest => new SessionOpened(r.ReadInt64(), r.ReadInt32()),
            PingManifest => new Ping(r.ReadInt64(), ReadRef(r)),
            PongManifest => new Pong(r.ReadInt64(), r.ReadInt64()),
            RequestManifest => new StoreRequest(r.ReadInt64(), r.ReadInt64(), ReadRequest(r)),
            ReplyManifest => new StoreReply(r.ReadInt64(), r.ReadInt64(), ReadResponse(r)),
            CloseManifest => new CloseSession(r.ReadInt64(), r.ReadInt64()),
            WatchManifest => new WatchNotification(r.ReadInt64(), ReadEvent(r)),
            ExpiredManifest => new SessionExpiredNotice(r.ReadInt64()),
            BatchManifest => ReadBatch(r),
            SnapshotManifest => ReadSnapshot(r),
            StatusQueryManifest => GetStoreStatus.Instance,
            StatusManifest => new StoreStatus(r.ReadInt64(), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(),
                r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
            WatchedEventManifest => ReadEvent(r),
            SetWatchesManifest => new SetWatches(r.ReadInt64(), r.ReadInt64(), ReadStrings(r), ReadStrings(r), ReadStrings(r)),
            ZkRequestManifest => ReadRequest(r),
            ZkResponseManifest => ReadResponse(r),
            _ => throw new SerializationException($"unknown coordination manifest '{manifest}'"),
        };
    }

    private void WriteRef(BinaryWriter w, IActorRef actorRef) => w.Write(Akka.Serialization.Serialization.SerializedActorPath(actorRef));

    private IActorRef ReadRef(BinaryReader r) => system.Provider.ResolveActorRef(r.ReadString());

    private static void WriteBytes(BinaryWriter w, byte[] data)
    {
        w.Write(data.Length);
        w.Write(data);
    }

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> values)
    {
        w.Write(values.Count);
        foreach (var v in values) w.Write(v);
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        var values = new string[r.ReadInt32()];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadString();
        return values;
    }

    private static byte[] ReadBytes(BinaryReader r) => r.ReadBytes(r.ReadInt32());

    private static void WriteEvent(BinaryWriter w, WatchedEvent e)
    {
        w.Write((byte)e.Type); w.Write(e.Path); w.Write(e.Zxid);
    }

    private static WatchedEvent ReadEvent(BinaryReader r) => new((WatchEventType)r.ReadByte(), r.ReadString(), r.ReadInt64());

    private static void WriteStat(BinaryWriter w, Stat s)
    {
        w.Write(s.Czxid); w.Write(s.Mzxid); w.Write(s.Pzxid); w.Write(s.Ctime); w.Write(s.Mtime);
        w.Write(s.Version); w.Write(s.Cversion); w.Write(s.Aversion); w.Write(s.EphemeralOwner);
        w.Write(s.DataLength); w.Write(s.NumChildren);
    }

    private static Stat ReadStat(BinaryReader r) => new(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
        r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadInt32());

    private static void WriteOptionalStat(BinaryWriter w, Stat? s)
    {
        w.Write(s is not null);
        if (s is not null) WriteStat(w, s);
    }

    private static Stat? ReadOptionalStat(BinaryReader r) => r.ReadBoolean() ? ReadStat(r) : null;

    // Request, response and txn tags are part of the journal format: never renumber them.
    private static void WriteRequest(BinaryWriter w, ZkRequest q)
    {
        switch (q)
        {
            case CreateRequest c: w.Write((byte)1); w.Write(c.Path); WriteBytes(w, c.Data ?? Array.Empty<byte>()); w.Write((byte)c.Mode); break;
            case DeleteRequest d: w.Write((byte)2); w.Write(d.Path); w.Write(d.Version); break;
            case SetDataRequest s: w.Write((byte)3); w.Write(s.Path); WriteBytes(w, s.Data ?? Array.Empty<byte>()); w.Write(s.Version); break;
            case CheckVersionRequest k: w.Write((byte)4); w.Write(k.Path); w.Write(k.Version); break;
            case ExistsRequest e: w.Write((byte)5); w.Write(e.Path); w.Write(e.Watch); break;
            case GetDataRequest g: w.Write((byte)6); w.Write(g.Path); w.Write(g.Watch); break;
            case GetChildrenRequest c: w.Write((byte)7); w.Write(c.Path); w.Write(c.Watch); w.Write(c.IncludeStat); break;
            case SyncRequest s: w.Write((byte)8); w.Write(s.Path); break;
            case MultiRequest m:
                w.Write((byte)9); w.Write(m.Ops.Count);
                foreach (var op in m.Ops) WriteRequest(w, op);
                break;
            default: throw new ArgumentException($"unknown request {q.GetType().Name}");
        }
    }

    private static ZkRequest ReadRequest(BinaryReader r) => r.ReadByte() switch
    {
        1 => new CreateRequest(r.ReadString(), ReadBytes(r), (CreateMode)r.ReadByte()),
        2 => new DeleteRequest(r.ReadString(), r.ReadInt32()),
        3 => new SetDataRequest(r.ReadString(), ReadBytes(r), r.ReadInt32()),
        4 => new CheckVersionRequest(r.ReadString(), r.ReadInt32()),
        5 => new ExistsRequest(r.ReadString(), r.ReadBoolean()),
        6 => new GetDataRequest(r.ReadString(), r.ReadBoolean()),
        7 => new GetChildrenRequest(r.ReadString(), r.ReadBoolean(), r.ReadBoolean()),
        8 => new SyncRequest(r.ReadString()),
        9 => new MultiRequest(Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadRequest(r)).ToArray()),
        var t => throw new SerializationException($"unknown request tag {t}"),
    };

    private static void WriteResponse(BinaryWriter w, ZkResponse p)
    {
        switch (p)
        {
            case CreateResponse c: w.Write((byte)1); w.Write(c.Path); WriteStat(w, c.Stat); break;
            case DeleteResponse: w.Write((byte)2); break;
            case SetDataResponse s: w.Write((byte)3); WriteStat(w, s.Stat); break;
            case CheckVersionResponse: w.Write((byte)4); break;
            case ExistsResponse e: w.Write((byte)5); WriteOptionalStat(w, e.Stat); break;
            case GetDataResponse g: w.Write((byte)6); WriteBytes(w, g.Data); WriteStat(w, g.Stat); break;
            case GetChildrenResponse c:
                w.Write((byte)7); w.Write(c.Children.Count);
                foreach (var child in c.Children) w.Write(child);
                WriteOptionalStat(w, c.Stat);
                break;
            case SyncResponse s: w.Write((byte)8); w.Write(s.Path); break;
            case MultiResponse m:
                w.Write((byte)9); w.Write(m.Results.Count);
                foreach (var res in m.Results) WriteResponse(w, res);
                break;
            case ErrorResponse e: w.Write((byte)10); w.Write((int)e.Code); w.Write(e.Path); w.Write(e.Message); break;
            default: throw new ArgumentException($"unknown response {p.GetType().Name}");
        }
    }

    private static ZkResponse ReadResponse(BinaryReader r)
    {
        switch (r.ReadByte())
        {
            case 1: return new CreateResponse(r.ReadString(), ReadStat(r));
            case 2: return new DeleteResponse();
            case 3: return new SetDataResponse(ReadStat(r));
            case 4: return new CheckVersionResponse();
            case 5: return new ExistsResponse(ReadOptionalStat(r));
            case 6: return new GetDataResponse(ReadBytes(r), ReadStat(r));
            case 7:
                var children = new string[r.ReadInt32()];
                for (var i = 0; i < children.Length; i++) children[i] = r.ReadString();
                return new GetChildrenResponse(children, ReadOptionalStat(r));
            case 8: return new SyncResponse(r.ReadString());
            case 9: return new MultiResponse(Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadResponse(r)).ToArray());
            case 10: return new ErrorResponse((ZkErrorCode)r.ReadInt32(), r.ReadString(), r.ReadString());
            case var t: throw new SerializationException($"unknown response tag {t}");
        }
    }

    private static void WriteTxn(BinaryWriter w, Txn txn)
    {
        switch (txn)
        {
            case CreateSessionTxn s: w.Write((byte)1); w.Write(s.SessionId); w.Write(s.TimeoutMs); break;
            case CloseSessionTxn c: w.Write((byte)2); w.Write(c.SessionId); break;
            case CreateTxn c: w.Write((byte)3); w.Write(c.Path); WriteBytes(w, c.Data); w.Write(c.EphemeralOwner); break;
            case DeleteTxn d: w.Write((byte)4); w.Write(d.Path); break;
            case SetDataTxn s: w.Write((byte)5); w.Write(s.Path); WriteBytes(w, s.Data); break;
            case CheckTxn k: w.Write((byte)6); w.Write(k.Path); break;
            case MultiTxn m:
                w.Write((byte)7); w.Write(m.Txns.Count);
                foreach (var sub in m.Txns) WriteTxn(w, sub);
                break;
            default: throw new ArgumentException($"unknown txn {txn.GetType().Name}");
        }
    }

    private static Txn ReadTxn(BinaryReader r) => r.ReadByte() switch
    {
        1 => new CreateSessionTxn(r.ReadInt64(), r.ReadInt32()),
        2 => new CloseSessionTxn(r.ReadInt64()),
        3 => new CreateTxn(r.ReadString(), ReadBytes(r), r.ReadInt64()),
        4 => new DeleteTxn(r.ReadString()),
        5 => new SetDataTxn(r.ReadString(), ReadBytes(r)),
        6 => new CheckTxn(r.ReadString()),
        7 => new MultiTxn(Enumerable.Range(0, r.ReadInt32()).Select(_ => ReadTxn(r)).ToArray()),
        var t => throw new SerializationException($"unknown txn tag {t}"),
    };

    private static TxnBatch ReadBatch(BinaryReader r)
    {
        var records = new TxnRecord[r.ReadInt32()];
        for (var i = 0; i < records.Length; i++) records[i] = new TxnRecord(r.ReadInt64(), r.ReadInt64(), ReadTxn(r));
        return new TxnBatch(records);
    }

    private static StoreSnapshot ReadSnapshot(BinaryReader r)
    {
        var zxid = r.ReadInt64();
        var nodes = new SnapshotNode[r.ReadInt32()];
        for (var i = 0; i < nodes.Length; i++) nodes[i] = new SnapshotNode(r.ReadString(), ReadBytes(r), ReadStat(r));
        var sessions = new SnapshotSession[r.ReadInt32()];
        for (var i = 0; i < sessions.Length; i++) sessions[i] = new SnapshotSession(r.ReadInt64(), r.ReadInt32());
        return new StoreSnapshot(zxid, nodes, sessions);
    }
}
