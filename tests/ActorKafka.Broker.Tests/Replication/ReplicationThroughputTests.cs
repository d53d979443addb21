using System.Diagnostics;
using System.Globalization;
using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Xunit.Abstractions;

namespace ActorKafka.Broker.Tests.Replication;

/// <summary>
/// The data path without actors: a leader and two followers on <see cref="SegmentLog"/>s in one
/// process, acks=all batches of 1000 100-byte records, each round as a shell would run it
/// (produce, leader flush, follower fetch + flush, fetch again to report). Prints records/s;
/// ACTORKAFKA_REPLICATION_BENCH_BATCHES=n for a longer run.
/// </summary>
public sealed class ReplicationThroughputTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "actorkafka-repl-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Replication_throughput_rf3_acks_all_1000_record_batches()
    {
        var batches = int.TryParse(Environment.GetEnvironmentVariable("ACTORKAFKA_REPLICATION_BENCH_BATCHES"), out var n) ? n : 200;
        const int perRound = 4; // produces grouped per leader flush
        var tp = new TopicPartition("bench", 0);
        var config = new ReplicaConfig(MinInsyncReplicas: 2, ReplicaFetchMaxBytes: 8 << 20);
        var logs = new[] { 1, 2, 3 }.ToDictionary(id => id, id => SegmentLog.Open(Path.Combine(_dir, id.ToString(CultureInfo.InvariantCulture))));
        var replicas = logs.ToDictionary(kv => kv.Key, kv => new PartitionReplica(kv.Key, tp, kv.Value, config));
        replicas[1].BecomeLeader(1, 1, [1, 2, 3], [1, 2, 3], 0);
        replicas[2].BecomeFollower(1, 1, 1, [1, 2, 3], [1, 2, 3]);
        replicas[3].BecomeFollower(1, 1, 1, [1, 2, 3], [1, 2, 3]);
        var records = Enumerable.Range(0, 1000).Select(i => new ProducerRecord(null, new byte[100], i)).ToArray();
        long acknowledged = 0, now = 0;
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < batches;)
        {
            for (var i = 0; i < perRound && sent < batches; i++, sent++)
            {
                var result = replicas[1].Produce(new ProduceRequest(sent, tp, Acks.All, 30_000, -1, records), now);
                Assert.Null(result.Response);
            }
            logs[1].Flush();
            replicas[1].OnLogFlushed(now);
            foreach (var f in new[] { 2, 3 })
            {
                // Fetch the new batches, flush them, then fetch again: the second fetch reports the durable end.
                for (var k = 0; k < 2; k++)
                {
                    var request = replicas[f].NextFetch(now)!;
                    replicas[f].OnFetchResponse(replicas[1].HandleFetch(request, now), now);
                    if (replicas[f].NeedsFlush)
                    {
                        logs[f].Flush();
                        replicas[f].OnLogFlushed(now);
                    }
                }
            }
            acknowledged += replicas[1].TakeCompletions().Count(c => c.Response.Error == ControlError.None) * 1000L;
            now += 1;
        }
        var elapsed = clock.Elapsed;
        foreach (var log in logs.Values) log.Dispose();
        Assert.Equal(batches * 1000L, acknowledged);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RF 3, acks=all, {batches} batches of 1000 x 100 bytes, {perRound} per leader flush: {acknowledged / elapsed.TotalSeconds:N0} records/s ({elapsed.TotalMilliseconds:N0} ms, 3 fsyncs per round)"));
    }
}
