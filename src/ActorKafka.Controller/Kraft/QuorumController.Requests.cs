using ActorKafka.Metadata;
using ActorKafka.Raft;
using Akka.Actor;

namespace ActorKafka.Controller.Kraft;

/// <summary>The request side: standbys redirect, the active controller decides through its core.</summary>
public sealed partial class QuorumController
{
    private void OnRequest(IQuorumControllerRequest request)
    {
        var replyTo = Sender;
        if (!_core.IsActive)
        {
            replyTo.Tell(NotController(request));
            return;
        }
        var now = Now;
        switch (request)
        {
            case BrokerRegistrationRequest r:
                Append(_core.RegisterBroker(r, now), response => replyTo.Tell(response), _ => replyTo.Tell(NotController(r)));
                break;
            case BrokerHeartbeatRequest r:
                Append(_core.Heartbeat(r, now), response => replyTo.Tell(response), _ => replyTo.Tell(NotController(r)));
                break;
            case CreateTopicsRequest r:
                Append(_core.CreateTopics(r), response => replyTo.Tell(response), _ => replyTo.Tell(NotController(r)));
                break;
            case AlterPartitionRequest r:
                Append(_core.AlterPartition(r), response => replyTo.Tell(response), _ => replyTo.Tell(NotController(r)));
                break;
            case ElectLeadersRequest r:
                Append(_core.ElectLeaders(r), response => replyTo.Tell(response), _ => replyTo.Tell(NotController(r)));
                break;
            case DescribeQuorumRequest r:
                DescribeQuorum(r, replyTo);
                break;
            case DescribeClusterRequest r:
                replyTo.Tell(DescribeCluster(r));
                break;
        }
    }

    private IQuorumControllerResponse NotController(IQuorumControllerRequest request)
    {
        var (id, epoch, leader) = (request.CorrelationId, KnownEpoch, KnownLeader == _settings.NodeId ? -1 : KnownLeader);
        const ControlError e = ControlError.NotController;
        return request switch
        {
            BrokerRegistrationRequest => new BrokerRegistrationResponse(id, e, -1, leader, epoch, "this controller is not active"),
            BrokerHeartbeatRequest => new BrokerHeartbeatResponse(id, e, false, true, false, leader, epoch),
            CreateTopicsRequest => new CreateTopicsResponse(id, e, [], leader, epoch),
            AlterPartitionRequest => new AlterPartitionResponse(id, e, [], leader, epoch),
            ElectLeadersRequest => new ElectLeadersResponse(id, e, [], leader, epoch),
            DescribeQuorumRequest => new DescribeQuorumResponse(id, e, leader, epoch, -1, [], [], leader, epoch),
            DescribeClusterRequest => new DescribeClusterResponse(id, e, -1, [], 0, 0, [], leader, epoch),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.GetType().Name),
        };
    }

    private void DescribeQuorum(DescribeQuorumRequest r, IActorRef replyTo)
    {
        var (controllerId, epoch) = (_settings.NodeId, _core.Epoch);
        _voter.Ask<QuorumDescription>(Raft.DescribeQuorum.Instance, _settings.DescribeQuorumTimeout).ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully)
                return new DescribeQuorumResponse(r.CorrelationId, ControlError.RequestTimedOut, controllerId, epoch, -1, [], [], controllerId, epoch);
            var d = t.Result;
            QuorumReplicaState State(ReplicaProgress p) => new(p.ReplicaId, p.LogEndOffset, p.LastFetchAgoMs);
            return new DescribeQuorumResponse(r.CorrelationId, d.Role == RaftRole.Leader ? ControlError.None : ControlError.NotController,
                d.LeaderId ?? -1, d.Epoch, d.HighWatermark, d.Replicas.Where(p => p.IsVoter).Select(State).ToArray(),
                d.Replicas.Where(p => !p.IsVoter).Select(State).ToArray(), controllerId, epoch);
        }).PipeTo(replyTo);
    }

    private DescribeClusterResponse DescribeCluster(DescribeClusterRequest r)
    {
        var image = _committed.Image;
        var brokers = image.Cluster.Brokers.Values
            .Select(b => new BrokerState(b.Id, b.Epoch, b.Fenced, b.InControlledShutdown, b.ToBrokerInfo().ActorAddress, b.Rack)).ToArray();
        var partitions = r.MaxPartitions <= 0 ? [] : image.PartitionStates(_core.Epoch)
            .OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).Take(r.MaxPartitions).ToArray();
        return new DescribeClusterResponse(r.CorrelationId, ControlError.None, image.Offset, brokers, image.Topics.TopicsById.Count,
            image.Topics.PartitionCount(), partitions, _settings.NodeId, _core.Epoch);
    }
}
