using ActorKafka.Broker.Replication;

namespace ActorKafka.Broker.Log;

/// <summary>
/// An <see cref="IPartitionLog"/> in memory for unit tests and simulations, with the same rules as
/// <see cref="SegmentLog"/> and an explicit durable prefix: <see cref="Crash"/> loses what was not
/// flushed (all of it, as a power cut would, or a prefix of it, as a killed process whose writes
/// reached the page cache would) and goes back to the durable epoch cache and high watermark.
/// </summary>
public sealed class MemoryPartitionLog : IPartitionLog
{
    private readonly List<RecordBatch> _batches = new();
    private readonly List<long> _frameSizes = new();
    private List<EpochEntry> _durableEpochs = new();
    private long _durableHighWatermark;

    public MemoryPartitionLog(long logStartOffset = 0, long maxAppendBytes = int.MaxValue)
    {
        LogStartOffset = logStartOffset;
        LogEndOffset = DurableEndOffset = logStartOffset;
        _durableHighWatermark = HighWatermark = logStartOffset;
        MaxAppendBytes = maxAppendBytes;
    }

    public long LogStartOffset { get; private set; }

    public long LogEndOffset { get; private set; }

    public long DurableEndOffset { get; private set; }

    public long MaxAppendBytes { get; }

    public LeaderEpochCache EpochCache { get; } = new();

    public long HighWatermark { get; set; }

    /// <summary>How many flushes made something durable (tests count fsyncs with it).</summary>
    public int FlushCount { get; private set; }

    public IReadOnlyList<RecordBatch> Batches => _batches;

    public void Append(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BaseOffset != LogEndOffset) throw new ArgumentException($"batch at {batch.BaseOffset} does not start at the log end {LogEndOffset}", nameof(batch));
        if (batch.Records.Count == 0) throw new ArgumentException("empty batch", nameof(batch));
        if (batch.LeaderEpoch < EpochCache.LatestEpoch)
            throw new ArgumentException($"batch of epoch {batch.LeaderEpoch} after epoch {EpochCache.LatestEpoch}", nameof(batch));
        var size = RecordBatchCodec.FrameSize(batch.Records);
        if (size < 0) throw new ArgumentException("a record without a value", nameof(batch));
        if (size > MaxAppendBytes) throw new ArgumentException($"a batch of {size} bytes is above {MaxAppendBytes}", nameof(batch));
        if (batch.LeaderEpoch > EpochCache.LatestEpoch) EpochCache.Assign(batch.LeaderEpoch, batch.BaseOffset);
        _batches.Add(batch);
        _frameSizes.Add(size);
        LogEndOffset = batch.NextOffset;
    }

    public void Flush()
    {
        if (DurableEndOffset != LogEndOffset) FlushCount++;
        DurableEndOffset = LogEndOffset;
        _durableEpochs = EpochCache.Entries.ToList();
        _durableHighWatermark = HighWatermark;
    }

    public IReadOnlyList<RecordBatch> Read(long fromOffset, int maxBytes, long upToOffset)
    {
        if (fromOffset < LogStartOffset || fromOffset > LogEndOffset)
            throw new ArgumentOutOfRangeException(nameof(fromOffset), $"{fromOffset} is outside [{LogStartOffset}, {LogEndOffset}]");
        var result = new List<RecordBatch>();
        long bytes = 0;
        for (var i = IndexOfBatchHolding(fromOffset); i < _batches.Count; i++)
        {
            var b = _batches[i];
            if (b.NextOffset > upToOffset) break;
            if (result.Count > 0 && bytes + _frameSizes[i] > maxBytes) break;
            result.Add(b);
            bytes += _frameSizes[i];
        }
        return result;
    }

    public void TruncateTo(long offset)
    {
        if (offset < LogStartOffset)
        {
            TruncateFullyAndStartAt(offset);
            return;
        }
        if (offset >= LogEndOffset)
        {
            // Nothing to drop but a dangling epoch entry; only the epoch checkpoint is rewritten.
            if (EpochCache.TruncateFromEnd(LogEndOffset)) _durableEpochs = EpochCache.Entries.ToList();
            return;
        }
        var i = IndexOfBatchHolding(offset);
        LogEndOffset = _batches[i].BaseOffset;
        _batches.RemoveRange(i, _batches.Count - i);
        _frameSizes.RemoveRange(i, _frameSizes.Count - i);
        EpochCache.TruncateFromEnd(LogEndOffset);
        HighWatermark = Math.Min(HighWatermark, LogEndOffset);
        MakeAllDurable();
    }

    public void TruncateFullyAndStartAt(long offset)
    {
        _batches.Clear();
        _frameSizes.Clear();
        LogStartOffset = LogEndOffset = offset;
        EpochCache.Clear();
        HighWatermark = offset;
        MakeAllDurable();
    }

    /// <summary>
    /// A crash: keeps the durable prefix plus the first <paramref name="unflushedBatchesKept"/>
    /// batches after it, restores the durable epoch cache and high watermark, and recovers them as
    /// <see cref="SegmentLog"/> does (epochs of the kept batches assigned, entries starting past the end dropped).
    /// </summary>
    public void Crash(int unflushedBatchesKept = 0)
    {
        var keepUntil = _batches.FindIndex(b => b.NextOffset > DurableEndOffset);
        if (keepUntil >= 0)
        {
            keepUntil = Math.Min(_batches.Count, keepUntil + Math.Max(0, unflushedBatchesKept));
            _batches.RemoveRange(keepUntil, _batches.Count - keepUntil);
            _frameSizes.RemoveRange(keepUntil, _frameSizes.Count - keepUntil);
        }
        LogEndOffset = _batches.Count == 0 ? LogStartOffset : _batches[^1].NextOffset;
        EpochCache.ResetTo(_durableEpochs);
        foreach (var b in _batches.Where(b => b.NextOffset > DurableEndOffset))
        {
            if (b.LeaderEpoch > EpochCache.LatestEpoch) EpochCache.Assign(b.LeaderEpoch, b.BaseOffset);
        }
        EpochCache.TruncateFromEnd(LogEndOffset + 1);
        HighWatermark = Math.Clamp(_durableHighWatermark, LogStartOffset, LogEndOffset);
        MakeAllDurable();
    }

    /// <summary>The record at <paramref name="offset"/>, or null when the log does not hold it.</summary>
    public ProducerRecord? RecordAt(long offset)
    {
        if (offset < LogStartOffset || offset >= LogEndOffset) return null;
        var b = _batches[IndexOfBatchHolding(offset)];
        return b.Records[(int)(offset - b.BaseOffset)];
    }

    /// <summary>The leader epoch of the batch holding <paramref name="offset"/>, or -1.</summary>
    public int EpochAt(long offset) =>
        offset < LogStartOffset || offset >= LogEndOffset ? LeaderEpochCache.UndefinedEpoch : _batches[IndexOfBatchHolding(offset)].LeaderEpoch;

    public void Dispose() => Flush();

    private void MakeAllDurable()
    {
        DurableEndOffset = LogEndOffset;
        _durableEpochs = EpochCache.Entries.ToList();
        _durableHighWatermark = HighWatermark;
    }

    /// <summary>The index of the batch holding <paramref name="offset"/> (or of the end when offset is the LEO).</summary>
    private int IndexOfBatchHolding(long offset)
    {
        int lo = 0, hi = _batches.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_batches[mid].NextOffset <= offset) lo = mid + 1;
            else hi = mid - 1;
        }
        return lo;
    }
}
