using System.Diagnostics;
using ActorKafka.Benchmarks.Charts;
using ActorKafka.Broker;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Benchmarks;

/// <summary>
/// `produce`: 100-byte records in batches of 1,000 to a topic of RF 3 on three brokers, each its
/// own ActorSystem over loopback (one KRaft controller beside them); one producer keeping
/// --in-flight batches outstanding, as Kafka's producer pipelines; acks=1 then acks=all with
/// min.insync.replicas 2; then one consumer reading everything back. Anchor: Kafka on three
/// machines, one producer, 3x synchronous replication, 421,823 records/s (Kreps, 2014).
/// Options: --batches N (per acks mode, default 200), --in-flight N (default 8), --partitions N (default 3).
/// </summary>
public static class ProduceBenchmark
{
    private const int RecordBytes = 100;
    private const int BatchRecords = 1000;
    private const double KrepsAnchor = 421_823;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var batches = options.Ints("--batches", 200)[0];
        var inFlight = options.Ints("--in-flight", 8)[0];
        var partitions = options.Ints("--partitions", 3)[0];
        var report = new BenchmarkReport("produce");
        var acks1 = new List<double>();
        var acksAll = new List<double>();
        var p50One = new List<double>();
        var p99One = new List<double>();
        var p50All = new List<double>();
        var p99All = new List<double>();
        var consumed = new List<double>();
        var latenciesOne = new List<double>();
        var latenciesAll = new List<double>();
        for (var run = 0; run < options.Runs; run++)
        {
            var dir = Path.Combine(Path.GetTempPath(), "actorkafka-bench-produce-" + Guid.NewGuid().ToString("N"));
            try
            {
                await using var cluster = await KraftCluster.StartAsync(dir, controllers: 1, brokerIds: [1, 2, 3], hocon: """
                    actorkafka.broker.replication.min-insync-replicas = 2
                    actorkafka.broker.kraft.heartbeat-interval = 500ms
                    """);
                await AwaitUnfencedAsync(cluster, 3);
                using var client = ClientSystem();
                var settings = KafkaClientSettings.From(ConfigurationFactory.Empty,
                    cluster.Brokers.Select(b => Akka.Cluster.Cluster.Get(b.System).SelfAddress.ToString()).ToArray());
                var producer = new KafkaProducer(client, settings);

                var one = await MeasureAsync(cluster, producer, $"acks1-{run}", partitions, batches, inFlight, Acks.Leader);
                acks1.Add(one.RecordsPerSecond); p50One.Add(one.P50Ms); p99One.Add(one.P99Ms); latenciesOne.AddRange(one.LatenciesMs);
                var all = await MeasureAsync(cluster, producer, $"acksall-{run}", partitions, batches, inFlight, Acks.All);
                acksAll.Add(all.RecordsPerSecond); p50All.Add(all.P50Ms); p99All.Add(all.P99Ms); latenciesAll.AddRange(all.LatenciesMs);

                var consumer = new KafkaConsumer(client, settings);
                var watch = Stopwatch.StartNew();
                long read = 0;
                foreach (var tp in await consumer.PartitionsAsync($"acksall-{run}")) read += (await consumer.ReadToEndAsync(tp)).Count;
                consumed.Add(read / watch.Elapsed.TotalSeconds);
                Console.Error.WriteLine($"run {run + 1}/{options.Runs}: acks=1 {one.RecordsPerSecond:N0} rec/s, acks=all {all.RecordsPerSecond:N0} rec/s, " +
                                        $"consumer {consumed[^1]:N0} rec/s ({read:N0} records)");
            }
            finally
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
        report.Add("acks=1 throughput", "records/s", acks1);
        report.Add("acks=1 latency p50", "ms", p50One);
        report.Add("acks=1 latency p99", "ms", p99One);
        report.Add("acks=all throughput", "records/s", acksAll);
        report.Add("acks=all latency p50", "ms", p50All);
        report.Add("acks=all latency p99", "ms", p99All);
        report.Add("consumer throughput", "records/s", consumed);
        report.Add("acks=all / Kreps 2014 anchor", "ratio", acksAll.Select(v => v / KrepsAnchor));
        report.Note($"{batches} batches of {BatchRecords} x {RecordBytes}-byte records per acks mode, {inFlight} in flight, {partitions} partitions, RF 3, " +
                    "min.insync.replicas 2; latency is per batch, from send to acknowledgement; target acks=all >= 105,000 records/s (25% of 421,823)");
        foreach (var (acks, latencies) in new[] { ("acks=1", latenciesOne), ("acks=all", latenciesAll) })
        {
            report.Note($"{acks} latency over all {latencies.Count:N0} batches pooled: p50 {Statistics.Percentile(latencies, 50):0.0} ms, " +
                        $"p99 {Statistics.Percentile(latencies, 99):0.0} ms, max {latencies.Max():0.0} ms");
        }
        report.Chart(ProduceLatencyChart.FileName, HistogramSvg.Render(ProduceLatencyChart.Build(
            [("acks=1", latenciesOne), ("acks=all", latenciesAll)], options.Runs, batches, BatchRecords, RecordBytes, inFlight, partitions)));
        return report;
    }

