using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace ActorKafka.Metadata.Records;

/// <summary>
/// The bytes of a metadata record as the Raft log carries them (one byte[] per record).
/// Layout: frame (0 = metadata record, 1 = control record), Kafka type id (int16), version
/// (int8), then the fields in Kafka's order, little-endian. The version lets a field be added
/// later without breaking logs already written.
/// </summary>
public static class RecordCodec
{
    private const byte MetadataFrame = 0;
    private const byte ControlFrame = 1;
    private const byte Version = 0;

    public static byte[] Encode(MetadataRecord record)
    {
        var w = new RecordWriter();
        w.Byte(record.IsControl ? ControlFrame : MetadataFrame);
        w.Int16(record.TypeId);
        w.Byte(Version);
        switch (record)
        {
            case RegisterBrokerRecord r:
                w.Int32(r.BrokerId); w.Uuid(r.IncarnationId); w.Int64(r.BrokerEpoch);
                w.Int32(r.EndPoints.Length);
                foreach (var e in r.EndPoints) { w.String(e.Name); w.String(e.Host); w.Int32(e.Port); w.Int16(e.SecurityProtocol); }
                w.String(r.Rack); w.Bool(r.Fenced); w.Bool(r.InControlledShutdown); w.Bool(r.IsMigratingZkBroker);
                break;
            case UnregisterBrokerRecord r: w.Int32(r.BrokerId); w.Int64(r.BrokerEpoch); break;
            case TopicRecord r: w.String(r.Name); w.Uuid(r.TopicId); break;
            case PartitionRecord r:
                w.Int32(r.PartitionId); w.Uuid(r.TopicId); w.Ids(r.Replicas); w.Ids(r.Isr);
                w.Int32(r.Leader); w.Int32(r.LeaderEpoch); w.Int32(r.PartitionEpoch);
                break;
            case PartitionChangeRecord r:
                w.Int32(r.PartitionId); w.Uuid(r.TopicId); w.Ids(r.Isr); w.Int32(r.Leader); w.Ids(r.Replicas);
                break;
            case FenceBrokerRecord r: w.Int32(r.Id); w.Int64(r.Epoch); break;
            case UnfenceBrokerRecord r: w.Int32(r.Id); w.Int64(r.Epoch); break;
            case RemoveTopicRecord r: w.Uuid(r.TopicId); break;
            case BrokerRegistrationChangeRecord r:
                // Kafka's int8 encodings: fencing 1 = fence, -1 = unfence, 0 = none; shutdown 1 = in controlled shutdown, 0 = none.
                w.Int32(r.BrokerId); w.Int64(r.BrokerEpoch);
                w.Byte(unchecked((byte)(r.Fenced switch { true => 1, false => -1, null => 0 })));
                w.Bool(r.InControlledShutdown);
                break;
            case NoOpRecord: break;
            case ZkMigrationStateRecord r: w.Byte((byte)r.State); break;
            case LeaderChangeRecord r: w.Int32(r.LeaderId); w.Ids(r.Voters); break;
            default: throw new ArgumentException($"{record.GetType().Name} has no encoding", nameof(record));
        }
        return w.ToArray();
    }

    /// <summary>Decodes one record; malformed bytes are an answer (false and why), not an exception.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out MetadataRecord? record, out string error)
    {
        try
        {
            record = Decode(bytes);
            error = "";
            return true;
        }
        catch (FormatException e)
        {
            record = null;
            error = e.Message;
            return false;
        }
    }

