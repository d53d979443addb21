using System.Runtime.Serialization;
using System.Text;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Serialization;

namespace ActorKafka.Broker.Serialization;

/// <summary>
/// Binary format for the data plane. Produce and Fetch carry the records themselves, so this is
/// the hottest path of all: keys and values are copied as raw bytes with length prefixes.
/// </summary>
public sealed class ReplicationSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4501;
    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        ProduceRequest => "PQ",
        ProduceResponse => "PP",
        FetchRecordsRequest => "FQ",
        FetchRecordsResponse => "FP",
        ListOffsetsRequest => "LQ",
        ListOffsetsResponse => "LP",
        ClientMetadataRequest => "MQ",
        ClientMetadataResponse => "MP",
        _ => throw new ArgumentException($"{o.GetType()} is not a replication message"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(obj is ProduceRequest or FetchRecordsResponse ? 64 * 1024 : 128);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        switch (obj)
        {
            case ProduceRequest r:
                w.Write(r.CorrelationId); WritePartition(w, r.Partition); w.Write((short)r.Acks); w.Write(r.TimeoutMs); w.Write(r.CurrentLeaderEpoch);
                WriteRecords(w, r.Records);
                break;
            case ProduceResponse r:
                w.Write(r.CorrelationId); WritePartition(w, r.Partition); w.Write((short)r.Error); w.Write(r.BaseOffset); w.Write(r.LeaderEpoch);
                w.Write(r.LeaderId); w.Write(r.Message);
                break;
            case FetchRecordsRequest r:
                w.Write(r.CorrelationId); w.Write(r.ReplicaId); w.Write(r.ReplicaEpoch); WritePartition(w, r.Partition); w.Write(r.FetchOffset);
                w.Write(r.LastFetchedEpoch); w.Write(r.CurrentLeaderEpoch); w.Write(r.MaxBytes); w.Write(r.MaxWaitMs);
                break;
            case FetchRecordsResponse r:
                w.Write(r.CorrelationId); WritePartition(w, r.Partition); w.Write((short)r.Error); w.Write(r.HighWatermark); w.Write(r.LogStartOffset);
                w.Write(r.LogEndOffset); w.Write(r.LeaderEpoch);
                w.Write(r.Diverging is not null);
                if (r.Diverging is { } d) { w.Write(d.Epoch); w.Write(d.EndOffset); }
                w.Write(r.Batches.Count);
                foreach (var b in r.Batches) { w.Write(b.BaseOffset); w.Write(b.LeaderEpoch); WriteRecords(w, b.Records); }
                break;
            case ListOffsetsRequest r:
                w.Write(r.CorrelationId); WritePartition(w, r.Partition); w.Write(r.Timestamp); w.Write(r.CurrentLeaderEpoch);
                break;
            case ListOffsetsResponse r:
                w.Write(r.CorrelationId); WritePartition(w, r.Partition); w.Write((short)r.Error); w.Write(r.Offset); w.Write(r.LeaderEpoch);
                break;
            case ClientMetadataRequest r:
                w.Write(r.CorrelationId); WriteStrings(w, r.Topics);
                break;
            case ClientMetadataResponse r:
                w.Write(r.CorrelationId);
                w.Write(r.Brokers.Length);
                foreach (var b in r.Brokers) { w.Write(b.BrokerId); w.Write(b.ActorAddress); }
                w.Write(r.Partitions.Length);
                foreach (var p in r.Partitions)
                {
                    WritePartition(w, p.Partition); w.Write((short)p.Error); w.Write(p.Leader); w.Write(p.LeaderEpoch); WriteInts(w, p.Replicas); WriteInts(w, p.Isr);
                }
                WriteStrings(w, r.UnknownTopics);
                break;
            default:
                throw new ArgumentException($"{obj.GetType()} is not a replication message");
        }
        w.Flush();
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        try
        {
            return manifest switch
            {
                "PQ" => new ProduceRequest(r.ReadInt64(), ReadPartition(r), (Acks)r.ReadInt16(), r.ReadInt32(), r.ReadInt32(), ReadRecords(r)),
                "PP" => new ProduceResponse(r.ReadInt64(), ReadPartition(r), (ControlError)r.ReadInt16(), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadString()),
                "FQ" => new FetchRecordsRequest(r.ReadInt64(), r.ReadInt32(), r.ReadInt64(), ReadPartition(r), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(),
                    r.ReadInt32(), r.ReadInt32()),
                "FP" => ReadFetchResponse(r),
                "LQ" => new ListOffsetsRequest(r.ReadInt64(), ReadPartition(r), r.ReadInt64(), r.ReadInt32()),
                "LP" => new ListOffsetsResponse(r.ReadInt64(), ReadPartition(r), (ControlError)r.ReadInt16(), r.ReadInt64(), r.ReadInt32()),
                "MQ" => new ClientMetadataRequest(r.ReadInt64(), ReadStrings(r)),
                "MP" => ReadMetadataResponse(r),
                _ => throw new SerializationException($"unknown replication manifest '{manifest}'"),
            };
        }
        catch (EndOfStreamException e)
        {
            throw new SerializationException($"truncated replication message '{manifest}' of {bytes.Length} bytes", e);
        }
    }

    private static FetchRecordsResponse ReadFetchResponse(BinaryReader r)
    {
        var (id, tp, error, hw, start, end, epoch) = (r.ReadInt64(), ReadPartition(r), (ControlError)r.ReadInt16(), r.ReadInt64(), r.ReadInt64(),
            r.ReadInt64(), r.ReadInt32());
        var diverging = r.ReadBoolean() ? new DivergingEpoch(r.ReadInt32(), r.ReadInt64()) : null;
        var batches = new RecordBatch[Count(r, 20)];
        for (var i = 0; i < batches.Length; i++) batches[i] = new RecordBatch(r.ReadInt64(), r.ReadInt32(), ReadRecords(r));
        return new FetchRecordsResponse(id, tp, error, hw, start, end, epoch, diverging, batches);
    }

    private static ClientMetadataResponse ReadMetadataResponse(BinaryReader r)
    {
        var id = r.ReadInt64();
        var brokers = new BrokerEndpointInfo[Count(r, 8)];
        for (var i = 0; i < brokers.Length; i++) brokers[i] = new BrokerEndpointInfo(r.ReadInt32(), r.ReadString());
        var partitions = new PartitionMetadata[Count(r, 20)];
        for (var i = 0; i < partitions.Length; i++)
            partitions[i] = new PartitionMetadata(ReadPartition(r), (ControlError)r.ReadInt16(), r.ReadInt32(), r.ReadInt32(), ReadInts(r), ReadInts(r));
        return new ClientMetadataResponse(id, brokers, partitions, ReadStrings(r));
    }

    private static void WriteRecords(BinaryWriter w, IReadOnlyList<ProducerRecord> records)
    {
        w.Write(records.Count);
        foreach (var record in records)
        {
            w.Write(record.Timestamp);
            if (record.Key is null) w.Write(-1);
            else { w.Write(record.Key.Length); w.Write(record.Key); }
            w.Write(record.Value.Length);
            w.Write(record.Value);
        }
    }

    private static ProducerRecord[] ReadRecords(BinaryReader r)
    {
        var records = new ProducerRecord[Count(r, 12)];
        for (var i = 0; i < records.Length; i++)
        {
            var timestamp = r.ReadInt64();
            var keyLength = r.ReadInt32();
            var key = keyLength < 0 ? null : ReadBytes(r, keyLength);
            records[i] = new ProducerRecord(key, ReadBytes(r, r.ReadInt32()), timestamp);
        }
        return records;
    }

    private static byte[] ReadBytes(BinaryReader r, int length)
    {
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position) throw new SerializationException($"bad byte length {length}");
        return r.ReadBytes(length);
    }

    /// <summary>An element count no larger than the bytes left could hold: a corrupt count fails instead of allocating gigabytes.</summary>
    private static int Count(BinaryReader r, int minElementBytes)
    {
        var count = r.ReadInt32();
        if (count < 0 || (long)count * minElementBytes > r.BaseStream.Length - r.BaseStream.Position)
            throw new SerializationException($"bad element count {count}");
        return count;
    }

    private static void WritePartition(BinaryWriter w, TopicPartition tp)
    {
        w.Write(tp.Topic);
        w.Write(tp.Partition);
    }

    private static TopicPartition ReadPartition(BinaryReader r) => new(r.ReadString(), r.ReadInt32());

    private static void WriteInts(BinaryWriter w, int[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static int[] ReadInts(BinaryReader r)
    {
        var values = new int[Count(r, 4)];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadInt32();
        return values;
    }

    private static void WriteStrings(BinaryWriter w, string[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        var values = new string[Count(r, 1)];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadString();
        return values;
    }
}
