using ActorKafka.Metadata;

namespace ActorKafka.Broker;

/// <summary>
/// A replica this broker hosts, as the last accepted LeaderAndIsr described it (in kraft mode: as
/// the metadata log does), or as this broker's own committed ISR change left it.
/// </summary>
public sealed record ReplicaView(TopicPartition Partition, bool IsLeader, int Leader, int LeaderEpoch, int[] Isr, int[] Replicas,
    int PartitionEpoch, int ControllerEpoch)
{
    /// <summary>
    /// Whether <paramref name="other"/> differs in what the replica manager acts on: leader, leader
    /// epoch, ISR, partition epoch or replicas (not the controller epoch alone).
    /// </summary>
    public bool StateDiffers(ReplicaView? other) =>
        other is null || other.Leader != Leader || other.LeaderEpoch != LeaderEpoch || other.PartitionEpoch != PartitionEpoch ||
        !other.Isr.AsSpan().SequenceEqual(Isr) || !other.Replicas.AsSpan().SequenceEqual(Replicas);

    /// <summary>
    /// Why this broker, holding this view, must not change the ISR as <paramref name="proposal"/> asks
    /// (the leader-side fencing both modes share), or null when it may: an older leader epoch is
    /// fenced, a newer one is unknown here, and only the leader of that epoch may propose; the new
    /// ISR must be a non-empty set of replicas that keeps the leader.
    /// </summary>
    public ControlError? RefuseIsrChange(ProposeIsrChange proposal)
    {
        if (proposal.LeaderEpoch < LeaderEpoch) return ControlError.FencedLeaderEpoch;
        if (proposal.LeaderEpoch > LeaderEpoch) return ControlError.UnknownLeaderEpoch;
        if (!IsLeader) return ControlError.NotLeaderOrFollower;
        var isr = proposal.NewIsr ?? [];
        if (isr.Length == 0 || isr.Distinct().Count() != isr.Length || !isr.All(Replicas.Contains) || !isr.Contains(Leader))
            return ControlError.InvalidRequest;
        return null;
    }
}

