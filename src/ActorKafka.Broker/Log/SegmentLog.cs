// Why partition data lives in segment files and not in an Akka.Persistence journal
// ---------------------------------------------------------------------------------
// A partition log is read by offset range, by many readers, all the time: every follower and
// consumer fetch asks for "whole batches from offset X, up to N bytes". It is truncated from
// the tail whenever a follower's log diverges from its new leader's. Its volume is the data plane's:
// the target is 100k+ records/s per broker, one fsync per group of appends.
// A journal does none of that well. It is written for one persistent actor to replay its own
// events on recovery: ReplayMessages reads everything from the start, there is no "read from X,
// at most N bytes" for other readers, DeleteMessagesTo removes only a prefix (no tail truncation),
// and each event pays the plugin's serialization and its row (REFERENCE.md section 6 measured the
// SQL journal at 884 single persists/s and 16k/s with PersistAsync, with SQLite itself good for
// 650k rows/s in one transaction: the plugin is the ceiling).
// So the data plane does what Kafka does: append-only segment files per partition, each batch
// framed with its length and a CRC-32C, an in-memory sparse offset index rebuilt on open, the
// leader-epoch-checkpoint next to them and a recovery point so that opening after a kill -9
// checks only what was written after the last fsync and cuts a torn or corrupt tail. The
// control plane (Raft log, coordination store) keeps Akka persistence, where volumes are small
// and replay-on-recovery is exactly what is wanted.

using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Microsoft.Win32.SafeHandles;

namespace ActorKafka.Broker.Log;

/// <summary>Sizes and limits of a <see cref="SegmentLog"/>; the shell reads them from HOCON.</summary>
public sealed record SegmentLogOptions
{
    /// <summary>A segment rolls before an append would take it past this (Kafka's log.segment.bytes, default 1 GiB).</summary>
    public long SegmentBytes { get; init; } = 1L << 30;

    /// <summary>Bytes between two entries of the sparse offset index (Kafka's log.index.interval.bytes).</summary>
    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary>Appends are encoded into a buffer handed to the OS once it holds this much (or at a flush, read or roll).</summary>
    public int WriteBufferBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// The most recent batches kept as objects, so fetches at the tail (followers, caught-up
    /// consumers) are served without reading or decoding. 0 disables it.
    /// </summary>
    public long TailCacheBytes { get; init; } = 32L << 20;

    /// <summary>Check every batch's checksum when opening, not only those past the recovery point.</summary>
    public bool VerifyAllOnOpen { get; init; }
}

/// <summary>What opening a <see cref="SegmentLog"/> found and repaired.</summary>
public sealed record SegmentLogRecovery(int Segments, long Batches, long Bytes, long BatchesVerified, long BytesVerified, long RecoveryPoint,
    long TruncatedBytes, int SegmentsDeleted, bool CheckpointFound, bool EpochCheckpointFound, string? TornReason);

/// <summary>
/// A partition's log as segment files in its own directory (DATA_DIR/partitions/topic-partition/):
/// <c>{baseOffset:D20}.log</c> segments of framed batches (<see cref="RecordBatchCodec"/>),
/// <c>leader-epoch-checkpoint</c> and <c>partition.checkpoint</c>. Single-threaded.
/// </summary>
public sealed class SegmentLog : IPartitionLog
{
    public const string SegmentSuffix = ".log";

    private readonly string _directory;
    private readonly SegmentLogOptions _options;
    private readonly List<Segment> _segments = new();
    private readonly List<Segment> _unsynced = new();
    private readonly TailCache _tail;
    private readonly FrameReader _reader = new();
    private readonly PartitionCheckpointFile _checkpoint;
    private Segment _active;
    private byte[] _pending;
    private int _pendingLength;
    private bool _directoryDirty;
    private long _persistedEpochVersion;
    private bool _disposed;

    private SegmentLog(string directory, SegmentLogOptions options, PartitionCheckpointFile checkpoint, Segment active)
    {
        _directory = directory;
        _options = options;
        _checkpoint = checkpoint;
        _active = active;
        _pending = new byte[Math.Max(4096, options.WriteBufferBytes)];
        _tail = new TailCache(options.TailCacheBytes);
    }

    /// <summary>The directory of a partition's log under a broker's data directory.</summary>
    public static string PartitionDirectory(string dataDirectory, TopicPartition partition) =>
        Path.Combine(dataDirectory, "partitions", $"{partition.Topic}-{partition.Partition}");

