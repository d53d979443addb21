using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

// Broker lifecycle, after Kafka's ClusterControlManager and the heartbeat handling of
// ReplicationControlManager: registration, heartbeats (unfence, fence, controlled shutdown)
// and session expiry.
public sealed partial class QuorumControllerCore
{
    public ControllerResult<BrokerRegistrationResponse> RegisterBroker(BrokerRegistrationRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        BrokerRegistrationResponse Refuse(ControlError error, int controllerId, string message) =>
            new(request.CorrelationId, error, -1, controllerId, Epoch, message);

        if (!IsActive)
            return ControllerResult<BrokerRegistrationResponse>.WithoutRecords(Refuse(ControlError.NotController, -1, "this controller is not active"));
        if (request.BrokerId < 0 || string.IsNullOrEmpty(request.ActorAddress))
            return ControllerResult<BrokerRegistrationResponse>.WithoutRecords(Refuse(ControlError.InvalidRequest, _nodeId,
                $"a registration needs a non-negative broker id and an actor address (got id {request.BrokerId}, address '{request.ActorAddress}')"));

        var existing = Image.Cluster.Broker(request.BrokerId);
        if (existing is not null && existing.IncarnationId != request.IncarnationId && _heartbeats.HasValidSession(existing.Id, existing.Epoch, nowMs))
            return ControllerResult<BrokerRegistrationResponse>.WithoutRecords(Refuse(ControlError.DuplicateBrokerRegistration, _nodeId,
                $"Another broker is registered with broker id {request.BrokerId} (incarnation {existing.IncarnationId}) and its session is live."));
        // KIP-866, in Kafka's order and words: zk brokers join only a quorum that migrates, and KRaft
        // brokers wait until the zk metadata is in the log, or they would serve an empty cluster.
        if (request.IsMigratingZkBroker && !_config.MigrationEnabled)
            return ControllerResult<BrokerRegistrationResponse>.WithoutRecords(Refuse(ControlError.BrokerIdNotRegistered, _nodeId,
                "Controller does not support registering ZK brokers."));
        if (!request.IsMigratingZkBroker && Image.MigrationState == ZkMigrationState.PreMigration)
            return ControllerResult<BrokerRegistrationResponse>.WithoutRecords(Refuse(ControlError.BrokerIdNotRegistered, _nodeId,
                "Controller is in pre-migration mode and cannot register KRaft brokers until the metadata migration is complete."));

        var records = NewBatcher();
        // The new registration starts fenced. A previous one that was still unfenced may lead and sit in
        // ISRs: it leaves them first, as if its session had run out, so no fenced broker is left leading.
        if (existing is { Fenced: false })
        {
            var eligible = ActiveBrokers();
            eligible.Remove(existing.Id);
            ReplicationControl.RemoveFromIsrs(Image, new HashSet<int> { existing.Id }, eligible, controlledShutdown: false,
                _config.UncleanLeaderElectionEnable, records);
        }
        var brokerEpoch = records.NextRecordOffset;
        records.Add(new RegisterBrokerRecord(request.BrokerId, request.IncarnationId, brokerEpoch,
            [new BrokerEndpoint(BrokerEndpoint.ActorListener, request.ActorAddress, 0)], request.Rack,
            IsMigratingZkBroker: request.IsMigratingZkBroker));
        _heartbeats.Register(request.BrokerId, brokerEpoch, nowMs);
        return Result(records, new BrokerRegistrationResponse(request.CorrelationId, ControlError.None, brokerEpoch, _nodeId, Epoch));
    }

