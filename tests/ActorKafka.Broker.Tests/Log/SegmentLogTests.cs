using ActorKafka.Broker.Log;
using ActorKafka.Metadata;
using static ActorKafka.Broker.Tests.Log.LogTestKit;

namespace ActorKafka.Broker.Tests.Log;

public sealed class SegmentLogTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string PartitionDir => SegmentLog.PartitionDirectory(_dir.Path, new TopicPartition("orders", 3));

    private SegmentLog Open(long segmentBytes = 4096, bool verifyAll = false, long tailCache = 0) =>
        SegmentLog.Open(PartitionDir, new SegmentLogOptions { SegmentBytes = segmentBytes, IndexIntervalBytes = 512, VerifyAllOnOpen = verifyAll, TailCacheBytes = tailCache });

    private string[] SegmentFiles() => Directory.GetFiles(PartitionDir, "*.log").Order().ToArray();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_partition_directory_holds_named_segments_and_checkpoints()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 0, 3));
            log.Flush();
        }
        Assert.EndsWith(Path.Combine("partitions", "orders-3"), PartitionDir);
        Assert.Equal("00000000000000000000.log", Path.GetFileName(SegmentFiles().Single()));
        Assert.True(File.Exists(Path.Combine(PartitionDir, "leader-epoch-checkpoint")));
        Assert.True(File.Exists(Path.Combine(PartitionDir, "partition.checkpoint")));
        Assert.Equal("0\n1\n0 0\n", File.ReadAllText(Path.Combine(PartitionDir, "leader-epoch-checkpoint")));
    }

    [Fact]
    public void Segments_roll_at_the_configured_size_and_reads_cross_them()
    {
        using var log = Open(segmentBytes: 2048);
        for (var i = 0; i < 60; i++) log.Append(Batch(i * 5, 0, 5, valueBytes: 40));
        log.Flush();
        var files = SegmentFiles();
        Assert.True(files.Length > 5, $"{files.Length} segments");
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 2048));
        Assert.Equal(log.SegmentCount, files.Length);
        Assert.Equal(Enumerable.Range(0, 300).Select(x => (long)x), Offsets(log.Read(0, int.MaxValue, 300)));
        Assert.Equal(Enumerable.Range(135, 165).Select(x => (long)x), Offsets(log.Read(137, int.MaxValue, 300)));
        // Each segment's name is the base offset of its first batch.
        foreach (var f in files)
        {
            var baseOffset = long.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(baseOffset, log.Read(baseOffset, 1, 300)[0].BaseOffset);
        }
    }

    [Fact]
    public void Reopen_after_a_clean_close_finds_everything_and_checks_nothing_again()
    {
        using (var log = Open(segmentBytes: 2048))
        {
            for (var i = 0; i < 40; i++) log.Append(Batch(i * 5, i / 10, 5, valueBytes: 40));
            log.HighWatermark = 150;
        }
        using var reopened = Open(segmentBytes: 2048);
        Assert.Equal(200, reopened.LogEndOffset);
        Assert.Equal(200, reopened.DurableEndOffset);
        Assert.Equal(150, reopened.HighWatermark);
        Assert.Equal(0, reopened.Recovery.BatchesVerified);
        Assert.Equal(40, reopened.Recovery.Batches);
        Assert.Null(reopened.Recovery.TornReason);
        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(1, 50), new EpochEntry(2, 100), new EpochEntry(3, 150)], reopened.EpochCache.Entries);
        Assert.Equal(Enumerable.Range(0, 200).Select(x => (long)x), Offsets(reopened.Read(0, int.MaxValue, 200)));
        reopened.Append(Batch(200, 3, 5));
        Assert.Equal(205, reopened.LogEndOffset);
    }

    [Fact]
    public void Truncation_across_segments_deletes_whole_files_and_survives_reopen()
    {
        using (var log = Open(segmentBytes: 2048))
        {
            for (var i = 0; i < 60; i++) log.Append(Batch(i * 5, i < 30 ? 1 : 2, 5, valueBytes: 40));
            log.Flush();
            var before = SegmentFiles().Length;
            log.TruncateTo(72);
            Assert.Equal(70, log.LogEndOffset);
            Assert.Equal(70, log.DurableEndOffset);
            Assert.True(SegmentFiles().Length < before);
            Assert.Equal([new EpochEntry(1, 0)], log.EpochCache.Entries);
            log.Append(Batch(70, 3, 5));
            log.Flush();
        }
        using var reopened = Open(segmentBytes: 2048);
        Assert.Equal(75, reopened.LogEndOffset);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(3, 70)], reopened.EpochCache.Entries);
        Assert.Equal(Enumerable.Range(0, 75).Select(x => (long)x), Offsets(reopened.Read(0, int.MaxValue, 100)));
    }

    [Fact]
    public void TruncateFullyAndStartAt_survives_reopen()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 1, 5));
            log.TruncateFullyAndStartAt(1000);
            log.Append(Batch(1000, 2, 5));
        }
        using var reopened = Open();
        Assert.Equal(1000, reopened.LogStartOffset);
        Assert.Equal(1005, reopened.LogEndOffset);
        Assert.Equal([new EpochEntry(2, 1000)], reopened.EpochCache.Entries);
        Assert.Equal("00000000000000001000.log", Path.GetFileName(SegmentFiles().Single()));
    }

    [Fact]
    public void The_epoch_cache_is_rebuilt_from_the_batches_when_its_checkpoint_is_lost()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 1, 5));
            log.Append(Batch(5, 4, 5));
            log.Append(Batch(10, 6, 5));
        }
        File.Delete(Path.Combine(PartitionDir, "leader-epoch-checkpoint"));
        using var reopened = Open();
        Assert.False(reopened.Recovery.EpochCheckpointFound);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(4, 5), new EpochEntry(6, 10)], reopened.EpochCache.Entries);
    }

    [Fact]
    public void An_epoch_assigned_at_the_end_survives_reopen_and_one_past_the_end_does_not()
    {
        long firstFrame;
        using (var log = Open())
        {
            log.Append(Batch(0, 1, 5));
            log.Flush();
            firstFrame = new FileInfo(SegmentFiles().Single()).Length;
            log.EpochCache.Assign(2, 5); // a leader that has not written yet
            log.Flush();
            log.SimulateCrash();
        }
        using (var reopened = Open())
        {
            Assert.Equal([new EpochEntry(1, 0), new EpochEntry(2, 5)], reopened.EpochCache.Entries);
            reopened.Append(Batch(5, 2, 5));
            reopened.Append(Batch(10, 3, 5));
            reopened.Flush();
            reopened.SimulateCrash();
        }
        // The checkpoint names epochs 2 and 3; the disk lost both of their batches.
        using (var f = new FileStream(SegmentFiles().Single(), FileMode.Open)) f.SetLength(firstFrame + 10);
        using var third = Open();
        Assert.Equal(5, third.LogEndOffset);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(2, 5)], third.EpochCache.Entries);
        third.TruncateTo(5); // what a follower's divergence check does with the one at the end
        Assert.Equal([new EpochEntry(1, 0)], third.EpochCache.Entries);
    }

    [Fact]
    public void The_high_watermark_checkpoint_is_written_at_flush_and_clamped_to_the_recovered_log()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 0, 10));
            log.HighWatermark = 7;
            log.Flush();
            log.SimulateCrash();
        }
        using (var reopened = Open())
        {
            Assert.Equal(7, reopened.HighWatermark);
            reopened.HighWatermark = 10;
            reopened.Flush();
            reopened.SimulateCrash();
        }
        // A tail lost under a checkpointed high watermark (possible only with a lying disk): clamped.
        var segment = SegmentFiles().Single();
        using (var f = new FileStream(segment, FileMode.Open)) f.SetLength(f.Length - 3);
        using var third = Open();
        Assert.Equal(0, third.LogEndOffset);
        Assert.Equal(0, third.HighWatermark);
    }

    [Fact]
    public void Recovery_after_kill_minus_9_keeps_every_flushed_batch_and_drops_a_torn_tail()
    {
        long flushedEnd;
        using (var log = Open(segmentBytes: 1 << 20))
        {
            for (var i = 0; i < 20; i++) log.Append(Batch(i * 10, 0, 10, valueBytes: 50));
            log.Flush();
            flushedEnd = log.DurableEndOffset;
            for (var i = 20; i < 25; i++) log.Append(Batch(i * 10, 1, 10, valueBytes: 50));
            _ = log.Read(0, 1, 10); // hands the buffered appends to the OS without an fsync
            log.SimulateCrash();
        }
        // The OS had everything; cut the file in the middle of the last batch, as a crash mid-write would.
        var segment = SegmentFiles().Single();
        using (var f = new FileStream(segment, FileMode.Open)) f.SetLength(f.Length - 100);
        using var reopened = Open(segmentBytes: 1 << 20);
        Assert.Equal(240, reopened.LogEndOffset);
        Assert.True(reopened.LogEndOffset >= flushedEnd);
        Assert.NotNull(reopened.Recovery.TornReason);
        Assert.True(reopened.Recovery.TruncatedBytes > 0);
        // The batches past the last flush that did survive kept their epoch.
        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(1, 200)], reopened.EpochCache.Entries);
        Assert.Equal(Enumerable.Range(0, 240).Select(x => (long)x), Offsets(reopened.Read(0, int.MaxValue, 1000)));
        Assert.Equal(new FileInfo(segment).Length, reopened.Recovery.Bytes);
        // And the log goes on from there.
        reopened.Append(Batch(240, 2, 3));
        reopened.Flush();
        Assert.Equal(243, reopened.LogEndOffset);
    }

    [Fact]
    public void Recovery_drops_garbage_written_after_the_last_good_batch()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 0, 10));
            log.Append(Batch(10, 0, 10));
            log.Flush();
            log.SimulateCrash();
        }
        var segment = SegmentFiles().Single();
        var good = new FileInfo(segment).Length;
        var garbage = new byte[777];
        new Random(3).NextBytes(garbage);
        using (var f = new FileStream(segment, FileMode.Append)) f.Write(garbage);
        using var reopened = Open();
        Assert.Equal(20, reopened.LogEndOffset);
        Assert.Equal(good, new FileInfo(segment).Length);
        Assert.Equal(777, reopened.Recovery.TruncatedBytes);
    }

    [Fact]
    public void Recovery_drops_zeroes_and_a_plausible_header_with_a_bad_checksum()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 0, 10));
            log.Flush();
            log.SimulateCrash();
        }
        var segment = SegmentFiles().Single();
        var good = File.ReadAllBytes(segment);
        // A copy of the real batch renumbered to continue the log, with a stale checksum: a frame
        // whose header is fine and whose payload is not what was written.
        var forged = (byte[])good.Clone();
        BitConverter.TryWriteBytes(forged.AsSpan(8), 10L);
        using (var f = new FileStream(segment, FileMode.Append))
        {
            f.Write(forged);
            f.Write(new byte[4096]);
        }
        using var reopened = Open();
        Assert.Equal(10, reopened.LogEndOffset);
        Assert.Contains("checksum", reopened.Recovery.TornReason);
        Assert.Equal(good.Length, new FileInfo(segment).Length);
    }

    [Fact]
    public void A_corrupt_segment_in_the_middle_loses_everything_after_it_and_nothing_before()
    {
        using (var log = Open(segmentBytes: 1024))
        {
            for (var i = 0; i < 30; i++) log.Append(Batch(i * 5, 0, 5, valueBytes: 30));
            log.SimulateCrash(); // never flushed: the recovery point is 0, everything is checked
        }
        var files = SegmentFiles();
        Assert.True(files.Length >= 4);
        // Flip a byte in the second segment's first batch payload.
        var bytes = File.ReadAllBytes(files[1]);
        bytes[40] ^= 0xFF;
        File.WriteAllBytes(files[1], bytes);
        var secondBase = long.Parse(Path.GetFileNameWithoutExtension(files[1]), System.Globalization.CultureInfo.InvariantCulture);
        using var reopened = Open(segmentBytes: 1024);
        Assert.Equal(secondBase, reopened.LogEndOffset);
        Assert.Equal(2, SegmentFiles().Length); // the first, and the second cut to nothing
        Assert.Equal(files.Length - 2, reopened.Recovery.SegmentsDeleted);
    }

    [Fact]
    public void A_corrupt_batch_below_the_recovery_point_is_found_by_a_read_or_a_full_check()
    {
        using (var log = Open())
        {
            for (var i = 0; i < 10; i++) log.Append(Batch(i * 5, 0, 5));
        }
        var segment = SegmentFiles().Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[44] ^= 0x01; // inside the first record's value: headers still parse
        File.WriteAllBytes(segment, bytes);
        using (var reopened = Open())
        {
            // Clean close: the open trusts what was fsynced, but a read checks every checksum.
            Assert.Equal(50, reopened.LogEndOffset);
            Assert.Throws<CorruptLogException>(() => reopened.Read(0, int.MaxValue, 50));
        }
        using var verified = Open(verifyAll: true);
        Assert.True(verified.LogEndOffset < 50);
        Assert.Contains("checksum", verified.Recovery.TornReason);
    }

    [Fact]
    public void Unflushed_appends_still_in_the_process_buffer_are_lost_at_kill_minus_9()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 0, 5));
            log.Flush();
            log.Append(Batch(5, 0, 5)); // still in the write buffer
            log.SimulateCrash();
        }
        using var reopened = Open();
        Assert.Equal(5, reopened.LogEndOffset);
    }

    [Fact]
    public void A_segment_file_that_does_not_continue_the_log_is_deleted()
    {
        using (var log = Open())
        {
            log.Append(Batch(0, 0, 5));
        }
        // A stray segment far ahead (a deletion that did not reach the disk, say).
        File.WriteAllBytes(Path.Combine(PartitionDir, "00000000000000000900.log"), new byte[10]);
        using var reopened = Open();
        Assert.Equal(5, reopened.LogEndOffset);
        Assert.Single(SegmentFiles());
        Assert.Equal(1, reopened.Recovery.SegmentsDeleted);
    }

    [Fact]
    public void The_tail_cache_serves_recent_reads_and_the_disk_the_rest()
    {
        using var log = Open(segmentBytes: 1 << 20, tailCache: 2000);
        for (var i = 0; i < 50; i++) log.Append(Batch(i * 5, 0, 5, valueBytes: 50));
        var recent = log.Read(245, int.MaxValue, 250);
        var old = log.Read(0, int.MaxValue, 250);
        Assert.Equal(Enumerable.Range(245, 5).Select(x => (long)x), Offsets(recent));
        Assert.Equal(Enumerable.Range(0, 250).Select(x => (long)x), Offsets(old));
        log.TruncateTo(100);
        Assert.Equal(Enumerable.Range(0, 100).Select(x => (long)x), Offsets(log.Read(0, int.MaxValue, 250)));
        Assert.Equal(Enumerable.Range(95, 5).Select(x => (long)x), Offsets(log.Read(95, int.MaxValue, 250)));
    }
}
