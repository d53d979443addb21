using System.Text;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Migration.Tests;

/// <summary>
/// An acks=all producer running through a migration: it keeps producing numbered batches until
/// stopped, keeping every acknowledged record and counting refused batches (a roll may refuse
/// some for a moment; only acknowledged ones must survive).
/// </summary>
public sealed class MigrationWorkload : IAsyncDisposable
{

    private readonly ActorSystem _client = TestClients.System();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long Offset, string Value)> _acknowledged = new();
    private readonly KafkaClientSettings _settings;
    private readonly TopicPartition _partition;
    private Task? _running;

    public MigrationWorkload(IEnumerable<ActorSystem> brokers, TopicPartition partition)
    {
        _settings = TestClients.Settings(brokers);
        _partition = partition;
    }

    public int Refused { get; private set; }

    public int AcknowledgedCount
    {
        get { lock (_acknowledged) return _acknowledged.Count; }
    }

    public void Start() => _running = Task.Run(RunAsync);

    /// <summary>Stops producing and answers every acknowledged record.</summary>
    public async Task<IReadOnlyList<(long Offset, string Value)>> StopAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null) await _running;
        lock (_acknowledged) return _acknowledged.ToArray();
    }

    public async Task<IReadOnlyList<ConsumedRecord>> ReadAllAsync() =>
        await new KafkaConsumer(_client, _settings).ReadToEndAsync(_partition);

    private async Task RunAsync()
    {
        var producer = new KafkaProducer(_client, _settings);
        // At most one batch per tick: a steady load like an application's, leaving the two cores to the cluster under test.
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        for (var batch = 0; !_stop.IsCancellationRequested && await Tick(pace); batch++)
        {
            var values = Enumerable.Range(0, 10).Select(i => $"m-{batch}-{i}").ToArray();
            var result = await producer.ProduceAsync(_partition, values.Select(v => new ProducerRecord(null, Encoding.UTF8.GetBytes(v), batch)).ToArray());
            if (!result.Succeeded)
            {
                Refused++;
                continue;
            }
            lock (_acknowledged)
                for (var i = 0; i < values.Length; i++) _acknowledged.Add((result.BaseOffset + i, values[i]));
        }
    }

    private async Task<bool> Tick(PeriodicTimer pace)
    {
        try
        {
            return await pace.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _client.Terminate();
    }
}
