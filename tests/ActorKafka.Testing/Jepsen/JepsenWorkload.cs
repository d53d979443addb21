using System.Collections.Concurrent;
using System.Text;
using ActorKafka.Broker;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Configuration;
using ProduceResult = ActorKafka.Broker.Clients.ProduceResult;

namespace ActorKafka.Testing.Jepsen;

/// <summary>An acknowledged record: where the leader said it is, and what it holds.</summary>
public sealed record Acknowledged(TopicPartition Partition, long Offset, string Value, int LeaderEpoch);

/// <summary>
/// The client side of a run: one acks=all producer loop per partition, each sending numbered
/// records in small batches one after another (a short pacing pause between batches) and
/// recording every acknowledgement with its offset. Failed batches are counted, not recorded:
/// they may or may not be in the log, and the checks only hold the cluster to what it acknowledged.
/// </summary>
public sealed class JepsenWorkload
{
    public const int RecordsPerBatch = 3;

    private readonly KafkaProducer _producer;
    private readonly IReadOnlyList<TopicPartition> _partitions;
    private readonly TimeSpan _pacing;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Acknowledged> _acknowledged = new();
    private readonly ConcurrentDictionary<TopicPartition, int> _failed = new();
    private readonly ConcurrentDictionary<TopicPartition, string> _lastError = new();
    private Task[] _loops = [];

    public JepsenWorkload(ActorSystem client, KafkaClientSettings settings, IReadOnlyList<TopicPartition> partitions, TimeSpan pacing)
    {
        _producer = new KafkaProducer(client, settings);
        _partitions = partitions;
        _pacing = pacing;
    }

    public IReadOnlyList<Acknowledged> Acknowledgements => _acknowledged.ToArray();

    public int AcknowledgedCount => _acknowledged.Count;

    public int AcknowledgedOn(TopicPartition tp) => _acknowledged.Count(a => a.Partition == tp);

    public void Start() => _loops = _partitions.Select(tp => Task.Run(() => ProduceLoopAsync(tp))).ToArray();

    /// <summary>Stops every loop (an unanswered produce is abandoned, unacknowledged) and waits for them, bounded.</summary>
    public async Task StopAsync(TimeSpan bound)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(bound);
    }

    public string Summary() => string.Join(", ", _partitions.Select(tp =>
        $"{tp}: {AcknowledgedOn(tp)} acknowledged, {_failed.GetValueOrDefault(tp)} failed batches" +
        (_lastError.TryGetValue(tp, out var e) ? $" (last failure: {e})" : "")));

    private async Task ProduceLoopAsync(TopicPartition tp)
    {
        var cancel = _stop.Token;
        var sequence = 0;
        while (!cancel.IsCancellationRequested)
        {
            var values = Enumerable.Range(sequence, RecordsPerBatch).Select(n => $"{tp}#{n}").ToArray();
            sequence += RecordsPerBatch;
            ProduceResult result;
            try
            {
                result = await _producer.ProduceAsync(tp, values.Select(v => new ProducerRecord(null, Encoding.UTF8.GetBytes(v), 0)).ToArray(), Acks.All, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (result.Succeeded)
            {
                for (var i = 0; i < values.Length; i++) _acknowledged.Enqueue(new Acknowledged(tp, result.BaseOffset + i, values[i], result.LeaderEpoch));
            }
            else
            {
                _failed.AddOrUpdate(tp, 1, (_, n) => n + 1);
                _lastError[tp] = $"{result.Error} {result.Message}";
            }
            try
            {
                // Pacing of the workload, not a wait for anything.
                await Task.Delay(_pacing, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Short client timings: a dead leader costs a second and a half, a batch gives up after a few.</summary>
    public static KafkaClientSettings ClientSettings(IReadOnlyList<string> bootstrap) =>
        KafkaClientSettings.From(ConfigurationFactory.ParseString("""
            actorkafka.client.delivery-timeout = 4s
            actorkafka.client.request-timeout = 500ms
            actorkafka.client.produce-timeout = 1s
            actorkafka.client.retry-backoff = 50ms
            actorkafka.client.retry-backoff-max = 400ms
            actorkafka.client.fetch-max-wait = 100ms
            """), bootstrap);

    public static ActorSystem ClientSystem() => ActorSystem.Create("jepsen-client", ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, maximum-frame-size = 2MiB }
            akka.loglevel = ERROR
            akka.stdout-loglevel = ERROR
            """).WithFallback(BrokerSettings.Defaults).WithFallback(Metadata.Serialization.MetadataConfig.Defaults));
}
