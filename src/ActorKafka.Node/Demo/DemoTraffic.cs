using System.Globalization;
using System.Text;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using ActorKafka.Node.Cli;
using Akka.Actor;
using Akka.Configuration;
using ProduceResult = ActorKafka.Broker.Clients.ProduceResult;

namespace ActorKafka.Node.Demo;

/// <summary>
/// The demos' data: from the topic's creation to the end of the story, a producer writes numbered
/// records with acks=all to every partition and remembers each acknowledged one (its partition,
/// offset and value). Stopped before the summary, it reads every partition back
/// (<see cref="RecordsCheck"/>): an acknowledged record must be at its offset with its value.
/// </summary>
internal sealed class DemoTraffic : IAsyncDisposable
{
    /// <summary>Records per batch.</summary>
    public const int BatchSize = 5;

    /// <summary>
    /// The producer's pace: about a batch every 50 ms over the whole topic, each partition waiting
    /// this times the partition count after a batch is answered. Enough to see records through
    /// every failover, light enough not to slow the story's timers on a small machine.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The client's timings, short for a story of seconds: one attempt at a leader whose node died
    /// costs request-timeout + produce-timeout before the retry looks for the new leader.
    /// </summary>
    private const string ClientHocon = """
        actorkafka.client.request-timeout = 1s
        actorkafka.client.produce-timeout = 2s
        actorkafka.client.delivery-timeout = 20s
        actorkafka.client.retry-backoff = 50ms
        actorkafka.client.retry-backoff-max = 500ms
        actorkafka.client.fetch-max-wait = 200ms
        """;

    /// <summary>With three replicas acks=all waits for two of them at least (min.insync.replicas 2), so an acknowledged record outlives its leader.</summary>
    public const int MinInsyncReplicas = 2;

    private readonly ActorSystem _client;
    private readonly KafkaProducer _producer;
    private readonly KafkaClientSettings _settings;
    private readonly Timeline _timeline;
    private readonly CancellationTokenSource _stop = new();
    private readonly PartitionTraffic[] _partitions;
    private readonly TimeSpan _pause;
    private Task _running = Task.CompletedTask;

    private DemoTraffic(ActorSystem client, KafkaClientSettings settings, string topic, int partitions, Timeline timeline)
    {
        _client = client;
        _settings = settings;
        _producer = new KafkaProducer(client, settings);
        _timeline = timeline;
        _partitions = Enumerable.Range(0, partitions).Select(p => new PartitionTraffic(new TopicPartition(topic, p))).ToArray();
        _pause = Interval * partitions;
    }

    /// <summary>The demo brokers' HOCON: min.insync.replicas 2 when every partition has three replicas or more, else the default (1).</summary>
    public static string BrokerHocon(int replicationFactor) =>
        replicationFactor >= 3 ? $"actorkafka.broker.replication.min-insync-replicas = {MinInsyncReplicas}" : "";

    /// <summary>Starts producing to every partition of the topic through the brokers at <paramref name="bootstrap"/>.</summary>
    public static DemoTraffic Start(IEnumerable<Address> bootstrap, string topic, int partitions, int replicationFactor, Timeline timeline) =>
        Start(bootstrap.Select(a => a.ToString()).ToArray(), topic, partitions, replicationFactor, timeline);

    /// <summary>As above, from the nodes' addresses as strings.</summary>
    public static DemoTraffic Start(IReadOnlyList<string> bootstrap, string topic, int partitions, int replicationFactor, Timeline timeline)
    {
        var client = ActorSystem.Create("actorkafka-demo-client", ShellHost.RemoteClientConfig());
        var settings = KafkaClientSettings.From(ConfigurationFactory.ParseString(ClientHocon).WithFallback(client.Settings.Config), bootstrap);
        var traffic = new DemoTraffic(client, settings, topic, partitions, timeline);
        var minIsr = replicationFactor >= 3 ? MinInsyncReplicas : 1;
        timeline.Note($"a producer starts writing numbered records to every partition of {topic}: a batch of {BatchSize} about every " +
                      $"{Interval.TotalMilliseconds:0} ms, each partition's next one {traffic._pause.TotalMilliseconds:0} ms after its last was answered, " +
                      $"acks=all (answered once the in-sync replicas, at least {minIsr}, hold it); " +
                      "it remembers every acknowledged record and retries the others through leader changes");
        traffic._running = Task.WhenAll(traffic._partitions.Select(traffic.ProduceAsync));
        return traffic;
    }

