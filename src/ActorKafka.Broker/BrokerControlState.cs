using ActorKafka.Metadata;

namespace ActorKafka.Broker;

/// <summary>A replica this broker hosts, as the last accepted LeaderAndIsr described it.</summary>
public sealed record ReplicaView(TopicPartition Partition, bool IsLeader, int Leader, int LeaderEpoch, int[] Isr, int[] Replicas,
    int PartitionEpoch, int ControllerEpoch);

/// <summary>
/// The broker's control-plane state and Kafka's fencing rules, as a pure core: the controller
/// epoch it has seen, its own epoch, the replicas it hosts with their leader epochs, and the
/// metadata cache. A request from a lower controller epoch, for another incarnation of this
/// broker, or (per partition) with a leader epoch that is not newer, changes nothing.
/// </summary>
public sealed class BrokerControlState(int brokerId)
{
    private readonly Dictionary<TopicPartition, ReplicaView> _replicas = new();
    private readonly Dictionary<TopicPartition, PartitionStateInfo> _metadata = new();
    private readonly Dictionary<int, BrokerInfo> _liveBrokers = new();

    public int BrokerId { get; } = brokerId;
    public long BrokerEpoch { get; set; } = -1;
    public int ControllerEpoch { get; private set; } = -1;
    public int ControllerId { get; private set; } = -1;
    public IReadOnlyDictionary<TopicPartition, ReplicaView> Replicas => _replicas;
    public IReadOnlyDictionary<TopicPartition, PartitionStateInfo> MetadataCache => _metadata;
    public IReadOnlyDictionary<int, BrokerInfo> LiveBrokers => _liveBrokers;

    public sealed record Outcome<TResponse>(TResponse Response, IReadOnlyList<BrokerEvent> Events);

    public Outcome<LeaderAndIsrResponse> Handle(LeaderAndIsrRequest request)
    {
        var events = new List<BrokerEvent>();
        if (Fenced(request.ControllerEpoch, request.BrokerEpoch, nameof(LeaderAndIsrRequest), events) is { } error)
            return new(new LeaderAndIsrResponse(BrokerId, ControllerEpoch, error, Array.Empty<PartitionError>()), events);
        Accept(request.ControllerId, request.ControllerEpoch);

        var errors = new List<PartitionError>();
        var applied = 0;
        foreach (var state in request.PartitionStates)
        {
            var tp = state.TopicPartition;
            if (!state.Replicas.Contains(BrokerId))
            {
                errors.Add(new PartitionError(state.Topic, state.Partition, ControlError.UnknownTopicOrPartition));
                continue;
            }
            if (_replicas.TryGetValue(tp, out var current) && state.LeaderEpoch <= current.LeaderEpoch)
            {
                // Kafka answers a leader epoch that is not newer with STALE_CONTROLLER_EPOCH for that partition.
                // The same epoch again (a new controller re-sending what we already hold) is no event.
                errors.Add(new PartitionError(state.Topic, state.Partition, ControlError.StaleControllerEpoch));
                if (state.LeaderEpoch < current.LeaderEpoch)
                    events.Add(new StaleEpochRejected(BrokerId, StaleEpochKind.Leader, state.LeaderEpoch, current.LeaderEpoch,
                        nameof(LeaderAndIsrRequest), tp));
                continue;
            }
            var view = new ReplicaView(tp, state.Leader == BrokerId, state.Leader, state.LeaderEpoch, state.Isr, state.Replicas,
                state.PartitionEpoch, state.ControllerEpoch);
            _replicas[tp] = view;
            applied++;
            events.Add(new ReplicaRoleChanged(BrokerId, tp, view.IsLeader, view.Leader, view.LeaderEpoch, view.Isr));
        }
        events.Insert(0, new ControlRequestApplied(BrokerId, nameof(LeaderAndIsrRequest), request.ControllerId, request.ControllerEpoch, applied));
        return new(new LeaderAndIsrResponse(BrokerId, ControllerEpoch, ControlError.None, errors.ToArray()), events);
    }

    public Outcome<UpdateMetadataResponse> Handle(UpdateMetadataRequest request)
    {
        var events = new List<BrokerEvent>();
        if (Fenced(request.ControllerEpoch, request.BrokerEpoch, nameof(UpdateMetadataRequest), events) is { } error)
            return new(new UpdateMetadataResponse(BrokerId, ControllerEpoch, error), events);
        Accept(request.ControllerId, request.ControllerEpoch);
        _liveBrokers.Clear();
        foreach (var broker in request.LiveBrokers) _liveBrokers[broker.BrokerId] = broker;
        foreach (var state in request.PartitionStates) _metadata[state.TopicPartition] = state;
        events.Add(new ControlRequestApplied(BrokerId, nameof(UpdateMetadataRequest), request.ControllerId, request.ControllerEpoch,
            request.PartitionStates.Length));
        return new(new UpdateMetadataResponse(BrokerId, ControllerEpoch, ControlError.None), events);
    }

    public Outcome<StopReplicaResponse> Handle(StopReplicaRequest request)
    {
        var events = new List<BrokerEvent>();
        if (Fenced(request.ControllerEpoch, request.BrokerEpoch, nameof(StopReplicaRequest), events) is { } error)
            return new(new StopReplicaResponse(BrokerId, ControllerEpoch, error), events);
        Accept(request.ControllerId, request.ControllerEpoch);
        foreach (var tp in request.Partitions)
        {
            if (!_replicas.TryGetValue(tp, out var view)) continue;
            if (request.DeletePartitions) _replicas.Remove(tp);
            // A stopped replica stops fetching but keeps its log; it no longer leads.
            else _replicas[tp] = view with { IsLeader = false, Leader = view.Leader == BrokerId ? LeaderAndIsr.NoLeader : view.Leader };
        }
        events.Add(new ControlRequestApplied(BrokerId, nameof(StopReplicaRequest), request.ControllerId, request.ControllerEpoch, request.Partitions.Length));
        return new(new StopReplicaResponse(BrokerId, ControllerEpoch, ControlError.None), events);
    }

    /// <summary>Partitions this broker currently leads.</summary>
    public IEnumerable<TopicPartition> LeaderPartitions() => _replicas.Values.Where(r => r.IsLeader).Select(r => r.Partition);

    private ControlError? Fenced(int controllerEpoch, long brokerEpoch, string request, List<BrokerEvent> events)
    {
        if (controllerEpoch < ControllerEpoch)
        {
            events.Add(new StaleEpochRejected(BrokerId, StaleEpochKind.Controller, controllerEpoch, ControllerEpoch, request));
            return ControlError.StaleControllerEpoch;
        }
        // -1: the sender does not know our epoch (Kafka's old request versions); anything lower is another incarnation of us.
        if (brokerEpoch != -1 && brokerEpoch < BrokerEpoch)
        {
            events.Add(new StaleEpochRejected(BrokerId, StaleEpochKind.Broker, brokerEpoch, BrokerEpoch, request));
            return ControlError.StaleBrokerEpoch;
        }
        return null;
    }

    private void Accept(int controllerId, int controllerEpoch)
    {
        ControllerEpoch = controllerEpoch;
        ControllerId = controllerId;
    }
}
