using ActorKafka.Broker.Log;
using static ActorKafka.Broker.Tests.Log.LogTestKit;

namespace ActorKafka.Broker.Tests.Log;

/// <summary>The rules every <see cref="IPartitionLog"/> keeps, run against each implementation.</summary>
public abstract class PartitionLogContractTests : IDisposable
{
    private readonly List<IPartitionLog> _logs = new();

    protected abstract IPartitionLog CreateLog();

    protected IPartitionLog NewLog()
    {
        var log = CreateLog();
        _logs.Add(log);
        return log;
    }

    public virtual void Dispose()
    {
        foreach (var log in _logs)
        {
            try
            {
                log.Dispose();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Append_moves_the_log_end_and_flush_the_durable_end()
    {
        var log = NewLog();
        Assert.Equal(0, log.LogEndOffset);
        log.Append(Batch(0, 0, 5));
        log.Append(Batch(5, 0, 3));
        Assert.Equal(8, log.LogEndOffset);
        Assert.Equal(0, log.DurableEndOffset);
        log.Flush();
        Assert.Equal(8, log.DurableEndOffset);
        Assert.Equal(0, log.LogStartOffset);
    }

    [Fact]
    public void Append_refuses_a_gap_an_empty_batch_and_an_epoch_going_back()
    {
        var log = NewLog();
        log.Append(Batch(0, 3, 2));
        Assert.Throws<ArgumentException>(() => log.Append(Batch(5, 3, 1)));
        Assert.Throws<ArgumentException>(() => log.Append(new ActorKafka.Broker.Replication.RecordBatch(2, 3, [])));
        Assert.Throws<ArgumentException>(() => log.Append(Batch(2, 2, 1)));
        Assert.Equal(2, log.LogEndOffset);
    }

    [Fact]
    public void Read_returns_whole_batches_from_the_one_holding_the_offset()
    {
        var log = NewLog();
        for (var i = 0; i < 10; i++) log.Append(Batch(i * 4, 0, 4));
        var batches = log.Read(6, int.MaxValue, log.LogEndOffset);
        Assert.Equal(4, batches[0].BaseOffset);
        Assert.Equal(Enumerable.Range(4, 36).Select(x => (long)x), Offsets(batches));
        Assert.Empty(log.Read(40, int.MaxValue, 40));
    }

    [Fact]
    public void Read_stops_at_the_upper_bound_and_never_splits_a_batch()
    {
        var log = NewLog();
        for (var i = 0; i < 10; i++) log.Append(Batch(i * 4, 0, 4));
        Assert.Equal(Enumerable.Range(0, 12).Select(x => (long)x), Offsets(log.Read(0, int.MaxValue, 12)));
        // 14 falls inside the batch [12, 16): that batch is not returned.
        Assert.Equal(Enumerable.Range(0, 12).Select(x => (long)x), Offsets(log.Read(0, int.MaxValue, 14)));
        Assert.Empty(log.Read(13, int.MaxValue, 14));
    }

    [Fact]
    public void Read_returns_at_least_one_batch_even_above_max_bytes_then_stays_within_it()
    {
        var log = NewLog();
        for (var i = 0; i < 10; i++) log.Append(Batch(i * 10, 0, 10, valueBytes: 100));
        var one = log.Read(0, 1, log.LogEndOffset);
        Assert.Single(one);
        var frame = RecordBatchCodec.FrameSize(one[0].Records);
        var three = log.Read(0, (int)(frame * 3 + frame / 2), log.LogEndOffset);
        Assert.Equal(3, three.Count);
    }

    [Fact]
    public void Reads_agree_after_a_flush()
    {
        var log = NewLog();
        for (var i = 0; i < 50; i++) log.Append(Batch(i * 3, i / 10, 3));
        var before = Offsets(log.Read(0, int.MaxValue, log.LogEndOffset));
        log.Flush();
        Assert.Equal(before, Offsets(log.Read(0, int.MaxValue, log.LogEndOffset)));
        Assert.Equal(Enumerable.Range(0, 150).Select(x => (long)x), before);
    }

    [Fact]
    public void Append_assigns_new_epochs_in_the_epoch_cache()
    {
        var log = NewLog();
        log.Append(Batch(0, 1, 2));
        log.Append(Batch(2, 1, 2));
        log.Append(Batch(4, 3, 2));
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(3, 4)], log.EpochCache.Entries);
        Assert.Equal((1, 4L), log.EpochCache.EndOffsetFor(1, log.LogEndOffset));
        Assert.Equal((3, 6L), log.EpochCache.EndOffsetFor(3, log.LogEndOffset));
    }

    [Fact]
    public void TruncateTo_drops_the_tail_durably_with_its_epochs_and_clamps_the_high_watermark()
    {
        var log = NewLog();
        log.Append(Batch(0, 1, 5));
        log.Append(Batch(5, 2, 5));
        log.Append(Batch(10, 4, 5));
        log.HighWatermark = 15;
        log.TruncateTo(10);
        Assert.Equal(10, log.LogEndOffset);
        Assert.Equal(10, log.DurableEndOffset);
        Assert.Equal(10, log.HighWatermark);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(2, 5)], log.EpochCache.Entries);
        Assert.Equal(Enumerable.Range(0, 10).Select(x => (long)x), Offsets(log.Read(0, int.MaxValue, 100)));
        log.Append(Batch(10, 5, 2));
        Assert.Equal(12, log.LogEndOffset);
    }

    [Fact]
    public void TruncateTo_inside_a_batch_drops_the_whole_batch()
    {
        var log = NewLog();
        log.Append(Batch(0, 0, 5));
        log.Append(Batch(5, 0, 5));
        log.TruncateTo(7);
        Assert.Equal(5, log.LogEndOffset);
    }

    [Fact]
    public void TruncateTo_at_or_past_the_end_only_drops_an_epoch_assigned_at_the_end()
    {
        var log = NewLog();
        log.Append(Batch(0, 1, 5));
        log.EpochCache.Assign(2, 5); // a leader that never wrote in its epoch
        log.TruncateTo(5);
        Assert.Equal(5, log.LogEndOffset);
        Assert.Equal([new EpochEntry(1, 0)], log.EpochCache.Entries);
    }

    [Fact]
    public void TruncateFullyAndStartAt_restarts_an_empty_log_elsewhere()
    {
        var log = NewLog();
        log.Append(Batch(0, 1, 5));
        log.TruncateFullyAndStartAt(100);
        Assert.Equal(100, log.LogStartOffset);
        Assert.Equal(100, log.LogEndOffset);
        Assert.Empty(log.EpochCache.Entries);
        log.Append(Batch(100, 2, 3));
        Assert.Equal(Enumerable.Range(100, 3).Select(x => (long)x), Offsets(log.Read(100, int.MaxValue, 103)));
    }

    [Fact]
    public void Read_outside_the_log_is_refused()
    {
        var log = NewLog();
        log.Append(Batch(0, 0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Read(6, 100, 10));
    }
}

public sealed class MemoryPartitionLogContractTests : PartitionLogContractTests
{
    protected override IPartitionLog CreateLog() => new MemoryPartitionLog();
}

public sealed class SegmentLogContractTests : PartitionLogContractTests
{
    private readonly TempDirectory _dir = new();
    private int _n;

    protected override IPartitionLog CreateLog() => SegmentLog.Open(Path.Combine(_dir.Path, $"p{_n++}"), new SegmentLogOptions { SegmentBytes = 4096 });

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}

/// <summary>The same rules with reads always going to disk (no tail cache) and small segments.</summary>
public sealed class SegmentLogFromDiskContractTests : PartitionLogContractTests
{
    private readonly TempDirectory _dir = new();
    private int _n;

    protected override IPartitionLog CreateLog() =>
        SegmentLog.Open(Path.Combine(_dir.Path, $"p{_n++}"), new SegmentLogOptions { SegmentBytes = 2048, TailCacheBytes = 0, IndexIntervalBytes = 256, WriteBufferBytes = 300 });

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