/// <summary>
/// The broker's control-plane state and Kafka's fencing rules, as a pure core: the controller
/// epoch it has seen, its own epoch, the replicas it hosts with their leader epochs, and the
/// metadata cache. A request from a lower controller epoch, for another incarnation of this
/// broker, or (per partition) with a leader epoch that is not newer, changes nothing. Every change
/// of a hosted replica's state is a <see cref="PartitionStateChanged"/> event, whether the
/// controller made it (LeaderAndIsr, StopReplica) or this broker, as leader, changed the ISR.
/// <para>
/// During a migration to KRaft (KIP-866) the controller may be a KRaft controller: it claimed the
/// store's /controller with a bumped controller epoch and says IsKRaftController. Its requests are
/// fenced exactly as a zk controller's, so once its higher epoch is seen a zombie zk controller is
/// refused; which kind of controller the current one is decides where ISR changes go.
/// </para>
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

    /// <summary>
    /// Whether the controller of the last accepted LeaderAndIsr or UpdateMetadata is a KRaft
    /// controller. StopReplica carries no such flag here; both kinds of controller send
    /// UpdateMetadata first when they take over, so the flag as last told stands.
    /// </summary>
    public bool ControllerIsKRaft { get; private set; }
    public IReadOnlyDictionary<TopicPartition, ReplicaView> Replicas => _replicas;
    public IReadOnlyDictionary<TopicPartition, PartitionStateInfo> MetadataCache => _metadata;
    public IReadOnlyDictionary<int, BrokerInfo> LiveBrokers => _liveBrokers;

    public sealed record Outcome<TResponse>(TResponse Response, IReadOnlyList<BrokerEvent> Events);

    public Outcome<LeaderAndIsrResponse> Handle(LeaderAndIsrRequest request)
    {
        var events = new List<BrokerEvent>();
        if (Fenced(request.ControllerEpoch, request.BrokerEpoch, nameof(LeaderAndIsrRequest), events) is { } error)
            return new(new LeaderAndIsrResponse(BrokerId, ControllerEpoch, error, Array.Empty<PartitionError>(), request.CorrelationId), events);
        Accept(request.ControllerId, request.ControllerEpoch, request.IsKRaftController);

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
            // A newer leader epoch always changes the state (the epoch itself at least).
            events.Add(new PartitionStateChanged(BrokerId, view));
        }
        events.Insert(0, new ControlRequestApplied(BrokerId, nameof(LeaderAndIsrRequest), request.ControllerId, request.ControllerEpoch, applied,
            request.IsKRaftController));
        return new(new LeaderAndIsrResponse(BrokerId, ControllerEpoch, ControlError.None, errors.ToArray(), request.CorrelationId), events);
    }

    public Outcome<UpdateMetadataResponse> Handle(UpdateMetadataRequest request)
    {
        var events = new List<BrokerEvent>();
        if (Fenced(request.ControllerEpoch, request.BrokerEpoch, nameof(UpdateMetadataRequest), events) is { } error)
            return new(new UpdateMetadataResponse(BrokerId, ControllerEpoch, error, request.CorrelationId), events);
        Accept(request.ControllerId, request.ControllerEpoch, request.IsKRaftController);
        _liveBrokers.Clear();
        foreach (var broker in request.LiveBrokers) _liveBrokers[broker.BrokerId] = broker;
        foreach (var state in request.PartitionStates) _metadata[state.TopicPartition] = state;
        events.Add(new ControlRequestApplied(BrokerId, nameof(UpdateMetadataRequest), request.ControllerId, request.ControllerEpoch,
            request.PartitionStates.Length, request.IsKRaftController));
        return new(new UpdateMetadataResponse(BrokerId, ControllerEpoch, ControlError.None, request.CorrelationId), events);
    }

    public Outcome<StopReplicaResponse> Handle(StopReplicaRequest request)
    {
        var events = new List<BrokerEvent>();
        if (Fenced(request.ControllerEpoch, request.BrokerEpoch, nameof(StopReplicaRequest), events) is { } error)
            return new(new StopReplicaResponse(BrokerId, ControllerEpoch, error, request.CorrelationId), events);
        Accept(request.ControllerId, request.ControllerEpoch, ControllerIsKRaft);
        foreach (var tp in request.Partitions)
        {
            if (!_replicas.TryGetValue(tp, out var view)) continue;
            if (request.DeletePartitions)
            {
                _replicas.Remove(tp);
                continue;
            }
            // A stopped replica stops fetching but keeps its log; it no longer leads.
            var stopped = view with { IsLeader = false, Leader = view.Leader == BrokerId ? LeaderAndIsr.NoLeader : view.Leader };
            _replicas[tp] = stopped;
            if (stopped.StateDiffers(view)) events.Add(new PartitionStateChanged(BrokerId, stopped));
        }
        events.Add(new ControlRequestApplied(BrokerId, nameof(StopReplicaRequest), request.ControllerId, request.ControllerEpoch, request.Partitions.Length,
            ControllerIsKRaft));
        return new(new StopReplicaResponse(BrokerId, ControllerEpoch, ControlError.None, request.CorrelationId), events);
    }

    /// <summary>
    /// Checks a proposal from the replica manager before anything is written: the partition must be
    /// hosted here, led by this broker in the proposal's leader epoch, and the proposal's partition
    /// epoch must be the one this broker knows (the version its conditional write will expect: a
    /// newer one would be a leadership this broker has not been told of yet). Returns the refusal
    /// (answered with the state as known) or null and the view to write from.
    /// </summary>
    public IsrChangeResult? RefuseIsrChange(ProposeIsrChange proposal, out ReplicaView? view)
    {
        if (!_replicas.TryGetValue(proposal.Partition, out view))
            return new IsrChangeResult(proposal.Partition, ControlError.NotLeaderOrFollower, -1, [], -1);
        var error = view.RefuseIsrChange(proposal)
                    ?? (proposal.PartitionEpoch != view.PartitionEpoch ? ControlError.InvalidUpdateVersion : null);
        return error is { } refused ? Known(view, refused) : null;
    }

    /// <summary>
    /// This broker's ISR change was written at <paramref name="partitionEpoch"/>: its view takes the
    /// new ISR and epoch, unless a newer leader epoch arrived meanwhile (then the write was already
    /// superseded by the controller's).
    /// </summary>
    public Outcome<IsrChangeResult> CommitIsrChange(ProposeIsrChange proposal, int partitionEpoch)
    {
        if (!_replicas.TryGetValue(proposal.Partition, out var view) || view.LeaderEpoch != proposal.LeaderEpoch)
            return new(view is null ? new IsrChangeResult(proposal.Partition, ControlError.NotLeaderOrFollower, -1, [], -1)
                : Known(view, ControlError.FencedLeaderEpoch), []);
        if (partitionEpoch < view.PartitionEpoch) return new(Known(view, ControlError.InvalidUpdateVersion), []);
        var committed = view with { Isr = proposal.NewIsr.ToArray(), PartitionEpoch = partitionEpoch };
        _replicas[proposal.Partition] = committed;
        IReadOnlyList<BrokerEvent> events = committed.StateDiffers(view) ? [new PartitionStateChanged(BrokerId, committed)] : [];
        return new(Known(committed, ControlError.None), events);
    }

    /// <summary>
    /// A KRaft controller committed this broker's ISR change (AlterPartition, during a migration):
    /// the view takes the ISR, partition epoch and leader epoch the controller answered (it may bump
    /// the leader epoch on a shrink), as Kafka's zk brokers apply the AlterPartition answer itself.
    /// Unless a LeaderAndIsr got here first: then the view stands, and the change counts as done
    /// only when that view is exactly the committed state.
    /// </summary>
    public Outcome<IsrChangeResult> CommitAlterPartition(ProposeIsrChange proposal, IsrChangeResult committed)
    {
        if (!_replicas.TryGetValue(proposal.Partition, out var view))
            return new(new IsrChangeResult(proposal.Partition, ControlError.NotLeaderOrFollower, -1, [], -1), []);
        if (view.LeaderEpoch != proposal.LeaderEpoch || view.PartitionEpoch >= committed.PartitionEpoch)
        {
            var same = view.LeaderEpoch == committed.LeaderEpoch && view.PartitionEpoch == committed.PartitionEpoch &&
                       view.Isr.AsSpan().SequenceEqual(committed.Isr);
            var error = same ? ControlError.None
                : view.LeaderEpoch != proposal.LeaderEpoch ? ControlError.FencedLeaderEpoch
                : ControlError.InvalidUpdateVersion;
            return new(Known(view, error), []);
        }
        var after = view with { LeaderEpoch = committed.LeaderEpoch, Isr = committed.Isr.ToArray(), PartitionEpoch = committed.PartitionEpoch };
        _replicas[proposal.Partition] = after;
        IReadOnlyList<BrokerEvent> events = after.StateDiffers(view) ? [new PartitionStateChanged(BrokerId, after)] : [];
        return new(Known(after, ControlError.None), events);
    }

    /// <summary>The answer to a proposal, with the partition's state as this broker knows it.</summary>
    public static IsrChangeResult Known(ReplicaView view, ControlError error) =>
        new(view.Partition, error, view.LeaderEpoch, view.Isr.ToArray(), view.PartitionEpoch);

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

    private void Accept(int controllerId, int controllerEpoch, bool isKRaftController)
    {
        ControllerEpoch = controllerEpoch;
        ControllerId = controllerId;
        ControllerIsKRaft = isKRaftController;
    }
}
