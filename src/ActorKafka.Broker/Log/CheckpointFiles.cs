using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ActorKafka.Broker.Log;

/// <summary>
/// Kafka's leader-epoch-checkpoint file, in Kafka's own text format: a version line (0), a count
/// line, then "epoch startOffset" per line. Replaced whole: written to a temporary file, fsynced,
/// renamed over the old one, directory fsynced; so a reader sees the old or the new content.
/// </summary>
internal static class LeaderEpochCheckpointFile
{
    public const string FileName = "leader-epoch-checkpoint";
    private const int FormatVersion = 0;

    public static void Write(string directory, IReadOnlyList<EpochEntry> entries)
    {
        var sb = new StringBuilder();
        sb.Append(FormatVersion.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(entries.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var e in entries)
        {
            sb.Append(e.Epoch.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(e.StartOffset.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        AtomicFile.Replace(directory, FileName, Encoding.ASCII.GetBytes(sb.ToString()));
    }

    /// <summary>The entries, or null when the file is missing or not readable as a checkpoint.</summary>
    public static List<EpochEntry>? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var lines = File.ReadAllText(path, Encoding.ASCII).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length < 2 || int.Parse(lines[0], CultureInfo.InvariantCulture) != FormatVersion) return null;
            var count = int.Parse(lines[1], CultureInfo.InvariantCulture);
            if (count != lines.Length - 2) return null;
            var entries = new List<EpochEntry>(count);
            for (var i = 0; i < count; i++)
            {
                var parts = lines[i + 2].Split(' ');
                if (parts.Length != 2) return null;
                var entry = new EpochEntry(int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
                if (entry.Epoch < 0 || entry.StartOffset < 0) return null;
                if (entries.Count > 0 && (entry.Epoch <= entries[^1].Epoch || entry.StartOffset <= entries[^1].StartOffset)) return null;
                entries.Add(entry);
            }
            return entries;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}

/// <summary>
/// The partition's offsets checkpoint: the high watermark (Kafka's replication-offset-checkpoint)
/// and the recovery point (Kafka's recovery-point-offset-checkpoint: everything below it was
/// fsynced, so opening only checks batches past it). 32 bytes overwritten in place, with a
/// checksum; written after every flush without an fsync of its own, because both values are
/// hints where lower is safe: a lost or torn write leaves the previous (lower) values or none,
/// and none means "check everything, high watermark at the log start".
/// </summary>
internal sealed class PartitionCheckpointFile : IDisposable
{
    public const string FileName = "partition.checkpoint";
    private const uint Magic = 0x43504B41; // "AKPC"
    private const int FormatVersion = 1;
    private const int Size = 32;

    private readonly SafeFileHandle _handle;
    private readonly byte[] _buffer = new byte[Size];
    private long _writtenHighWatermark = -1;
    private long _writtenRecoveryPoint = -1;

    private PartitionCheckpointFile(SafeFileHandle handle) => _handle = handle;

    public static PartitionCheckpointFile Open(string directory, out (long HighWatermark, long RecoveryPoint)? content)
    {
        var handle = File.OpenHandle(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        content = null;
        Span<byte> buffer = stackalloc byte[Size];
        if (RandomAccess.GetLength(handle) >= Size && RandomAccess.Read(handle, buffer, 0) == Size &&
            BinaryPrimitives.ReadUInt32LittleEndian(buffer) == Magic && BinaryPrimitives.ReadInt32LittleEndian(buffer[4..]) == FormatVersion &&
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[28..]) == Crc32C.Compute(buffer[..28]))
        {
            var hw = BinaryPrimitives.ReadInt64LittleEndian(buffer[8..]);
            var rp = BinaryPrimitives.ReadInt64LittleEndian(buffer[16..]);
            if (hw >= 0 && rp >= 0) content = (hw, rp);
        }
        return new PartitionCheckpointFile(handle);
    }

    /// <summary>Writes both values unless they are what was last written; fsyncs when asked.</summary>
    public void Write(long highWatermark, long recoveryPoint, bool sync)
    {
        if (highWatermark != _writtenHighWatermark || recoveryPoint != _writtenRecoveryPoint)
        {
            var b = _buffer.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(b, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(b[4..], FormatVersion);
            BinaryPrimitives.WriteInt64LittleEndian(b[8..], highWatermark);
            BinaryPrimitives.WriteInt64LittleEndian(b[16..], recoveryPoint);
            BinaryPrimitives.WriteInt32LittleEndian(b[24..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(b[28..], Crc32C.Compute(b[..28]));
            RandomAccess.Write(_handle, b, 0);
            _writtenHighWatermark = highWatermark;
            _writtenRecoveryPoint = recoveryPoint;
        }
        if (sync) RandomAccess.FlushToDisk(_handle);
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>Write-temp, fsync, rename, fsync-directory: a file replaced atomically and durably.</summary>
internal static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    public static void Replace(string directory, string fileName, ReadOnlySpan<byte> content)
    {
        var path = Path.Combine(directory, fileName);
        var temp = path + TempSuffix;
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, content, 0);
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(temp, path, overwrite: true);
        DirectorySync.Fsync(directory);
    }
}
