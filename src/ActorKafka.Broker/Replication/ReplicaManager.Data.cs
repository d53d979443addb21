using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Broker.Replication;

/// <summary>The data paths: produce, fetch (with long polls), follower fetching, and the addresses of leaders.</summary>
public sealed partial class ReplicaManager
{
    /// <summary>Clients pick their own correlation ids; the core sees ours, so answers find their way back.</summary>
    private readonly Dictionary<long, (IActorRef ReplyTo, long CorrelationId)> _produces = new();

    private readonly Dictionary<TopicPartition, List<Parked>> _parked = new();
    private readonly Dictionary<TopicPartition, IsrChangeProposal> _pendingIsr = new();

    /// <summary>When each pending ISR change was sent: one unanswered for replica-lag-time-max is given up.</summary>
    private readonly Dictionary<TopicPartition, long> _pendingIsrSince = new();
    private Dictionary<int, string> _brokerAddresses = new();
    private bool _addressesRequested;
    private long _nextProduceId;

    private sealed record Parked(IActorRef ReplyTo, FetchRecordsRequest Request, long HighWatermark, long DeadlineMs);

    private void OnProduce(ProduceRequest r)
    {
        if (!_replicas.TryGetValue(r.Partition, out var replica))
        {
            if (r.Acks != Acks.None)
                Sender.Tell(new ProduceResponse(r.CorrelationId, r.Partition, ControlError.UnknownTopicOrPartition, -1, -1, -1,
                    $"broker {_settings.BrokerId} hosts no replica of {r.Partition}"));
            return;
        }
        var id = ++_nextProduceId;
        var result = replica.Produce(r with { CorrelationId = id }, Now);
        if (result.Wait == ProduceWait.None)
        {
            if (r.Acks != Acks.None && result.Response is { } answer) Sender.Tell(answer with { CorrelationId = r.CorrelationId });
        }
        else if (r.Acks != Acks.None) _produces[id] = (Sender, r.CorrelationId);
        AfterEvent(replica);
    }

    private void DeliverCompletions(PartitionReplica replica)
    {
        foreach (var completion in replica.TakeCompletions())
        {
            if (!_produces.Remove(completion.Response.CorrelationId, out var client)) continue;
            client.ReplyTo.Tell(completion.Response with { CorrelationId = client.CorrelationId }, Self);
        }
    }

    private void OnFetch(FetchRecordsRequest r, IActorRef replyTo)
    {
        if (!_replicas.TryGetValue(r.Partition, out var replica))
        {
            replyTo.Tell(new FetchRecordsResponse(r.CorrelationId, r.Partition, ControlError.UnknownTopicOrPartition, -1, -1, -1, -1, null, []));
            return;
        }
        var now = Now;
        var response = replica.HandleFetch(r, now);
        // Long poll: nothing to read yet and no news of the high watermark: hold it until either, or its wait is over.
        if (response.Error == ControlError.None && response.Batches.Count == 0 && response.Diverging is null && r.MaxWaitMs > 0)
        {
            if (!_parked.TryGetValue(r.Partition, out var parked)) _parked[r.Partition] = parked = new List<Parked>();
            parked.Add(new Parked(replyTo, r, response.HighWatermark, now + r.MaxWaitMs));
        }
        else replyTo.Tell(response, Self);
        AfterEvent(replica);
    }

    /// <summary>Answers every parked fetch of the replica that now has records, an error, or a new high watermark to tell.</summary>
    private void AnswerParked(PartitionReplica replica)
    {
        if (!_parked.TryGetValue(replica.Partition, out var parked) || parked.Count == 0) return;
        var readable = replica.Log.LogEndOffset;
        var hw = replica.HighWatermark;
        for (var i = 0; i < parked.Count; i++)
        {
            var p = parked[i];
            var consumer = p.Request.ReplicaId == FetchRecordsRequest.ConsumerReplicaId;
            var news = hw != p.HighWatermark || (consumer ? hw > p.Request.FetchOffset : readable > p.Request.FetchOffset) || replica.Role != ReplicaRole.Leader;
            if (!news) continue;
            parked.RemoveAt(i--);
            p.ReplyTo.Tell(replica.HandleFetch(p.Request, Now), Self);
        }
    }

    private void ExpireParked(long now)
    {
        foreach (var (tp, parked) in _parked)
        {
            for (var i = 0; i < parked.Count; i++)
            {
                var p = parked[i];
                if (p.DeadlineMs > now) continue;
                parked.RemoveAt(i--);
                if (_replicas.TryGetValue(tp, out var replica)) p.ReplyTo.Tell(replica.HandleFetch(p.Request, now), Self);
            }
        }
    }

    private void OnFetchResponse(FetchRecordsResponse r)
    {
        if (!_replicas.TryGetValue(r.Partition, out var replica)) return;
        replica.OnFetchResponse(r, Now);
        if (r.Error is ControlError.NotLeaderOrFollower or ControlError.UnknownTopicOrPartition) RequestAddresses();
        AfterEvent(replica);
    }

    /// <summary>A follower's next fetch goes to its leader's replica manager, once the leader's address is known.</summary>
    private void SendFetch(PartitionReplica replica)
    {
        if (replica.Role != ReplicaRole.Follower || replica.LeaderId < 0) return;
        if (!_brokerAddresses.TryGetValue(replica.LeaderId, out var address))
        {
            RequestAddresses();
            return;
        }
        if (replica.NextFetch(Now) is { } fetch)
            Context.ActorSelection(ActorNames.ReplicaManagerPath(address)).Tell(fetch, Self);
    }

    /// <summary>Its own broker knows every live broker's address (registrations in zk mode, the image in kraft mode).</summary>
    private void RequestAddresses()
    {
        if (_addressesRequested) return;
        _addressesRequested = true;
        _broker.Tell(new ClientMetadataRequest(0, []), Self);
        Timers.StartSingleTimer("addresses", AddressesTimeout.Instance, _settings.TickInterval * 10);
    }

    private void OnBrokerAddresses(ClientMetadataResponse r)
    {
        _addressesRequested = false;
        Timers.Cancel("addresses");
        var moved = r.Brokers.Where(b => _brokerAddresses.TryGetValue(b.BrokerId, out var old) && old != b.ActorAddress).Select(b => b.BrokerId).ToHashSet();
        _brokerAddresses = r.Brokers.ToDictionary(b => b.BrokerId, b => b.ActorAddress);
        foreach (var replica in _replicas.Values)
        {
            // A fetch in flight to a leader's old address will never be answered: give it up and fetch from the new one.
            if (moved.Contains(replica.LeaderId)) replica.AbandonFetch();
            SendFetch(replica);
        }
    }

    private sealed class AddressesTimeout
    {
        public static readonly AddressesTimeout Instance = new();
    }
}