    /// <summary>
    /// Stops the producer (a batch still unanswered is not acknowledged), then reads every
    /// partition back through <paramref name="liveBrokers"/> (a dead address would cost a request
    /// timeout at every metadata refresh) and compares. A partition without a live leader
    /// (<paramref name="led"/> lacks it) cannot be read: its records are counted unreadable, not lost.
    /// </summary>
    public async Task<RecordsVerified> StopAndVerifyAsync(IEnumerable<Address> liveBrokers, IReadOnlyCollection<TopicPartition> led, TimeSpan bound)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        var (batches, retried, givenUp, inFlight) =
            (_partitions.Sum(p => p.Batches), _partitions.Sum(p => p.Retried), _partitions.Sum(p => p.GivenUp), _partitions.Sum(p => p.InFlightAtStop));
        _timeline.Note($"the producer stops after {DemoText.Count(batches, "batch")}: {DemoText.Count(_partitions.Sum(p => p.Acknowledged.Count), "record")} " +
                       $"acknowledged, {DemoText.Count(retried, "attempt")} retried (a leader not ready yet, or gone)" +
                       (givenUp > 0 ? $", {DemoText.Count(givenUp, "batch")} given up after the delivery timeout" : "") +
                       $", {DemoText.Count(inFlight, "batch")} unanswered at the stop (records not acknowledged do not count); " +
                       "every partition is read back to its high watermark");
        var settings = _settings with { BootstrapBrokers = liveBrokers.Select(a => a.ToString()).ToArray() };
        var check = new RecordsCheck(new KafkaConsumer(new ClientMetadata(_client, settings), settings), bound);
        var reads = await Task.WhenAll(_partitions.Select(p => led.Contains(p.Partition)
            ? check.ReadAsync(p.Partition, p.Acknowledged)
            : Task.FromResult(RecordsCheck.Offline(p.Partition, p.Acknowledged.Count)))).ConfigureAwait(false);
        var verified = RecordsVerified.From(reads, retried, givenUp, inFlight);
        foreach (var read in reads.Where(r => r.Unreadable > 0 || r.Lost > 0)) _timeline.Note(read.Describe());
        _timeline.Event("records-verified", verified.Text(), verified.Fields());
        return verified;
    }

    /// <summary>
    /// Waits until each of <paramref name="partitions"/> (those with a live leader) has had a batch
    /// acknowledged from now on: the producer has followed the leaders wherever they moved.
    /// </summary>
    public async Task AwaitAcknowledgedAgainAsync(IReadOnlyCollection<TopicPartition> partitions, TimeSpan bound)
    {
        var waiting = _partitions.Where(p => partitions.Contains(p.Partition)).Select(p => (p.Partition, Acknowledged: p.NextAcknowledgement)).ToArray();
        try
        {
            await Task.WhenAll(waiting.Select(w => w.Acknowledged)).WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"gave up after {bound.TotalSeconds:0} s waiting for the producer's batches to be acknowledged again on " +
                                       string.Join(", ", waiting.Where(w => !w.Acknowledged.IsCompleted).Select(w => w.Partition)));
        }
        _timeline.Note($"the producer's batches are acknowledged again on every partition with a live leader ({partitions.Count}): " +
                       $"{DemoText.Count(_partitions.Sum(p => p.AcknowledgedCount), "record")} acknowledged so far");
    }

    private async Task ProduceAsync(PartitionTraffic p)
    {
        var next = 0;
        while (!_stop.IsCancellationRequested)
        {
            var values = Enumerable.Range(next, BatchSize).Select(n => string.Create(CultureInfo.InvariantCulture, $"{p.Partition} #{n}")).ToArray();
            next += BatchSize;
            var records = values.Select(v => new ProducerRecord(null, Encoding.UTF8.GetBytes(v), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ToArray();
            ProduceResult result;
            p.Batches++;
            try
            {
                result = await _producer.ProduceAsync(p.Partition, records, Acks.All, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                p.InFlightAtStop++;
                return;
            }
            p.Retried += result.Attempts - 1;
            if (result.Succeeded)
            {
                p.OnAcknowledged(values.Select((v, i) => (result.BaseOffset + i, v)));
                if (result.Attempts > 1)
                    _timeline.Note($"producer: a batch to {p.Partition} was acknowledged at offset {result.BaseOffset} by leader epoch {result.LeaderEpoch} " +
                                   $"after {result.Attempts} attempts (retried until the partition's leader took it)");
            }
            else
            {
                p.GivenUp++;
                _timeline.Note($"producer: a batch to {p.Partition} was not acknowledged within the delivery timeout ({ClientErrors.Name(result.Error)}: " +
                               $"{result.Message}); its records do not count as acknowledged");
            }
            try
            {
                await Task.Delay(_pause, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
            await _client.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>One partition's producing: its acknowledged records are read once its loop has ended; the counts as it goes.</summary>
    private sealed class PartitionTraffic(TopicPartition partition)
    {
        private readonly List<(long Offset, string Value)> _acknowledged = new();
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public TopicPartition Partition => partition;
        public IReadOnlyList<(long Offset, string Value)> Acknowledged => _acknowledged;
        public int AcknowledgedCount => Volatile.Read(ref _count);

        /// <summary>Completes when the next batch from now on is acknowledged.</summary>
        public Task NextAcknowledgement => Volatile.Read(ref _next).Task;

        public int Batches { get; set; }
        public long Retried { get; set; }
        public int GivenUp { get; set; }
        public int InFlightAtStop { get; set; }

        public void OnAcknowledged(IEnumerable<(long Offset, string Value)> records)
        {
            _acknowledged.AddRange(records);
            Volatile.Write(ref _count, _acknowledged.Count);
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
