using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ActorKafka.Metadata.Records;

/// <summary>Little-endian writer for the record codec; one growing buffer per record.</summary>
internal sealed class RecordWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64);

    public void Byte(byte value) { _buffer.GetSpan(1)[0] = value; _buffer.Advance(1); }

    public void Int16(short value) { BinaryPrimitives.WriteInt16LittleEndian(_buffer.GetSpan(2), value); _buffer.Advance(2); }

    public void Int32(int value) { BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value); _buffer.Advance(4); }

    public void Int64(long value) { BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value); _buffer.Advance(8); }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Uuid(Guid value) { value.TryWriteBytes(_buffer.GetSpan(16)); _buffer.Advance(16); }

    /// <summary>Length-prefixed UTF-8; length -1 is null.</summary>
    public void String(string? value)
    {
        if (value is null) { Int32(-1); return; }
        var length = Encoding.UTF8.GetByteCount(value);
        Int32(length);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
    }

    /// <summary>Count-prefixed ids; count -1 is an absent list (a PartitionChange field left unchanged).</summary>
    public void Ids(BrokerIdList? ids)
    {
        if (ids is not BrokerIdList list) { Int32(-1); return; }
        Int32(list.Count);
        foreach (var id in list) Int32(id);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
