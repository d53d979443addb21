using ActorKafka.Broker.Migration;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Broker;

/// <summary>
/// A Kafka broker in zk mode: registers the ephemeral /brokers/ids/N (its czxid is the broker
/// epoch), obeys the controller's LeaderAndIsr/UpdateMetadata/StopReplica under Kafka's fencing
/// rules, re-registers with a new session (and a new epoch) after its session expires, and
/// stops through controlled shutdown. As a partition's leader it changes the ISR itself, as
/// Kafka's leaders did before AlterPartition (KIP-497): a write of the partition state conditional
/// on its version, with an /isr_change_notification for the controller in the same multi.
/// Every change of a replica it hosts is published as <see cref="PartitionStateChanged"/>.
/// <para>
/// In a migration to KRaft (KIP-866, actorkafka.broker.migration.enabled) it also registers with the
/// controller quorum once it holds its znode (<see cref="MigratingBrokerLifecycle"/>, a child that
/// heartbeats on its own). A KRaft controller then claims /controller and sends LeaderAndIsr and
/// UpdateMetadata saying IsKRaftController, fenced by the zk controller epoch it claimed like any
/// controller's. While the controller is a KRaft controller, ISR changes go to it as AlterPartition
/// under the quorum's broker epoch, and a controlled shutdown goes through the quorum heartbeats.
/// </para>
/// Lives at /user/broker on its node.
/// States: Registering -> Running -> (Registering after expiry) | ShuttingDown.
/// </summary>
public sealed class KafkaBroker : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly BrokerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private BrokerControlState _state;
    private int _brokerId;
    private IActorRef? _client;
    private long _sessionId;
    private int _sessions;
    private readonly Func<int, ICanTell>? _quorumControllerOverride;
    // One per start of this broker, kept across store sessions: the quorum tells a restart from a second broker with this id.
    private readonly Guid _incarnationId = Guid.NewGuid();
    private IActorRef? _quorum;
    private QuorumRegistrationChanged? _quorumRegistration;

    private KafkaBroker(BrokerSettings settings, Func<int, ICanTell>? quorumControllerOf)
    {
        _settings = settings;
        _brokerId = settings.BrokerId;
        _state = new BrokerControlState(_brokerId);
        _quorumControllerOverride = quorumControllerOf;
        Registering();
    }

    public static Props Props(BrokerSettings settings) => Akka.Actor.Props.CreateBy(new Producer(settings, null));

    /// <summary>For tests: the quorum's controllers are <paramref name="quorumControllerOf"/>(voter id) instead of the actors at the voters' addresses.</summary>
    internal static Props Props(BrokerSettings settings, Func<int, ICanTell> quorumControllerOf) =>
        Akka.Actor.Props.CreateBy(new Producer(settings, quorumControllerOf));

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    private string NodeAddress => ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();

    protected override void PreStart() => Self.Tell(Register.Instance);

    private void Registering()
    {
        ReceiveAsync<Register>(_ => RegisterAsync());
        Receive<GetBrokerState>(_ => Sender.Tell(Snapshot(registered: false)));
        Receive<QuorumRegistrationChanged>(OnQuorumRegistration);
        Receive<SessionStateChanged>(_ => { });
        Receive<WatchedEvent>(_ => { });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Running()
    {
        Receive<LeaderAndIsrRequest>(r => ControlRequest(() => _state.Handle(r)));
        Receive<UpdateMetadataRequest>(r => ControlRequest(() => _state.Handle(r)));
        Receive<StopReplicaRequest>(r => ControlRequest(() => _state.Handle(r)));
        Receive<GetBrokerState>(_ => Sender.Tell(Snapshot(registered: true)));
        Receive<QuorumRegistrationChanged>(OnQuorumRegistration);
        Receive<AlterIsrAnswered>(OnAlterIsrAnswered);
        Receive<Replication.ClientMetadataRequest>(r =>
            Sender.Tell(Replication.ClientMetadataAnswer.FromCache(r, _state.MetadataCache, _state.LiveBrokers.Values)));
        // One at a time, like every request here: a LeaderAndIsr arriving meanwhile waits for the write's answer.
        // A KRaft controller's are only handed to the quorum registration, which answers later.
        ReceiveAsync<ProposeIsrChange>(p => _state.ControllerIsKRaft ? ProposeThroughQuorum(p, Sender) : ProposeIsrChangeAsync(p, Sender));
        Receive<SessionStateChanged>(s =>
        {
            if (s.State != SessionState.Expired || s.SessionId != _sessionId) return;
            _log.Warning("Broker {0}: session 0x{1:x} expired; registering again with a new session", _brokerId, _sessionId);
            Context.Stop(_client);
            _client = null;
            Become(Registering);
            Self.Tell(Register.Instance);
        });
        Receive<WatchedEvent>(_ => { });
        ReceiveAsync<ShutdownBroker>(_ => ControlledShutdownAsync(Sender));
    }

    private void Reply<T>(BrokerControlState.Outcome<T> outcome) => Reply(outcome, Sender);

    private void ControlRequest<T>(Func<BrokerControlState.Outcome<T>> handle)
    {
        var wasKRaft = _state.ControllerIsKRaft;
        Reply(handle());
        if (wasKRaft == _state.ControllerIsKRaft) return;
        _log.Info("Broker {0}: its controller is now {1} controller {2} (epoch {3})", _brokerId, _state.ControllerIsKRaft ? "KRaft" : "zk",
            _state.ControllerId, _state.ControllerEpoch);
        // Back to a zk controller (a rollback): proposals waiting for the quorum are answered, so their leaders propose them again here.
        if (wasKRaft) _quorum?.Tell(AbandonAlterIsr.Instance);
    }

    private void OnQuorumRegistration(QuorumRegistrationChanged registration)
    {
        if (!Sender.Equals(_quorum)) return;
        _quorumRegistration = registration;
    }

    /// <summary>
    /// While the controller is a KRaft controller (Kafka's zk brokers in migration): the same checks
    /// as the zk way, then AlterPartition to the quorum. A broker that is not part of the migration
    /// has no quorum to ask, and writing the store behind the KRaft controller's back would be lost
    /// to it: the proposal is refused NotController and its leader tries again later.
    /// </summary>
    private Task ProposeThroughQuorum(ProposeIsrChange proposal, IActorRef replyTo)
    {
        if (_state.RefuseIsrChange(proposal, out var view) is { } refused)
        {
            replyTo.Tell(refused);
            return Task.CompletedTask;
        }
        if (proposal.NewIsr.AsSpan().SequenceEqual(view!.Isr))
        {
            replyTo.Tell(BrokerControlState.Known(view, ControlError.None));
            return Task.CompletedTask;
        }
        if (_quorum is null)
        {
            _log.Warning("Broker {0}: ISR change of {1} refused: its controller {2} is a KRaft controller, but actorkafka.broker.migration.enabled is off",
                _brokerId, proposal.Partition, _state.ControllerId);
            replyTo.Tell(BrokerControlState.Known(view, ControlError.NotController));
            return Task.CompletedTask;
        }
        _quorum.Tell(new AlterIsrThroughQuorum(proposal, replyTo));
        return Task.CompletedTask;
    }

    private void OnAlterIsrAnswered(AlterIsrAnswered answered)
    {
        var (proposal, replyTo, result) = answered;
        if (result.Error != ControlError.None)
        {
            _log.Warning("Broker {0}: ISR change of {1} to [{2}] refused by the controller quorum: {3}", _brokerId, proposal.Partition,
                string.Join(",", proposal.NewIsr), result.Error);
            replyTo.Tell(result);
            return;
        }
        var outcome = _state.CommitAlterPartition(proposal, result);
        _log.Info("Broker {0}: the KRaft controller changed the ISR of {1} to [{2}] at partition epoch {3} ({4})", _brokerId, proposal.Partition,
            string.Join(",", result.Isr), result.PartitionEpoch, outcome.Response.Error);
        Reply(outcome, replyTo);
    }

    /// <summary>Publishes the outcome's events, then answers: a requester that also follows the events sees them first.</summary>
    private void Reply<T>(BrokerControlState.Outcome<T> outcome, IActorRef replyTo)
    {
        foreach (var e in outcome.Events)
        {
            if (e is StaleEpochRejected stale)
                _log.Warning("Broker {0} rejected a {1} with stale {2} epoch {3} (current {4})", _brokerId, stale.Request, stale.Kind, stale.StaleEpoch, stale.CurrentEpoch);
            Context.System.EventStream.Publish(e);
        }
        replyTo.Tell(outcome.Response!);
    }

    /// <summary>
    /// Kafka's pre-KIP-497 leader ISR update: set the state znode to the same leader, leader epoch
    /// and controller epoch with the new ISR, expecting the version (partition epoch) this broker
    /// knows, and create /isr_change_notification/isr_change_SEQ naming the partition, in one multi.
    /// BadVersion means the controller wrote the partition first: the leader waits for the
    /// LeaderAndIsr that follows (unless the znode already holds exactly this change: an earlier
    /// attempt whose answer was lost, which Kafka's checker also counts as done).
    /// </summary>
    private async Task ProposeIsrChangeAsync(ProposeIsrChange proposal, IActorRef replyTo)
    {
        if (_state.RefuseIsrChange(proposal, out var view) is { } refused)
        {
            replyTo.Tell(refused);
            return;
        }
        var known = view!;
        if (proposal.NewIsr.AsSpan().SequenceEqual(known.Isr))
        {
            replyTo.Tell(BrokerControlState.Known(known, ControlError.None));
            return;
        }
        var path = ZkPaths.PartitionState(proposal.Partition);
        var wanted = new LeaderAndIsr(known.Leader, known.LeaderEpoch, proposal.NewIsr.ToArray(), known.ControllerEpoch, proposal.PartitionEpoch);
        var write = new MultiRequest(new ZkRequest[]
        {
            new SetDataRequest(path, ZkData.EncodePartitionState(wanted), proposal.PartitionEpoch),
            new CreateRequest(ZkPaths.IsrChangePrefix, ZkData.EncodeIsrChangeNotification([proposal.Partition]), CreateMode.PersistentSequential),
        });
        var timeout = _settings.StoreRequestTimeout;
        var client = _client!;
        var response = await client.RequestAsync(write, timeout);
        if (response is MultiResponse { Results: [_, ErrorResponse { Code: ZkErrorCode.NoNode }, ..] })
        {
            // The notifications' parent is gone (created at registration): create it and write again.
            var parent = await client.RequestAsync(new CreateRequest(ZkPaths.IsrChangeNotification, Array.Empty<byte>()), timeout);
            if (parent is CreateResponse or ErrorResponse { Code: ZkErrorCode.NodeExists }) response = await client.RequestAsync(write, timeout);
        }

        int? written = response switch
        {
            MultiResponse { FirstError: null } ok when ok.Results[0] is SetDataResponse set => set.Stat.Version,
            MultiResponse { Results: [ErrorResponse { Code: ZkErrorCode.BadVersion }, ..] } => await AlreadyWrittenAsync(proposal, wanted, timeout),
            _ => null,
        };
        if (written is { } partitionEpoch)
        {
            Reply(_state.CommitIsrChange(proposal, partitionEpoch), replyTo);
            _log.Info("Broker {0} changed the ISR of {1} to [{2}] at partition epoch {3}", _brokerId, proposal.Partition,
                string.Join(",", proposal.NewIsr), partitionEpoch);
            return;
        }
        var error = response switch
        {
            MultiResponse { Results: [ErrorResponse { Code: ZkErrorCode.BadVersion }, ..] } => ControlError.InvalidUpdateVersion,
            MultiResponse { Results: [ErrorResponse { Code: ZkErrorCode.NoNode }, ..] } => ControlError.UnknownTopicOrPartition,
            // The outcome is unknown (no answer in time) or the session is being replaced: the same proposal may be sent again.
            ErrorResponse { Code: ZkErrorCode.ConnectionLoss or ZkErrorCode.SessionExpired } => ControlError.RequestTimedOut,
            _ => ControlError.UnknownServerError,
        };
        _log.Warning("Broker {0}: ISR change of {1} to [{2}] at partition epoch {3} not written ({4}): {5}", _brokerId, proposal.Partition,
            string.Join(",", proposal.NewIsr), proposal.PartitionEpoch, error, response);
        replyTo.Tell(BrokerControlState.Known(_state.Replicas.GetValueOrDefault(proposal.Partition) ?? known, error));
    }

    /// <summary>The version of the state znode if it already holds exactly <paramref name="wanted"/> (leader, epochs and ISR), else null.</summary>
    private async Task<int?> AlreadyWrittenAsync(ProposeIsrChange proposal, LeaderAndIsr wanted, TimeSpan timeout)
    {
        if (await _client!.RequestAsync(new GetDataRequest(ZkPaths.PartitionState(proposal.Partition)), timeout) is not GetDataResponse data) return null;
        if (!ZkData.DecodePartitionState(proposal.Partition, data.Data, data.Stat.Version).TryGetValue(out var stored)) return null;
        var same = stored.Leader == wanted.Leader && stored.LeaderEpoch == wanted.LeaderEpoch && stored.ControllerEpoch == wanted.ControllerEpoch &&
                   stored.Isr.SequenceEqual(wanted.Isr);
        return same ? stored.PartitionEpoch : null;
    }

    private async Task RegisterAsync()
    {
        var timeout = _settings.StoreRequestTimeout;
        try
        {
            _client ??= Context.ActorOf(CoordinationClient.Props(_settings.Client, owner: Self, watcher: Self), $"store-session-{++_sessions}");
            _sessionId = (await _client.Ask<SessionInfo>(GetSession.Instance, timeout)).SessionId;
            foreach (var path in ZkPaths.PersistentPaths) await _client.EnsurePathAsync(path, timeout);
            if (_brokerId == -1) _brokerId = await GenerateBrokerIdAsync(timeout);
            if (_state.BrokerId != _brokerId) _state = new BrokerControlState(_brokerId);

            var info = new BrokerInfo(_brokerId, _settings.Host, _settings.Port, _settings.Rack, -1, NodeAddress);
            var data = ZkData.EncodeBroker(info, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var response = await _client.RequestAsync(new CreateRequest(ZkPaths.BrokerId(_brokerId), data, CreateMode.Ephemeral), timeout);
            switch (response)
            {
                case CreateResponse created:
                    _state.BrokerEpoch = created.Stat.Czxid;
                    _log.Info("Broker {0} registered with broker epoch {1} (session 0x{2:x})", _brokerId, _state.BrokerEpoch, _sessionId);
                    Context.System.EventStream.Publish(new BrokerRegistered(_brokerId, _state.BrokerEpoch, _sessionId));
                    StartQuorumRegistration();
                    Become(Running);
                    Stash.UnstashAll();
                    return;
                case ErrorResponse { Code: ZkErrorCode.NodeExists }:
                    var owner = (await _client.RequestAsync(new ExistsRequest(ZkPaths.BrokerId(_brokerId)), timeout) as ExistsResponse)?.Stat?.EphemeralOwner;
                    var error = $"broker id {_brokerId} is already registered by another live session (0x{owner ?? 0:x}): " +
                                "give this broker another actorkafka.broker.broker-id, or stop the other one first";
                    _log.Error("Broker {0} refuses to start: {1}", _brokerId, error);
                    Context.System.EventStream.Publish(new BrokerRegistrationRejected(_brokerId, error));
                    Context.Stop(Self);
                    return;
                case ErrorResponse failure:
                    throw new KeeperException(failure);
            }
        }
        catch (Exception e) when (e is KeeperException or AskTimeoutException)
        {
            _log.Warning("Broker {0}: registration failed ({1}); retrying", _brokerId, e.Message);
            Timers.StartSingleTimer("register-retry", Register.Instance, _settings.ControlledShutdownRetryBackoff);
        }
    }

    /// <summary>
    /// In a migration, once the broker holds its znode (its id is final then, even a generated one):
    /// its registration with the quorum lives as long as this broker, across store sessions.
    /// </summary>
    private void StartQuorumRegistration()
    {
        if (_settings.Migration is not { } migration || _quorum is not null) return;
        var props = _quorumControllerOverride is { } controllerOf
            ? MigratingBrokerLifecycle.Props(_brokerId, _settings.Rack, migration, _incarnationId, controllerOf)
            : MigratingBrokerLifecycle.Props(_brokerId, _settings.Rack, migration, _incarnationId);
        _quorum = Context.ActorOf(props, "quorum-registration");
    }

    /// <summary>Kafka's generated ids: reserved.broker.max.id + the version of /brokers/seqid after bumping it.</summary>
    private async Task<int> GenerateBrokerIdAsync(TimeSpan timeout)
    {
        var stat = (await _client!.SendAsync<SetDataResponse>(new SetDataRequest(ZkPaths.BrokerSeqId, Array.Empty<byte>()), timeout)).Stat;
        return _settings.ReservedBrokerMaxId + stat.Version;
    }

    private async Task ControlledShutdownAsync(IActorRef requester)
    {
        var outcome = _state.ControllerIsKRaft && _quorum is not null && _settings.Migration is { } migration
            ? await ControlledShutdownThroughQuorumAsync(migration)
            : await ControlledShutdownThroughZkControllerAsync();
        if (_client is not null) await _client.RequestAsync(new DeleteRequest(ZkPaths.BrokerId(_brokerId)), _settings.StoreRequestTimeout);
        if (_client is not null) await _client.Ask<ZkResponse>(CloseSessionCommand.Instance, _settings.StoreRequestTimeout);
        var stopped = new BrokerStopped(_brokerId, outcome);
        Context.System.EventStream.Publish(stopped);
        requester.Tell(stopped);
        Context.Stop(Self);
    }

    /// <summary>
    /// Kafka's zk broker whose controller is a KRaft controller shuts down through its
    /// BrokerLifecycleManager: heartbeats asking WantShutDown until the controller has moved its
    /// leaderships away (ShouldShutDown), or the lifecycle's controlled-shutdown-timeout passes.
    /// </summary>
    private async Task<string> ControlledShutdownThroughQuorumAsync(ZkMigrationSettings migration)
    {
        try
        {
            var stopped = await _quorum!.Ask<BrokerStopped>(ShutdownBroker.Instance, migration.ControlledShutdownTimeout + migration.RequestTimeout);
            return stopped.Reason;
        }
        catch (AskTimeoutException)
        {
            return $"controlled shutdown through the controller quorum did not complete within {migration.ControlledShutdownTimeout}; stopping anyway";
        }
    }

    private async Task<string> ControlledShutdownThroughZkControllerAsync()
    {
        var timeout = _settings.ControlledShutdownTimeout;
        var outcome = "controlled shutdown did not complete; stopping anyway";
        for (var attempt = 1; attempt <= _settings.ControlledShutdownMaxRetries; attempt++)
        {
            var controller = await FindControllerAsync(timeout);
            if (controller is not null)
            {
                try
                {
                    var response = await controller.Ask<ControlledShutdownResponse>(new ControlledShutdownRequest(_brokerId, _state.BrokerEpoch), timeout);
                    if (response.Error == ControlError.None && response.PartitionsRemaining.Length == 0)
                    {
                        outcome = "controlled shutdown: the controller moved every leadership away";
                        break;
                    }
                    _log.Warning("Broker {0}: controlled shutdown attempt {1}: {2}, {3} partitions remaining", _brokerId, attempt, response.Error,
                        response.PartitionsRemaining.Length);
                }
                catch (AskTimeoutException)
                {
                    _log.Warning("Broker {0}: controlled shutdown attempt {1} timed out", _brokerId, attempt);
                }
            }
            await Task.Delay(_settings.ControlledShutdownRetryBackoff);
        }
        return outcome;
    }

    private async Task<IActorRef?> FindControllerAsync(TimeSpan timeout)
    {
        if (_client is null) return null;
        if (await _client.RequestAsync(new GetDataRequest(ZkPaths.Controller), timeout) is not GetDataResponse controller)
            return NoController("no controller is registered at /controller");
        if (!ZkData.DecodeController(controller.Data).TryGetValue(out var znode)) return NoController("/controller could not be read");
        if (await _client.RequestAsync(new GetDataRequest(ZkPaths.BrokerId(znode.BrokerId)), timeout) is not GetDataResponse broker)
            return NoController($"controller {znode.BrokerId} is not registered");
        if (!ZkData.DecodeBroker(znode.BrokerId, broker.Data, broker.Stat.Czxid).TryGetValue(out var info))
            return NoController($"{ZkPaths.BrokerId(znode.BrokerId)} could not be read");
        try
        {
            return await Context.ActorSelection(ActorNames.ControllerPath(info.ActorAddress)).ResolveOne(timeout);
        }
        catch (ActorNotFoundException)
        {
            return NoController($"controller {znode.BrokerId} at {info.ActorAddress} does not answer");
        }
    }

    private IActorRef? NoController(string why)
    {
        _log.Warning("Broker {0}: controlled shutdown cannot reach the controller: {1}", _brokerId, why);
        return null;
    }

    private BrokerStateSnapshot Snapshot(bool registered) => new(_brokerId, _state.BrokerEpoch, registered, _state.ControllerId, _state.ControllerEpoch,
        _state.Replicas.Values.OrderBy(r => r.Partition.Topic).ThenBy(r => r.Partition.Partition).ToArray(),
        _state.MetadataCache.Values.ToArray(), _state.LiveBrokers.Keys.Order().ToArray(), _state.ControllerIsKRaft,
        _quorumRegistration?.BrokerEpoch ?? -1, _quorumRegistration?.ControllerId ?? -1);

    private sealed class Register
    {
        public static readonly Register Instance = new();
    }

    /// <summary>Builds the actor through its private constructor, so the test seam stays internal.</summary>
    private sealed class Producer(BrokerSettings settings, Func<int, ICanTell>? quorumControllerOf) : IIndirectActorProducer
    {
        public Type ActorType => typeof(KafkaBroker);

        public ActorBase Produce() => new KafkaBroker(settings, quorumControllerOf);

        public void Release(ActorBase actor)
        {
        }
    }
}