    public string Directory => _directory;

    public long LogStartOffset => _segments[0].BaseOffset;

    public long LogEndOffset { get; private set; }

    public long DurableEndOffset { get; private set; }

    public long MaxAppendBytes => _options.SegmentBytes;

    public LeaderEpochCache EpochCache { get; private set; } = new();

    public long HighWatermark { get; set; }

    /// <summary>What the last open found.</summary>
    public SegmentLogRecovery Recovery { get; private set; } = null!;

    public int SegmentCount => _segments.Count;

    /// <summary>
    /// Opens (creating if needed) the log in <paramref name="directory"/> and recovers it: every
    /// segment's batch headers are walked to rebuild the sparse index and check the offsets
    /// continue; batches past the recovery point also have their checksums checked; the first bad
    /// batch and everything after it is cut off. Epochs of batches the checkpoint does not know
    /// are assigned, entries starting past the end dropped. What remains is fsynced.
    /// </summary>
    public static SegmentLog Open(string directory, SegmentLogOptions? options = null)
    {
        options ??= new SegmentLogOptions();
        if (options.SegmentBytes < RecordBatchCodec.HeaderSize + RecordBatchCodec.RecordOverhead)
            throw new ArgumentOutOfRangeException(nameof(options), "segment-bytes is too small for one record");
        System.IO.Directory.CreateDirectory(directory);
        foreach (var temp in System.IO.Directory.GetFiles(directory, "*" + AtomicFile.TempSuffix)) File.Delete(temp);
        var checkpoint = PartitionCheckpointFile.Open(directory, out var offsets);
        var epochs = LeaderEpochCheckpointFile.Read(directory);
        var segmentFiles = System.IO.Directory.GetFiles(directory, "*" + SegmentSuffix)
            .Select(path => (Path: path, Base: ParseBaseOffset(path)))
            .Where(f => f.Base >= 0)
            .OrderBy(f => f.Base)
            .ToList();
        Segment first;
        if (segmentFiles.Count == 0)
        {
            first = Segment.Create(directory, 0);
            segmentFiles.Add((first.Path, 0));
        }
        else
        {
            first = Segment.OpenExisting(segmentFiles[0].Path, segmentFiles[0].Base);
        }
        var log = new SegmentLog(directory, options, checkpoint, first);
        try
        {
            log.Recover(segmentFiles, first, offsets, epochs);
        }
        catch
        {
            log.CloseHandles();
            throw;
        }
        return log;
    }

