using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Broker.Clients;

/// <summary>A record as a consumer sees it: where it sits in its partition, and what the producer sent.</summary>
public sealed record ConsumedRecord(TopicPartition Partition, long Offset, int LeaderEpoch, ProducerRecord Record);

/// <summary>One fetch: records from the requested offset (only below the high watermark) and where the next fetch starts.</summary>
public sealed record FetchResult(TopicPartition Partition, ControlError Error, IReadOnlyList<ConsumedRecord> Records, long NextOffset,
    long HighWatermark, long LogStartOffset);

/// <summary>
/// A typed consumer: fetches from the partition's leader and never sees a record above the high
/// watermark (those may still be lost). Leader changes are followed as the producer does.
/// </summary>
public sealed class KafkaConsumer(ClientMetadata metadata, KafkaClientSettings settings)
{
    private long _correlation;

    public KafkaConsumer(ActorSystem system, KafkaClientSettings settings) : this(new ClientMetadata(system, settings), settings)
    {
    }

    public ClientMetadata Metadata => metadata;

    /// <summary>The partitions of a topic as the cluster knows them (empty when the topic does not exist).</summary>
    public async Task<IReadOnlyList<TopicPartition>> PartitionsAsync(string topic, CancellationToken cancel = default)
    {
        await metadata.RefreshAsync([topic], cancel).ConfigureAwait(false);
        return metadata.PartitionsOf(topic);
    }

    public async Task<FetchResult> FetchAsync(TopicPartition tp, long offset, CancellationToken cancel = default)
    {
        var result = await WithLeaderAsync(tp, async (leader, epoch) =>
        {
            var request = new FetchRecordsRequest(Interlocked.Increment(ref _correlation), FetchRecordsRequest.ConsumerReplicaId, -1, tp, offset, -1, epoch,
                settings.FetchMaxBytes, settings.FetchMaxWaitMs);
            var response = await leader.Ask<FetchRecordsResponse>(request, settings.RequestTimeout + TimeSpan.FromMilliseconds(settings.FetchMaxWaitMs), cancel)
                .ConfigureAwait(false);
            return (response.Error, response);
        }, cancel).ConfigureAwait(false);
        if (result.Response is not { } r) return new FetchResult(tp, result.Error, [], offset, -1, -1);
        var records = new List<ConsumedRecord>();
        foreach (var batch in r.Batches)
            for (var i = 0; i < batch.Records.Count; i++)
            {
                var at = batch.BaseOffset + i;
                if (at >= offset && at < r.HighWatermark) records.Add(new ConsumedRecord(tp, at, batch.LeaderEpoch, batch.Records[i]));
            }
        var next = records.Count > 0 ? records[^1].Offset + 1 : offset;
        return new FetchResult(tp, r.Error, records, next, r.HighWatermark, r.LogStartOffset);
    }

    /// <summary>Kafka's ListOffsets: the earliest offset, or the latest (the high watermark).</summary>
    public async Task<(ControlError Error, long Offset)> ListOffsetAsync(TopicPartition tp, long timestamp, CancellationToken cancel = default)
    {
        var result = await WithLeaderAsync(tp, async (leader, epoch) =>
        {
            var response = await leader.Ask<ListOffsetsResponse>(new ListOffsetsRequest(Interlocked.Increment(ref _correlation), tp, timestamp, epoch),
                settings.RequestTimeout, cancel).ConfigureAwait(false);
            return (response.Error, response);
        }, cancel).ConfigureAwait(false);
        return (result.Error, result.Response?.Offset ?? -1);
    }

    /// <summary>Every record from <paramref name="from"/> up to the high watermark as it stands when the read reaches it.</summary>
    public async Task<IReadOnlyList<ConsumedRecord>> ReadToEndAsync(TopicPartition tp, long from = 0, CancellationToken cancel = default)
    {
        var all = new List<ConsumedRecord>();
        var offset = from;
        while (true)
        {
            var fetch = await FetchAsync(tp, offset, cancel).ConfigureAwait(false);
            if (fetch.Error != ControlError.None) throw new InvalidOperationException($"reading {tp} at offset {offset} failed: {fetch.Error}");
            all.AddRange(fetch.Records);
            offset = fetch.NextOffset;
            if (offset >= fetch.HighWatermark) return all;
        }
    }

    private async Task<(ControlError Error, T? Response)> WithLeaderAsync<T>(TopicPartition tp, Func<ICanTell, int, Task<(ControlError, T)>> call,
        CancellationToken cancel) where T : class
    {
        var deadline = DateTime.UtcNow + settings.DeliveryTimeout;
        var backoff = new Backoff(settings.RetryBackoff, settings.RetryBackoffMax);
        var last = ControlError.RequestTimedOut;
        while (DateTime.UtcNow < deadline)
        {
            if (metadata.Leader(tp) is null) await metadata.RefreshAsync([tp.Topic], cancel).ConfigureAwait(false);
            if (metadata.Leader(tp) is { } leader)
            {
                try
                {
                    var (error, response) = await call(leader.ReplicaManager, leader.LeaderEpoch).ConfigureAwait(false);
                    if (error == ControlError.None || !KafkaProducer.Retriable(error)) return (error, response);
                    last = error;
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException && !cancel.IsCancellationRequested)
                {
                    last = ControlError.RequestTimedOut;
                }
                catch (AskTimeoutException) when (cancel.IsCancellationRequested)
                {
                    // Cancelled while the ask was timing out: the caller stopped, which is not a timeout.
                    throw new OperationCanceledException(cancel);
                }
            }
            await Task.Delay(backoff.Next(), cancel).ConfigureAwait(false);
            await metadata.RefreshAsync([tp.Topic], cancel).ConfigureAwait(false);
        }
        return (last, null);
    }
}
