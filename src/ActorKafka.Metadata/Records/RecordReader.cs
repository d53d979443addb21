using System.Buffers.Binary;
using System.Text;

namespace ActorKafka.Metadata.Records;

/// <summary>Reads what <see cref="RecordWriter"/> wrote; a short or malformed input throws <see cref="FormatException"/>.</summary>
internal ref struct RecordReader(ReadOnlySpan<byte> bytes)
{
    private ReadOnlySpan<byte> _rest = bytes;

    public readonly bool AtEnd => _rest.IsEmpty;

    public byte Byte() => Take(1)[0];

    public short Int16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var b => throw new FormatException($"bad boolean {b}"),
    };

    public Guid Uuid() => new(Take(16));

    public string? String()
    {
        var length = Int32();
        if (length == -1) return null;
        if (length < 0) throw new FormatException($"bad string length {length}");
        return Encoding.UTF8.GetString(Take(length));
    }

    public BrokerIdList? Ids()
    {
        var count = Int32();
        if (count == -1) return null;
        if (count < 0 || count > _rest.Length / 4) throw new FormatException($"bad id count {count}");
        var ids = new int[count];
        for (var i = 0; i < count; i++) ids[i] = Int32();
        return ids;
    }

    public BrokerIdList RequiredIds() => Ids() ?? throw new FormatException("missing id list");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _rest.Length) throw new FormatException($"record truncated: {count} bytes wanted, {_rest.Length} left");
        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }
}
