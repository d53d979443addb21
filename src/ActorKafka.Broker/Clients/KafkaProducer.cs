using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Broker.Clients;

/// <summary>The outcome of a produce: the first record's offset and the leader epoch that accepted it, or the error that ended the retries.</summary>
public sealed record ProduceResult(TopicPartition Partition, ControlError Error, long BaseOffset, int LeaderEpoch, int Attempts, string Message = "")
{
    public bool Succeeded => Error == ControlError.None;
}

/// <summary>
/// A typed producer for async code and actors (PipeTo its tasks). It sends each batch to the
/// partition's leader and follows leader changes transparently: on an error that means "ask
/// someone else" it refreshes metadata and retries with a bounded exponential backoff until the
/// delivery timeout. Like Kafka's producer without idempotence, a retry after a lost answer may
/// write a batch twice; it never reports success for a batch the leader did not acknowledge.
/// </summary>
public sealed class KafkaProducer(ClientMetadata metadata, KafkaClientSettings settings)
{
    private long _correlation;

    public KafkaProducer(ActorSystem system, KafkaClientSettings settings) : this(new ClientMetadata(system, settings), settings)
    {
    }

    public ClientMetadata Metadata => metadata;

    public async Task<ProduceResult> ProduceAsync(TopicPartition tp, IReadOnlyList<ProducerRecord> records, Acks acks = Acks.All,
        CancellationToken cancel = default)
    {
        var deadline = DateTime.UtcNow + settings.DeliveryTimeout;
        var backoff = new Backoff(settings.RetryBackoff, settings.RetryBackoffMax);
        var attempts = 0;
        var last = (Error: ControlError.RequestTimedOut, Message: "no attempt finished");
        while (DateTime.UtcNow < deadline)
        {
            attempts++;
            var leader = metadata.Leader(tp);
            if (leader is null)
            {
                await metadata.RefreshAsync([tp.Topic], cancel).ConfigureAwait(false);
                leader = metadata.Leader(tp);
            }
            if (acks == Acks.None && leader is { } target)
            {
                // acks=0: the leader answers nothing, so neither is anything waited for (Kafka's fire and forget).
                target.ReplicaManager.Tell(new ProduceRequest(Interlocked.Increment(ref _correlation), tp, acks, settings.ProduceTimeoutMs,
                    target.LeaderEpoch, records), ActorRefs.NoSender);
                return new ProduceResult(tp, ControlError.None, -1, target.LeaderEpoch, attempts, "acks=0: sent, not acknowledged");
            }
            if (leader is { } l)
            {
                try
                {
                    var request = new ProduceRequest(Interlocked.Increment(ref _correlation), tp, acks, settings.ProduceTimeoutMs, l.LeaderEpoch, records);
                    // One attempt never outlives the delivery timeout: a dead leader costs a timeout, not the whole budget.
                    var remaining = deadline - DateTime.UtcNow;
                    var timeout = TimeSpan.FromTicks(Math.Max(1, Math.Min((settings.RequestTimeout + TimeSpan.FromMilliseconds(settings.ProduceTimeoutMs)).Ticks,
                        remaining.Ticks)));
                    var response = await l.ReplicaManager.Ask<ProduceResponse>(request, timeout, cancel).ConfigureAwait(false);
                    if (response.Error == ControlError.None) return new ProduceResult(tp, ControlError.None, response.BaseOffset, response.LeaderEpoch, attempts);
                    last = (response.Error, response.Message);
                    if (!Retriable(response.Error)) return new ProduceResult(tp, response.Error, -1, response.LeaderEpoch, attempts, response.Message);
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException && !cancel.IsCancellationRequested)
                {
                    last = (ControlError.RequestTimedOut, $"leader {l.LeaderId} did not answer");
                }
                catch (AskTimeoutException) when (cancel.IsCancellationRequested)
                {
                    // Cancelled while the ask was timing out: the caller stopped, which is not a timeout.
                    throw new OperationCanceledException(cancel);
                }
            }
            else last = (ControlError.NotLeaderOrFollower, $"no leader known for {tp}");
            await Task.Delay(backoff.Next(), cancel).ConfigureAwait(false);
            await metadata.RefreshAsync([tp.Topic], cancel).ConfigureAwait(false);
        }
        return new ProduceResult(tp, last.Error, -1, -1, attempts, $"gave up after {settings.DeliveryTimeout}: {last.Message}");
    }

    /// <summary>Errors that a new leader, a refreshed view or a little patience can cure (Kafka's RetriableException family).</summary>
    public static bool Retriable(ControlError error) => error is ControlError.NotLeaderOrFollower or ControlError.FencedLeaderEpoch
        or ControlError.UnknownLeaderEpoch or ControlError.NotEnoughReplicas or ControlError.NotEnoughReplicasAfterAppend
        or ControlError.RequestTimedOut or ControlError.UnknownTopicOrPartition or ControlError.BrokerNotAvailable;
}

/// <summary>Exponential backoff between retries, capped (Kafka's retry.backoff.ms doubling to retry.backoff.max.ms).</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private TimeSpan _next = initial;

    public TimeSpan Next()
    {
        var current = _next;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, _next.Ticks * 2));
        return current;
    }
}
