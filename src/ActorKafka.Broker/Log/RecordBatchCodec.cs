using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorKafka.Broker.Replication;

namespace ActorKafka.Broker.Log;

/// <summary>A batch frame's fixed header, as read back from a segment without decoding its records.</summary>
public readonly record struct BatchFrameHeader(int PayloadLength, uint Crc, long BaseOffset, int LeaderEpoch, int RecordCount)
{
    public int FrameSize => RecordBatchCodec.FrameHeaderSize + PayloadLength;

    public long NextOffset => BaseOffset + RecordCount;
}

/// <summary>
/// The on-disk form of a <see cref="RecordBatch"/>, little-endian, fixed-width fields:
/// <code>
/// frame   = payloadLength:int32  crc32c(payload):uint32  payload
/// payload = baseOffset:int64  leaderEpoch:int32  recordCount:int32  record*
/// record  = timestamp:int64  keyLength:int32 (-1 = null)  key  valueLength:int32  value
/// </code>
/// A torn or overwritten tail shows as a length that runs past the file, a header that does not
/// continue the previous batch, or a checksum that does not match.
/// </summary>
public static class RecordBatchCodec
{
    /// <summary>Length and checksum before the payload.</summary>
    public const int FrameHeaderSize = 8;

    /// <summary>Base offset, leader epoch and record count at the start of the payload.</summary>
    public const int BatchHeaderSize = 16;

    /// <summary>Everything before the first record.</summary>
    public const int HeaderSize = FrameHeaderSize + BatchHeaderSize;

    /// <summary>Fixed bytes per record besides its key and value.</summary>
    public const int RecordOverhead = 16;

    /// <summary>The encoded size of a batch of these records, frame included; -1 when a record or value is missing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long FrameSize(IReadOnlyList<ProducerRecord> records)
    {
        long size = HeaderSize;
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (r is null || r.Value is null) return -1;
            size += RecordOverhead + (r.Key?.Length ?? 0) + r.Value.Length;
        }
        return size;
    }

    /// <summary>Writes the frame of <paramref name="batch"/> into <paramref name="destination"/>, which must be exactly <see cref="FrameSize"/> long.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Encode(RecordBatch batch, Span<byte> destination)
    {
        var payload = destination[FrameHeaderSize..];
        BinaryPrimitives.WriteInt64LittleEndian(payload, batch.BaseOffset);
        BinaryPrimitives.WriteInt32LittleEndian(payload[8..], batch.LeaderEpoch);
        BinaryPrimitives.WriteInt32LittleEndian(payload[12..], batch.Records.Count);
        var pos = BatchHeaderSize;
        var records = batch.Records;
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            BinaryPrimitives.WriteInt64LittleEndian(payload[pos..], r.Timestamp);
            pos += 8;
            if (r.Key is null)
            {
                BinaryPrimitives.WriteInt32LittleEndian(payload[pos..], -1);
                pos += 4;
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(payload[pos..], r.Key.Length);
                pos += 4;
                r.Key.CopyTo(payload[pos..]);
                pos += r.Key.Length;
            }
            BinaryPrimitives.WriteInt32LittleEndian(payload[pos..], r.Value.Length);
            pos += 4;
            r.Value.CopyTo(payload[pos..]);
            pos += r.Value.Length;
        }
        if (pos != payload.Length) throw new ArgumentException($"destination is {destination.Length} bytes, the batch needs {pos + FrameHeaderSize}", nameof(destination));
        BinaryPrimitives.WriteInt32LittleEndian(destination, pos);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32C.Compute(payload));
    }

    /// <summary>Reads the fixed header at the start of <paramref name="frame"/> (at least <see cref="HeaderSize"/> bytes).</summary>
    public static BatchFrameHeader ReadHeader(ReadOnlySpan<byte> frame) => new(
        BinaryPrimitives.ReadInt32LittleEndian(frame),
        BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]),
        BinaryPrimitives.ReadInt64LittleEndian(frame[8..]),
        BinaryPrimitives.ReadInt32LittleEndian(frame[16..]),
        BinaryPrimitives.ReadInt32LittleEndian(frame[20..]));

    /// <summary>Whether a header is plausible: a payload long enough for the header and one record, at least one record.</summary>
    public static bool IsPlausible(in BatchFrameHeader header) =>
        header.PayloadLength >= BatchHeaderSize + RecordOverhead && header.RecordCount >= 1 && header.BaseOffset >= 0 &&
        header.RecordCount <= (header.PayloadLength - BatchHeaderSize) / RecordOverhead && header.LeaderEpoch >= 0;

    /// <summary>Whether the frame's checksum matches its payload.</summary>
    public static bool CrcMatches(ReadOnlySpan<byte> frame)
    {
        var header = ReadHeader(frame);
        return Crc32C.Compute(frame.Slice(FrameHeaderSize, header.PayloadLength)) == header.Crc;
    }

    /// <summary>Decodes a whole frame, checksum first; throws <see cref="CorruptLogException"/> on any inconsistency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RecordBatch Decode(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < HeaderSize) throw new CorruptLogException($"a frame of {frame.Length} bytes is shorter than a batch header");
        var header = ReadHeader(frame);
        if (!IsPlausible(header) || header.FrameSize != frame.Length) throw new CorruptLogException($"implausible batch header {header}");
        var payload = frame.Slice(FrameHeaderSize, header.PayloadLength);
        if (Crc32C.Compute(payload) != header.Crc) throw new CorruptLogException($"checksum mismatch in the batch at offset {header.BaseOffset}");
        var records = new ProducerRecord[header.RecordCount];
        var pos = BatchHeaderSize;
        for (var i = 0; i < records.Length; i++)
        {
            if (payload.Length - pos < RecordOverhead) throw new CorruptLogException($"record {i} of the batch at {header.BaseOffset} runs past its frame");
            var timestamp = BinaryPrimitives.ReadInt64LittleEndian(payload[pos..]);
            pos += 8;
            var keyLength = BinaryPrimitives.ReadInt32LittleEndian(payload[pos..]);
            pos += 4;
            byte[]? key = null;
            if (keyLength >= 0)
            {
                if (payload.Length - pos - 4 < keyLength) throw new CorruptLogException($"record {i} of the batch at {header.BaseOffset} runs past its frame");
                key = payload.Slice(pos, keyLength).ToArray();
                pos += keyLength;
            }
            else if (keyLength != -1) throw new CorruptLogException($"record {i} of the batch at {header.BaseOffset} has key length {keyLength}");
            var valueLength = BinaryPrimitives.ReadInt32LittleEndian(payload[pos..]);
            pos += 4;
            if (valueLength < 0 || payload.Length - pos < valueLength) throw new CorruptLogException($"record {i} of the batch at {header.BaseOffset} runs past its frame");
            var value = payload.Slice(pos, valueLength).ToArray();
            pos += valueLength;
            records[i] = new ProducerRecord(key, value, timestamp);
        }
        if (pos != payload.Length) throw new CorruptLogException($"the batch at {header.BaseOffset} has {payload.Length - pos} bytes after its last record");
        return new RecordBatch(header.BaseOffset, header.LeaderEpoch, records);
    }
}

/// <summary>Bytes on disk that are not what was written: a checksum or framing mismatch found while reading.</summary>
public sealed class CorruptLogException(string message) : IOException(message);