    public ControllerResult<BrokerHeartbeatResponse> Heartbeat(BrokerHeartbeatRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        BrokerHeartbeatResponse Refuse(ControlError error, int controllerId) =>
            new(request.CorrelationId, error, IsCaughtUp: false, IsFenced: true, ShouldShutDown: false, controllerId, Epoch);

        if (!IsActive) return ControllerResult<BrokerHeartbeatResponse>.WithoutRecords(Refuse(ControlError.NotController, -1));
        var broker = Image.Cluster.Broker(request.BrokerId);
        if (broker is null) return ControllerResult<BrokerHeartbeatResponse>.WithoutRecords(Refuse(ControlError.BrokerIdNotRegistered, _nodeId));
        if (broker.Epoch != request.BrokerEpoch) return ControllerResult<BrokerHeartbeatResponse>.WithoutRecords(Refuse(ControlError.StaleBrokerEpoch, _nodeId));

        var current = BrokerHeartbeatManager.CurrentState(broker);
        var active = ActiveBrokers();
        var next = _heartbeats.NextState(broker, request, () => _leadership.HasLeaderships(broker.Id), LogReaders(active));
        var records = NewBatcher();
        // A result may span log entries and a failover may commit only a prefix of them, so the
        // records that change a broker's state come after the partition moves they stand for: any
        // prefix leaves no partition led by, or in the ISR with a leader of, a broker that may not be.
        switch (next)
        {
            case BrokerControlState.Unfenced when current == BrokerControlState.Fenced:
                // Unfenced first: the elections below may pick it.
                records.Add(new UnfenceBrokerRecord(broker.Id, broker.Epoch));
                active.Add(broker.Id);
                ReplicationControl.ElectLeaderless(Image, _leadership.Leaderless, active, _config.UncleanLeaderElectionEnable, records);
                break;
            // Entering, or still leading after a failover committed only part of the moves: (re)move them.
            case BrokerControlState.ControlledShutdown when current != next || _leadership.HasLeaderships(broker.Id):
                active.Remove(broker.Id);
                ReplicationControl.RemoveFromIsrs(Image, new HashSet<int> { broker.Id }, active, controlledShutdown: true,
                    _config.UncleanLeaderElectionEnable, records);
                if (!broker.InControlledShutdown) records.Add(new BrokerRegistrationChangeRecord(broker.Id, broker.Epoch, InControlledShutdown: true));
                break;
            // Stopping now fences too, so the broker is never elected while it goes away.
            case BrokerControlState.Fenced or BrokerControlState.ShutdownNow when !broker.Fenced:
                active.Remove(broker.Id);
                Fence([broker.Id], active, records);
                break;
        }
        _heartbeats.Touch(broker.Id, broker.Epoch, nowMs, request.CurrentMetadataOffset);
        if (next == BrokerControlState.ShutdownNow) _heartbeats.EndSession(broker.Id, broker.Epoch);
        var response = new BrokerHeartbeatResponse(request.CorrelationId, ControlError.None,
            IsCaughtUp: BrokerHeartbeatManager.IsCaughtUp(broker, request),
            IsFenced: next is BrokerControlState.Fenced or BrokerControlState.ShutdownNow,
            ShouldShutDown: next == BrokerControlState.ShutdownNow,
            _nodeId, Epoch);
        var result = Result(records, response);
        if (next == BrokerControlState.ControlledShutdown && result.Batches.Count > 0) _heartbeats.ControlledShutdownMoved(broker.Id, broker.Epoch, Image.Offset);
        return result;
    }

    /// <summary>
    /// The active brokers whose reported log offsets mean something. A migrating zk broker does not
    /// replay the log (the controller tells it what changed), so a controlled shutdown never waits for it.
    /// </summary>
    private IReadOnlySet<int> LogReaders(HashSet<int> active)
    {
        HashSet<int>? readers = null;
        foreach (var id in active)
        {
            if (Image.Cluster.Broker(id) is not { IsMigratingZkBroker: true }) continue;
            readers ??= [.. active];
            readers.Remove(id);
        }
        return readers ?? active;
    }

    /// <summary>
    /// Fences every unfenced broker whose session ran out (Kafka's maybeFenceOneStaleBroker, for all
    /// of them in one pass, so no partition is handed to a broker that is itself about to be fenced).
    /// The response lists the fenced brokers by id.
    /// </summary>
    public ControllerResult<IReadOnlyList<int>> FenceExpiredBrokers(long nowMs)
    {
        if (!IsActive) return ControllerResult<IReadOnlyList<int>>.WithoutRecords([]);
        var expired = _heartbeats.ExpiredUnfenced(Image.Cluster, nowMs);
        if (expired.Count == 0) return ControllerResult<IReadOnlyList<int>>.WithoutRecords([]);
        var active = ActiveBrokers();
        active.ExceptWith(expired);
        var records = NewBatcher();
        Fence(expired, active, records);
        return Result<IReadOnlyList<int>>(records, expired);
    }

    /// <summary>
    /// Kafka's handleBrokerFenced: the brokers leave every ISR (but as a last member) and their
    /// partitions get new leaders from <paramref name="eligible"/>; then each is fenced.
    /// </summary>
    private void Fence(IReadOnlyList<int> brokerIds, IReadOnlySet<int> eligible, RecordBatcher records)
    {
        ReplicationControl.RemoveFromIsrs(Image, brokerIds.ToHashSet(), eligible, controlledShutdown: false, _config.UncleanLeaderElectionEnable,
            records);
        foreach (var id in brokerIds) records.Add(new FenceBrokerRecord(id, Image.Cluster.Broker(id)!.Epoch));
    }
}