    private void Recover(List<(string Path, long Base)> files, Segment first, (long HighWatermark, long RecoveryPoint)? offsets, List<EpochEntry>? epochs)
    {
        EpochCache = new LeaderEpochCache(epochs ?? []);
        var recoveryPoint = _options.VerifyAllOnOpen || offsets is null ? 0 : offsets.Value.RecoveryPoint;
        long batches = 0, bytes = 0, verified = 0, verifiedBytes = 0, truncatedBytes = 0;
        var deleted = 0;
        string? torn = null;
        var expected = first.BaseOffset;
        for (var i = 0; i < files.Count; i++)
        {
            if (torn is not null || files[i].Base != expected)
            {
                torn ??= $"segment {files[i].Base} does not start where the previous ends ({expected})";
                File.Delete(files[i].Path);
                deleted++;
                _directoryDirty = true;
                continue;
            }
            var segment = i == 0 ? first : Segment.OpenExisting(files[i].Path, files[i].Base);
            _segments.Add(segment);
            var fileSize = RandomAccess.GetLength(segment.Handle);
            _reader.Reset(segment.Handle, fileSize);
            long position = 0;
            while (position < fileSize)
            {
                if (!_reader.Ensure(position, RecordBatchCodec.HeaderSize, FrameReader.HeaderReadAhead))
                {
                    torn = $"a partial batch header at byte {position} of segment {segment.BaseOffset}";
                    break;
                }
                var header = RecordBatchCodec.ReadHeader(_reader.Span(position, RecordBatchCodec.HeaderSize));
                if (!RecordBatchCodec.IsPlausible(header) || header.BaseOffset != expected || position + header.FrameSize > fileSize)
                {
                    torn = $"an invalid or partial batch at byte {position} of segment {segment.BaseOffset} (expected offset {expected})";
                    break;
                }
                if (header.NextOffset > recoveryPoint)
                {
                    if (!_reader.Ensure(position, header.FrameSize, FrameReader.VerifyReadAhead) ||
                        !RecordBatchCodec.CrcMatches(_reader.Span(position, header.FrameSize)))
                    {
                        torn = $"a checksum mismatch at byte {position} of segment {segment.BaseOffset} (offset {expected})";
                        break;
                    }
                    verified++;
                    verifiedBytes += header.FrameSize;
                    MarkUnsynced(segment);
                }
                segment.Index(header.BaseOffset, position, _options.IndexIntervalBytes);
                if (header.LeaderEpoch > EpochCache.LatestEpoch) EpochCache.Assign(header.LeaderEpoch, header.BaseOffset);
                expected = header.NextOffset;
                position += header.FrameSize;
                batches++;
                bytes += header.FrameSize;
            }
            if (position < fileSize)
            {
                truncatedBytes += fileSize - position;
                RandomAccess.SetLength(segment.Handle, position);
                MarkUnsynced(segment);
            }
            segment.Size = position;
            segment.NextOffset = expected;
        }
        _active = _segments[^1];
        LogEndOffset = expected;
        // Entries starting past the end go (their batches were lost). One starting exactly at the
        // end stays, unlike Kafka: it is a leader's epoch that wrote nothing durable, and keeping
        // it lets the replica refuse to lead that epoch again (PartitionReplica.BecomeLeader); as a
        // follower, its first fetch's divergence check drops it.
        EpochCache.TruncateFromEnd(LogEndOffset + 1);
        SyncSegments();
        if (_directoryDirty) DirectorySync.Fsync(_directory);
        _directoryDirty = false;
        DurableEndOffset = LogEndOffset;
        if (epochs is null || !epochs.SequenceEqual(EpochCache.Entries)) LeaderEpochCheckpointFile.Write(_directory, EpochCache.Entries);
        _persistedEpochVersion = EpochCache.Version;
        HighWatermark = Math.Clamp(offsets?.HighWatermark ?? LogStartOffset, LogStartOffset, LogEndOffset);
        _checkpoint.Write(HighWatermark, LogEndOffset, sync: true);
        Recovery = new SegmentLogRecovery(_segments.Count, batches, bytes, verified, verifiedBytes, recoveryPoint, truncatedBytes, deleted,
            offsets is not null, epochs is not null, torn);
    }

