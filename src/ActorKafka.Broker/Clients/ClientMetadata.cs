using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Broker.Clients;

/// <summary>
/// A client's view of who leads what (Kafka's client Metadata): asked from any broker, refreshed
/// after any error that means the view is stale. Thread-safe: producers and consumers share one.
/// </summary>
public sealed class ClientMetadata(ActorSystem system, KafkaClientSettings settings)
{
    private readonly object _gate = new();
    private Dictionary<int, string> _brokers = new();
    private Dictionary<TopicPartition, PartitionMetadata> _partitions = new();
    private long _correlation;
    private int _bootstrapCursor;

    public ActorSystem System => system;

    /// <summary>The partition's leader and its replica manager, or null when unknown or leaderless.</summary>
    public (int LeaderId, int LeaderEpoch, ICanTell ReplicaManager)? Leader(TopicPartition tp)
    {
        lock (_gate)
        {
            if (!_partitions.TryGetValue(tp, out var p) || p.Leader < 0 || !_brokers.TryGetValue(p.Leader, out var address)) return null;
            return (p.Leader, p.LeaderEpoch, system.ActorSelection(ActorNames.ReplicaManagerPath(address)));
        }
    }

    public IReadOnlyList<TopicPartition> PartitionsOf(string topic)
    {
        lock (_gate) return _partitions.Keys.Where(p => p.Topic == topic).OrderBy(p => p.Partition).ToArray();
    }

    /// <summary>Asks the bootstrap brokers in turn (then known brokers) until one answers; false when none did.</summary>
    public async Task<bool> RefreshAsync(IReadOnlyCollection<string> topics, CancellationToken cancel)
    {
        var candidates = Candidates();
        foreach (var address in candidates)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                var request = new ClientMetadataRequest(Interlocked.Increment(ref _correlation), topics.ToArray());
                var response = await system.ActorSelection(ActorNames.BrokerPath(address))
                    .Ask<ClientMetadataResponse>(request, settings.RequestTimeout, cancel).ConfigureAwait(false);
                lock (_gate)
                {
                    _brokers = response.Brokers.ToDictionary(b => b.BrokerId, b => b.ActorAddress);
                    var partitions = new Dictionary<TopicPartition, PartitionMetadata>(_partitions);
                    foreach (var p in response.Partitions) partitions[p.Partition] = p;
                    _partitions = partitions;
                }
                return true;
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
            }
            catch (AskTimeoutException) when (cancel.IsCancellationRequested)
            {
                // Cancelled while the ask was timing out: the caller stopped, which is not a timeout.
                throw new OperationCanceledException(cancel);
            }
        }
        return false;
    }

    private List<string> Candidates()
    {
        lock (_gate)
        {
            // Start at a different bootstrap broker each time, so a dead first one costs one timeout, not one per refresh.
            var start = _bootstrapCursor++;
            var bootstrap = settings.BootstrapBrokers;
            var ordered = Enumerable.Range(0, bootstrap.Count).Select(i => bootstrap[(start + i) % bootstrap.Count]).ToList();
            ordered.AddRange(_brokers.Values.Where(a => !ordered.Contains(a)));
            return ordered;
        }
    }
}
