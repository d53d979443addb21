using System.Diagnostics;
using System.Globalization;
using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using Xunit.Abstractions;

namespace ActorKafka.Broker.Tests.Log;

/// <summary>
/// Append + flush throughput and recovery time of <see cref="SegmentLog"/>, printed to the test
/// output. The default run is small and only guards against a collapse; ACTORKAFKA_LOG_BENCH_MB=n
/// writes n MiB (e.g. 300) for the numbers the README quotes.
/// </summary>
public sealed class SegmentLogThroughputTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static RecordBatch[] Batches(int count, int records, int valueBytes)
    {
        // The same records in every batch (only offsets differ), as a producer's buffers would be.
        var payload = Enumerable.Range(0, records).Select(i => new ProducerRecord(null, new byte[valueBytes], i)).ToArray();
        return Enumerable.Range(0, count).Select(i => new RecordBatch((long)i * records, 0, payload)).ToArray();
    }

    [Fact]
    public void SegmentLog_throughput_and_recovery_of_1000_record_batches_of_100_bytes()
    {
        var megabytes = int.TryParse(Environment.GetEnvironmentVariable("ACTORKAFKA_LOG_BENCH_MB"), out var mb) ? mb : 24;
        const int records = 1000, valueBytes = 100;
        var frame = RecordBatchCodec.FrameSize(Batches(1, records, valueBytes)[0].Records);
        var count = (int)Math.Max(10, (long)megabytes * 1024 * 1024 / frame);
        var batches = Batches(count, records, valueBytes);
        var options = new SegmentLogOptions { SegmentBytes = 128L << 20 };

        // One fsync per batch: the worst case for a shell that flushes after every produce.
        var perBatch = Measure(Path.Combine(_dir.Path, "per-batch"), batches, options, flushEvery: 1);
        // One fsync per 10 batches: a shell grouping the appends that arrived while it flushed.
        var grouped = Measure(Path.Combine(_dir.Path, "grouped"), batches, options, flushEvery: 10);
        var totalBytes = (long)frame * count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} batches of {records} x {valueBytes}-byte records ({totalBytes / (1 << 20)} MiB): " +
            $"flush per batch {count * (double)records / perBatch.TotalSeconds:N0} records/s ({perBatch.TotalMilliseconds:N0} ms), " +
            $"flush per 10 batches {count * (double)records / grouped.TotalSeconds:N0} records/s ({grouped.TotalMilliseconds:N0} ms)"));

        var dir = Path.Combine(_dir.Path, "grouped");
        var clock = Stopwatch.StartNew();
        using (var clean = SegmentLog.Open(dir, options))
        {
            var cleanMs = clock.Elapsed.TotalMilliseconds;
            Assert.Equal((long)count * records, clean.LogEndOffset);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"reopen after a clean close: {cleanMs:N0} ms ({clean.Recovery.Batches} batch headers, {clean.Recovery.BatchesVerified} checksums)"));
            clean.SimulateCrash();
        }
        // What a kill -9 before any checkpoint leaves: no recovery point, every batch's checksum checked.
        File.Delete(Path.Combine(dir, "partition.checkpoint"));
        clock.Restart();
        using (var full = SegmentLog.Open(dir, options))
        {
            var fullMs = clock.Elapsed.TotalMilliseconds;
            Assert.Equal((long)count * records, full.LogEndOffset);
            Assert.Equal(count, full.Recovery.BatchesVerified);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"recovery checking every checksum: {fullMs:N0} ms for {totalBytes / (1 << 20)} MiB ({totalBytes / (1 << 20) / Math.Max(0.001, fullMs / 1000):N0} MiB/s)"));
        }
        Assert.True(count * (double)records / grouped.TotalSeconds > 20_000, "grouped append+flush is below 20k records/s");
    }

    private static TimeSpan Measure(string dir, RecordBatch[] batches, SegmentLogOptions options, int flushEvery)
    {
        using var log = SegmentLog.Open(dir, options);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < batches.Length; i++)
        {
            log.Append(batches[i]);
            if ((i + 1) % flushEvery == 0) log.Flush();
        }
        log.Flush();
        return clock.Elapsed;
    }
}