    public void Append(RecordBatch batch)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BaseOffset != LogEndOffset) throw new ArgumentException($"batch at {batch.BaseOffset} does not start at the log end {LogEndOffset}", nameof(batch));
        if (batch.Records.Count == 0) throw new ArgumentException("empty batch", nameof(batch));
        if (batch.LeaderEpoch < 0 || batch.LeaderEpoch < EpochCache.LatestEpoch)
            throw new ArgumentException($"batch of epoch {batch.LeaderEpoch} after epoch {EpochCache.LatestEpoch}", nameof(batch));
        var frameSize = RecordBatchCodec.FrameSize(batch.Records);
        if (frameSize < 0) throw new ArgumentException("a record without a value", nameof(batch));
        if (frameSize > MaxAppendBytes) throw new ArgumentException($"a batch of {frameSize} bytes is above the segment size {MaxAppendBytes}", nameof(batch));
        var size = (int)frameSize;
        if (_active.Size + _pendingLength > 0 && _active.Size + _pendingLength + size > _options.SegmentBytes) Roll();
        if (_pendingLength + size > _pending.Length)
        {
            WritePending();
            if (size > _pending.Length) _pending = new byte[(int)Math.Min(int.MaxValue, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size))];
        }
        RecordBatchCodec.Encode(batch, _pending.AsSpan(_pendingLength, size));
        _active.Index(batch.BaseOffset, _active.Size + _pendingLength, _options.IndexIntervalBytes);
        _pendingLength += size;
        _active.NextOffset = batch.NextOffset;
        LogEndOffset = batch.NextOffset;
        if (batch.LeaderEpoch > EpochCache.LatestEpoch) EpochCache.Assign(batch.LeaderEpoch, batch.BaseOffset);
        _tail.Add(batch, size);
        if (_pendingLength >= _options.WriteBufferBytes) WritePending();
    }

    public void Flush()
    {
        ThrowIfDisposed();
        // The epoch checkpoint goes first: after a crash it may name epochs past the durable end
        // (dropped on open), never miss one that a durable batch started.
        if (EpochCache.Version != _persistedEpochVersion) PersistEpochCache();
        WritePending();
        SyncSegments();
        if (_directoryDirty)
        {
            DirectorySync.Fsync(_directory);
            _directoryDirty = false;
        }
        DurableEndOffset = LogEndOffset;
        _checkpoint.Write(HighWatermark, DurableEndOffset, sync: false);
    }

    public IReadOnlyList<RecordBatch> Read(long fromOffset, int maxBytes, long upToOffset)
    {
        ThrowIfDisposed();
        if (fromOffset < LogStartOffset || fromOffset > LogEndOffset)
            throw new ArgumentOutOfRangeException(nameof(fromOffset), $"{fromOffset} is outside [{LogStartOffset}, {LogEndOffset}]");
        var result = new List<RecordBatch>();
        if (fromOffset == LogEndOffset) return result;
        if (fromOffset >= _tail.StartOffset(LogEndOffset))
        {
            _tail.Read(fromOffset, maxBytes, upToOffset, result);
            return result;
        }
        WritePending();
        long bytes = 0;
        var segmentIndex = SegmentIndexFor(fromOffset);
        var position = _segments[segmentIndex].Lookup(fromOffset);
        for (; segmentIndex < _segments.Count; segmentIndex++, position = 0)
        {
            var segment = _segments[segmentIndex];
            _reader.Reset(segment.Handle, segment.Size);
            while (position < segment.Size)
            {
                var header = ReadHeaderAt(segment, position);
                if (header.NextOffset <= fromOffset)
                {
                    position += header.FrameSize;
                    continue;
                }
                if (header.NextOffset > upToOffset) return result;
                if (result.Count > 0 && bytes + header.FrameSize > maxBytes) return result;
                if (!_reader.Ensure(position, header.FrameSize, FrameReader.VerifyReadAhead))
                    throw new CorruptLogException($"segment {segment.BaseOffset} ends inside the batch at byte {position}");
                result.Add(RecordBatchCodec.Decode(_reader.Span(position, header.FrameSize)));
                bytes += header.FrameSize;
                position += header.FrameSize;
                if (bytes >= maxBytes) return result;
            }
        }
        return result;
    }

    public void TruncateTo(long offset)
    {
        ThrowIfDisposed();
        if (offset < LogStartOffset)
        {
            TruncateFullyAndStartAt(offset);
            return;
        }
        if (offset >= LogEndOffset)
        {
            // Nothing to cut but, maybe, the epoch a leader assigned and never wrote in (as Kafka).
            if (EpochCache.TruncateFromEnd(LogEndOffset)) PersistEpochCache();
            return;
        }
        WritePending();
        var segmentIndex = SegmentIndexFor(offset);
        var segment = _segments[segmentIndex];
        _reader.Reset(segment.Handle, segment.Size);
        var position = segment.Lookup(offset);
        var newEnd = segment.BaseOffset;
        while (position < segment.Size)
        {
            var header = ReadHeaderAt(segment, position);
            if (header.NextOffset > offset)
            {
                newEnd = header.BaseOffset;
                break;
            }
            position += header.FrameSize;
            newEnd = header.NextOffset;
        }
        for (var i = _segments.Count - 1; i > segmentIndex; i--)
        {
            var gone = _segments[i];
            _segments.RemoveAt(i);
            _unsynced.Remove(gone);
            gone.Handle.Dispose();
            File.Delete(gone.Path);
            _directoryDirty = true;
        }
        RandomAccess.SetLength(segment.Handle, position);
        segment.Size = position;
        segment.NextOffset = newEnd;
        segment.TruncateIndex(position);
        MarkUnsynced(segment);
        _active = segment;
        LogEndOffset = newEnd;
        _tail.TruncateTo(newEnd);
        SyncSegments();
        if (_directoryDirty)
        {
            DirectorySync.Fsync(_directory);
            _directoryDirty = false;
        }
        DurableEndOffset = LogEndOffset;
        EpochCache.TruncateFromEnd(LogEndOffset);
        if (EpochCache.Version != _persistedEpochVersion) PersistEpochCache();
        HighWatermark = Math.Min(HighWatermark, LogEndOffset);
        _checkpoint.Write(HighWatermark, DurableEndOffset, sync: true);
    }

    public void TruncateFullyAndStartAt(long offset)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        // The epochs go first: a crash before the segments are gone leaves them with an empty epoch
        // checkpoint, from which opening rebuilds the epochs of their batches.
        EpochCache.Clear();
        PersistEpochCache();
        _pendingLength = 0;
        foreach (var segment in _segments)
        {
            segment.Handle.Dispose();
            File.Delete(segment.Path);
        }
        _segments.Clear();
        _unsynced.Clear();
        _tail.Clear();
        _active = Segment.Create(_directory, offset);
        _segments.Add(_active);
        DirectorySync.Fsync(_directory);
        _directoryDirty = false;
        LogEndOffset = DurableEndOffset = offset;
        HighWatermark = offset;
        _checkpoint.Write(HighWatermark, DurableEndOffset, sync: true);
    }

    /// <summary>Flushes, checkpoints and closes the files.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            Flush();
            _checkpoint.Write(HighWatermark, DurableEndOffset, sync: true);
        }
        finally
        {
            CloseHandles();
        }
    }

    /// <summary>
    /// Test hook for kill -9: closes the files without writing the append buffer or syncing, so
    /// what is on disk is what the OS was handed (the page cache survives a killed process).
    /// </summary>
    internal void SimulateCrash()
    {
        _pendingLength = 0;
        CloseHandles();
    }

    private void CloseHandles()
    {
        _disposed = true;
        foreach (var segment in _segments) segment.Handle.Dispose();
        if (!_segments.Contains(_active)) _active.Handle.Dispose();
        _checkpoint.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void Roll()
    {
        WritePending();
        var next = Segment.Create(_directory, LogEndOffset);
        _segments.Add(next);
        _active = next;
        _directoryDirty = true;
    }

    private void WritePending()
    {
        if (_pendingLength == 0) return;
        RandomAccess.Write(_active.Handle, _pending.AsSpan(0, _pendingLength), _active.Size);
        _active.Size += _pendingLength;
        _pendingLength = 0;
        MarkUnsynced(_active);
    }

    private void MarkUnsynced(Segment segment)
    {
        if (segment.NeedsSync) return;
        segment.NeedsSync = true;
        _unsynced.Add(segment);
    }

    private void SyncSegments()
    {
        foreach (var segment in _unsynced)
        {
            RandomAccess.FlushToDisk(segment.Handle);
            segment.NeedsSync = false;
        }
        _unsynced.Clear();
    }

    private void PersistEpochCache()
    {
        LeaderEpochCheckpointFile.Write(_directory, EpochCache.Entries);
        _persistedEpochVersion = EpochCache.Version;
    }

    private BatchFrameHeader ReadHeaderAt(Segment segment, long position)
    {
        if (!_reader.Ensure(position, RecordBatchCodec.HeaderSize, FrameReader.HeaderReadAhead))
            throw new CorruptLogException($"segment {segment.BaseOffset} ends inside a batch header at byte {position}");
        var header = RecordBatchCodec.ReadHeader(_reader.Span(position, RecordBatchCodec.HeaderSize));
        if (!RecordBatchCodec.IsPlausible(header) || position + header.FrameSize > segment.Size)
            throw new CorruptLogException($"an invalid batch header at byte {position} of segment {segment.BaseOffset}");
        return header;
    }

    /// <summary>The last segment whose base offset is at or below <paramref name="offset"/>.</summary>
    private int SegmentIndexFor(long offset)
    {
        int lo = 0, hi = _segments.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (_segments[mid].BaseOffset <= offset) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    private static long ParseBaseOffset(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name.Length == 20 && long.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset)
            ? offset
            : -1;
    }

    private sealed class Segment
    {
        private long[] _indexOffsets = new long[16];
        private long[] _indexPositions = new long[16];
        private int _indexCount;

        private Segment(long baseOffset, string path, SafeFileHandle handle)
        {
            BaseOffset = baseOffset;
            NextOffset = baseOffset;
            Path = path;
            Handle = handle;
        }

        public long BaseOffset { get; }

        public string Path { get; }

        public SafeFileHandle Handle { get; }

        /// <summary>Bytes handed to the OS.</summary>
        public long Size { get; set; }

        public long NextOffset { get; set; }

        public bool NeedsSync { get; set; }

        public static Segment Create(string directory, long baseOffset)
        {
            var path = System.IO.Path.Combine(directory, baseOffset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + SegmentSuffix);
            return new Segment(baseOffset, path, File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read));
        }

        public static Segment OpenExisting(string path, long baseOffset) =>
            new(baseOffset, path, File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read));

        /// <summary>Adds an index entry for a batch at <paramref name="position"/> if the last entry is at least an interval behind.</summary>
        public void Index(long baseOffset, long position, int intervalBytes)
        {
            if (_indexCount > 0 && position - _indexPositions[_indexCount - 1] < intervalBytes) return;
            if (_indexCount == _indexOffsets.Length)
            {
                Array.Resize(ref _indexOffsets, _indexCount * 2);
                Array.Resize(ref _indexPositions, _indexCount * 2);
            }
            _indexOffsets[_indexCount] = baseOffset;
            _indexPositions[_indexCount] = position;
            _indexCount++;
        }

        /// <summary>The position of the last indexed batch starting at or below <paramref name="offset"/> (0 when none).</summary>
        public long Lookup(long offset)
        {
            int lo = 0, hi = _indexCount - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_indexOffsets[mid] <= offset)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else hi = mid - 1;
            }
            return found < 0 ? 0 : _indexPositions[found];
        }

        public void TruncateIndex(long position)
        {
            while (_indexCount > 0 && _indexPositions[_indexCount - 1] >= position) _indexCount--;
        }
    }

    /// <summary>Reads a segment through a window, so walking small batches costs one read per window, not per batch.</summary>
    private sealed class FrameReader
    {
        public const int HeaderReadAhead = 16 * 1024;
        public const int VerifyReadAhead = 1024 * 1024;

        private byte[] _buffer = new byte[64 * 1024];
        private SafeFileHandle? _handle;
        private long _fileSize;
        private long _start;
        private int _length;

        public void Reset(SafeFileHandle handle, long fileSize)
        {
            _handle = handle;
            _fileSize = fileSize;
            _start = 0;
            _length = 0;
        }

        /// <summary>Makes [position, position + count) readable through <see cref="Span"/>; false when the file ends first.</summary>
        public bool Ensure(long position, int count, int readAhead)
        {
            if (position + count > _fileSize) return false;
            if (position >= _start && position + count <= _start + _length) return true;
            var want = (int)Math.Min(Math.Max(count, readAhead), _fileSize - position);
            if (want > _buffer.Length) _buffer = new byte[(int)Math.Min(int.MaxValue, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)want))];
            var read = 0;
            while (read < want)
            {
                var n = RandomAccess.Read(_handle!, _buffer.AsSpan(read, want - read), position + read);
                if (n <= 0) break;
                read += n;
            }
            _start = position;
            _length = read;
            return read >= count;
        }

        public ReadOnlySpan<byte> Span(long position, int count) => _buffer.AsSpan((int)(position - _start), count);
    }

    /// <summary>The newest batches as objects, contiguous up to the log end, bounded in bytes (at least one kept).</summary>
    private sealed class TailCache(long maxBytes)
    {
        private readonly List<(RecordBatch Batch, int Size)> _items = new();
        private int _head;
        private long _bytes;

        private int Count => _items.Count - _head;

        public long StartOffset(long logEndOffset) => Count == 0 ? logEndOffset : _items[_head].Batch.BaseOffset;

        public void Add(RecordBatch batch, int size)
        {
            if (maxBytes <= 0) return;
            _items.Add((batch, size));
            _bytes += size;
            while (_bytes > maxBytes && Count > 1)
            {
                _bytes -= _items[_head].Size;
                _items[_head] = default;
                _head++;
            }
            if (_head > 1024 && _head > _items.Count / 2)
            {
                _items.RemoveRange(0, _head);
                _head = 0;
            }
        }

        public void TruncateTo(long endOffset)
        {
            while (Count > 0 && _items[^1].Batch.NextOffset > endOffset)
            {
                _bytes -= _items[^1].Size;
                _items.RemoveAt(_items.Count - 1);
            }
        }

        public void Clear()
        {
            _items.Clear();
            _head = 0;
            _bytes = 0;
        }

        public void Read(long fromOffset, int maxBytes, long upToOffset, List<RecordBatch> result)
        {
            int lo = _head, hi = _items.Count - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_items[mid].Batch.NextOffset <= fromOffset) lo = mid + 1;
                else hi = mid - 1;
            }
            long bytes = 0;
            for (var i = lo; i < _items.Count; i++)
            {
                var (batch, size) = _items[i];
                if (batch.NextOffset > upToOffset) return;
                if (result.Count > 0 && bytes + size > maxBytes) return;
                result.Add(batch);
                bytes += size;
                if (bytes >= maxBytes) return;
            }
        }
    }
}