    /// <exception cref="FormatException">The bytes are not a record this codec wrote.</exception>
    public static MetadataRecord Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new RecordReader(bytes);
        var frame = r.Byte();
        var type = r.Int16();
        var version = r.Byte();
        if (version != Version) throw new FormatException($"unknown record version {version} for type {type}");
        var record = frame switch
        {
            MetadataFrame => DecodeMetadata(ref r, (MetadataRecordType)type),
            ControlFrame when type == (short)ControlRecordType.LeaderChange => new LeaderChangeRecord(r.Int32(), r.RequiredIds()),
            _ => throw new FormatException($"unknown record frame {frame} type {type}"),
        };
        if (!r.AtEnd) throw new FormatException($"trailing bytes after record type {type}");
        return record;
    }

    /// <summary>
    /// Reads the LeaderChange payload the Raft log writes itself (ActorKafka.Raft's LogEntry.LeaderChange:
    /// leader id then the voters, int32 each, in the machine's byte order), so replay can follow it.
    /// </summary>
    public static bool TryDecodeRaftLeaderChange(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out LeaderChangeRecord? record)
    {
        record = null;
        if (payload.Length < 4 || payload.Length % 4 != 0) return false;
        var ids = new int[payload.Length / 4];
        for (var i = 0; i < ids.Length; i++) ids[i] = BitConverter.ToInt32(payload.Slice(4 * i, 4));
        record = new LeaderChangeRecord(ids[0], ids[1..]);
        return true;
    }

    private static MetadataRecord DecodeMetadata(ref RecordReader r, MetadataRecordType type) => type switch
    {
        MetadataRecordType.RegisterBroker => DecodeRegisterBroker(ref r),
        MetadataRecordType.UnregisterBroker => new UnregisterBrokerRecord(r.Int32(), r.Int64()),
        MetadataRecordType.Topic => new TopicRecord(Required(r.String()), r.Uuid()),
        MetadataRecordType.Partition => new PartitionRecord(r.Int32(), r.Uuid(), r.RequiredIds(), r.RequiredIds(), r.Int32(), r.Int32(), r.Int32()),
        MetadataRecordType.PartitionChange => new PartitionChangeRecord(r.Int32(), r.Uuid(), r.Ids(), r.Int32(), r.Ids()),
        MetadataRecordType.FenceBroker => new FenceBrokerRecord(r.Int32(), r.Int64()),
        MetadataRecordType.UnfenceBroker => new UnfenceBrokerRecord(r.Int32(), r.Int64()),
        MetadataRecordType.RemoveTopic => new RemoveTopicRecord(r.Uuid()),
        MetadataRecordType.BrokerRegistrationChange => new BrokerRegistrationChangeRecord(r.Int32(), r.Int64(), Fencing(r.Byte()), r.Bool()),
        MetadataRecordType.NoOp => new NoOpRecord(),
        MetadataRecordType.ZkMigrationState => new ZkMigrationStateRecord(MigrationState(r.Byte())),
        _ => throw new FormatException($"unknown metadata record type {(short)type}"),
    };

    private static RegisterBrokerRecord DecodeRegisterBroker(ref RecordReader r)
    {
        var brokerId = r.Int32();
        var incarnation = r.Uuid();
        var epoch = r.Int64();
        var count = r.Int32();
        if (count < 0) throw new FormatException($"bad endpoint count {count}");
        var endpoints = ImmutableArray.CreateBuilder<BrokerEndpoint>(Math.Min(count, 16));
        for (var i = 0; i < count; i++) endpoints.Add(new BrokerEndpoint(Required(r.String()), Required(r.String()), r.Int32(), r.Int16()));
        return new RegisterBrokerRecord(brokerId, incarnation, epoch, endpoints.ToImmutable(), r.String(), r.Bool(), r.Bool(), r.Bool());
    }

    private static bool? Fencing(byte value) => unchecked((sbyte)value) switch
    {
        0 => null,
        1 => true,
        -1 => false,
        var v => throw new FormatException($"bad fencing change {v}"),
    };

    // An unknown state must not decode: replay would compare it against the legal transitions as if it meant something.
    private static ZkMigrationState MigrationState(byte value) =>
        Enum.IsDefined((ZkMigrationState)value) ? (ZkMigrationState)value : throw new FormatException($"unknown migration state {value}");

    private static string Required(string? value) => value ?? throw new FormatException("missing string");
}
