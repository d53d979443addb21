using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;
using ActorKafka.Raft;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller.Kraft;

/// <summary>The log side: replaying committed batches, becoming active, appending, answering at commit.</summary>
public sealed partial class QuorumController
{
    /// <summary>Responses waiting for the offset they depend on to commit, in offset order.</summary>
    private readonly Queue<(long Offset, Action Reply, Action<string> Fail)> _pending = new();

    /// <summary>Proposal request id -> the offset it was required to land at.</summary>
    private readonly Dictionary<long, long> _inFlight = new();

    private long _nextRequestId;

    private void OnCommitted(CommittedBatch batch)
    {
        var loaded = _committed.ApplyBatch(batch.Offset, batch.Epoch, batch.Type == EntryType.LeaderChange, batch.Records);
        foreach (var problem in loaded.Problems) _log.Warning("Metadata replay at offset {0}: {1}", batch.Offset, problem);
        if (_core.IsActive) PublishCommitted(loaded.Records);
        MaybeActivate();
        ReleaseCommitted();
        NotifyMetadataSubscribers();
    }

    private void OnLoadSnapshot(LoadSnapshot load)
    {
        var error = _committed.LoadSnapshot(load.Snapshot.Data);
        if (error is not null)
        {
            _log.Error("Metadata snapshot {0} is unreadable ({1}); keeping the image at offset {2}", load.Snapshot.Id, error, _committed.Image.Offset);
            return;
        }
        // A snapshot replaces history, so an active controller's uncommitted view no longer stands on anything.
        if (_core.IsActive) Renounce("a snapshot replaced the committed image");
        NotifyMetadataSubscribers();
    }

    /// <summary>
    /// Active once this node's voter leads the epoch and that epoch's LeaderChange record, naming
    /// this node, is in the committed image: everything before it is then in the image too.
    /// </summary>
    private void MaybeActivate()
    {
        if (_core.IsActive || _view is not { IsLocalLeader: true } view) return;
        if (_committed.Image.Leader is not { } leader || leader.LeaderId != _settings.NodeId || leader.Epoch != view.Epoch) return;
        _core.Activate(_committed.Image, view.Epoch, Now);
        _log.Info("Quorum controller {0} is active in epoch {1} from its image at offset {2} ({3} brokers, {4} partitions)",
            _settings.NodeId, view.Epoch, _committed.Image.Offset, _committed.Image.Cluster.Brokers.Count, _committed.Image.Topics.PartitionCount());
        Context.System.EventStream.Publish(new ControllerElected(_settings.NodeId, view.Epoch));
        AppendActivationRecords();
    }

    private void Renounce(string reason)
    {
        var epoch = _core.Epoch;
        _core.Deactivate(_committed.Image);
        _inFlight.Clear();
        while (_pending.Count > 0) _pending.Dequeue().Fail(reason);
        _log.Warning("Quorum controller {0} renounced epoch {1}: {2}", _settings.NodeId, epoch, reason);
        Context.System.EventStream.Publish(new ControllerResigned(_settings.NodeId, epoch, reason));
    }

    /// <summary>
    /// Appends the result's batches at the offsets the core applied them at, then answers once the
    /// last of them commits. A result without records still waits for the offset its answer was
    /// computed at, so no caller ever hears of state that might yet be lost.
    /// </summary>
    private void Append<T>(ControllerResult<T> result, Action<T> reply, Action<string> fail)
    {
        var batches = result.Batches;
        var firstOffset = _core.Image.Offset - batches.Count + 1;
        for (var i = 0; i < batches.Count; i++)
        {
            var requestId = ++_nextRequestId;
            var offset = firstOffset + i;
            _inFlight[requestId] = offset;
            _voter.Tell(new Propose(requestId, batches[i].Select(RecordCodec.Encode).ToArray(), _core.Epoch, offset));
        }
        var dependsOn = _core.Image.Offset;
        if (dependsOn <= _committed.Image.Offset) reply(result.Response);
        else _pending.Enqueue((dependsOn, () => reply(result.Response), fail));
    }

    private void ReleaseCommitted()
    {
        while (_pending.Count > 0 && _pending.Peek().Offset <= _committed.Image.Offset) _pending.Dequeue().Reply();
    }

    private void OnProposalRejected(ProposalRejected r)
    {
        if (!_inFlight.Remove(r.RequestId, out var offset) || !_core.IsActive) return;
        Renounce($"the append at offset {offset} was refused ({r.Error}: {r.Reason})");
        NotifyMetadataSubscribers();
    }

    /// <summary>What happened, for the event stream: the active controller reports each committed change once.</summary>
    private void PublishCommitted(IReadOnlyList<MetadataRecord> records)
    {
        var events = Context.System.EventStream;
        foreach (var record in records)
        {
            switch (record)
            {
                case RegisterBrokerRecord r:
                    events.Publish(new BrokerJoined(_settings.NodeId, r.BrokerId, r.BrokerEpoch));
                    break;
                case FenceBrokerRecord r:
                    events.Publish(new BrokerLost(_settings.NodeId, r.Id));
                    break;
                case PartitionRecord r when r.Leader != PartitionChangeRecord.NoLeader:
                    if (_committed.Image.Topics.Topic(r.TopicId) is { } created)
                        events.Publish(new LeaderElected(_settings.NodeId, new TopicPartition(created.Name, r.PartitionId), r.Leader, r.LeaderEpoch,
                            r.Isr.ToArray(), false));
                    break;
                case PartitionChangeRecord { Leader: not PartitionChangeRecord.NoLeaderChange } r:
                    if (_committed.Image.Topics.Topic(r.TopicId) is { } topic && topic.Partition(r.PartitionId) is { } p)
                    {
                        var tp = new TopicPartition(topic.Name, r.PartitionId);
                        if (p.HasLeader) events.Publish(new LeaderElected(_settings.NodeId, tp, p.Leader, p.LeaderEpoch, p.Isr.ToArray(), false));
                        else events.Publish(new PartitionOffline(_settings.NodeId, tp));
                    }
                    break;
            }
        }
    }
}
