using ActorKafka.Broker.Replication;

namespace ActorKafka.Broker.Tests.Log;

/// <summary>A temporary directory deleted at dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "actorkafka-log-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class LogTestKit
{
    /// <summary>Records whose values name their offset, so reads can be checked by content.</summary>
    public static ProducerRecord[] Records(long firstOffset, int count, int valueBytes = 16)
    {
        var records = new ProducerRecord[count];
        for (var i = 0; i < count; i++) records[i] = new ProducerRecord(i % 3 == 0 ? null : [(byte)i], Value(firstOffset + i, valueBytes), 1000 + firstOffset + i);
        return records;
    }

    public static byte[] Value(long offset, int valueBytes = 16)
    {
        var value = new byte[Math.Max(8, valueBytes)];
        BitConverter.TryWriteBytes(value, offset);
        for (var i = 8; i < value.Length; i++) value[i] = (byte)(offset + i);
        return value;
    }

    public static long OffsetOf(ProducerRecord record) => BitConverter.ToInt64(record.Value, 0);

    public static RecordBatch Batch(long baseOffset, int epoch, int count, int valueBytes = 16) => new(baseOffset, epoch, Records(baseOffset, count, valueBytes));

    /// <summary>Every record's offset as its value names it, checking each batch's records are where the batch says.</summary>
    public static List<long> Offsets(IReadOnlyList<RecordBatch> batches)
    {
        var offsets = new List<long>();
        foreach (var b in batches)
        {
            for (var i = 0; i < b.Records.Count; i++)
            {
                Assert.Equal(b.BaseOffset + i, OffsetOf(b.Records[i]));
                offsets.Add(b.BaseOffset + i);
            }
        }
        return offsets;
    }
}