    private sealed record Result(double RecordsPerSecond, double P50Ms, double P99Ms, double[] LatenciesMs);

    private static async Task<Result> MeasureAsync(KraftCluster cluster, KafkaProducer producer, string topic, int partitions, int batches, int inFlight,
        Acks acks)
    {
        await CreateTopicAsync(cluster, topic, partitions);
        var tps = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToArray();
        var payload = new byte[RecordBytes];
        Random.Shared.NextBytes(payload);
        var batch = Enumerable.Range(0, BatchRecords).Select(i => new ProducerRecord(null, payload, i)).ToArray();
        // Warm up: metadata, connections, the JIT.
        foreach (var tp in tps) await EnsureAsync(producer.ProduceAsync(tp, batch, acks));
        var latencies = new double[batches];
        var next = 0;
        var watch = Stopwatch.StartNew();
        async Task Lane()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next) - 1;
                if (i >= batches) return;
                var sent = Stopwatch.GetTimestamp();
                await EnsureAsync(producer.ProduceAsync(tps[i % tps.Length], batch, acks));
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(Lane)));
        var seconds = watch.Elapsed.TotalSeconds;
        return new Result(batches * (double)BatchRecords / seconds, Statistics.Percentile(latencies, 50), Statistics.Percentile(latencies, 99), latencies);
    }

    private static async Task EnsureAsync(Task<ActorKafka.Broker.Clients.ProduceResult> produce)
    {
        var result = await produce;
        if (!result.Succeeded) throw new InvalidOperationException($"produce to {result.Partition} failed: {result.Error} {result.Message}");
    }

    private static async Task CreateTopicAsync(KraftCluster cluster, string topic, int partitions)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await cluster.ActiveControllerAsync(TimeSpan.FromSeconds(2)) is { } active)
            {
                var response = await cluster[active.NodeId].Controller!.Ask<CreateTopicsResponse>(
                    new CreateTopicsRequest(attempt, [new CreatableTopic(topic, partitions, 3)]), TimeSpan.FromSeconds(10));
                if (response.Error == ControlError.None)
                {
                    var result = response.Topics.Single();
                    if (result.Error != ControlError.None) throw new InvalidOperationException($"creating {topic}: {result.Error} {result.Message}");
                    await AwaitLeadersAsync(cluster, topic, partitions);
                    return;
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no active controller created {topic}");
    }

    /// <summary>Every broker hosts its replica of every partition (so the first produce does not race the metadata).</summary>
    private static async Task AwaitLeadersAsync(KraftCluster cluster, string topic, int partitions)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var states = await Task.WhenAll(cluster.Brokers.Select(b => b.ReplicaManager!.Ask<ReplicaStates>(GetReplicaStates.Instance, TimeSpan.FromSeconds(5))));
            var replicas = states.SelectMany(s => s.Replicas).Where(r => r.Partition.Topic == topic).ToList();
            if (replicas.Count == partitions * 3 && replicas.Count(r => r.Role == ReplicaRole.Leader) == partitions) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the replicas of {topic} did not all start");
    }

    private static async Task AwaitUnfencedAsync(KraftCluster cluster, int brokers)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (await cluster.ActiveControllerAsync(TimeSpan.FromSeconds(2)) is { } active)
            {
                var described = await cluster[active.NodeId].Controller!.Ask<IQuorumControllerResponse>(new DescribeClusterRequest(attempt, 0),
                    TimeSpan.FromSeconds(5));
                if (described is DescribeClusterResponse { Error: ControlError.None } d && d.Brokers.Count(b => !b.Fenced) == brokers) return;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("brokers did not register");
    }

    private static ActorSystem ClientSystem() => ActorSystem.Create("client", ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, maximum-frame-size = 8MiB, send-buffer-size = 8MiB, receive-buffer-size = 8MiB }
            akka.loglevel = WARNING
            """).WithFallback(BrokerSettings.Defaults).WithFallback(ActorKafka.Metadata.Serialization.MetadataConfig.Defaults));
}
