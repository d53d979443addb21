using ActorKafka.Broker.Migration;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using ActorKafka.Raft;
using Akka.Actor;
using Akka.TestKit;

namespace ActorKafka.Broker.Tests.Migration;

/// <summary>
/// A zk-mode broker in a migration (KIP-866), the actor against the in-process store, with probes
/// playing the quorum controllers of voters 3000 and 3001 and the replica manager. The probes answer
/// heartbeats as they come, so a heartbeat landing between two expected requests disturbs nothing.
/// </summary>
public sealed class MigratingZkBrokerTests : InMemoryStoreSpec
{
    private const int Me = 2;
    private const int KRaftController = 3000;
    private static readonly TopicPartition T0 = new("t", 0);

    private readonly TestProbe _events;
    private readonly Dictionary<int, TestProbe> _controllers;
    private IActorRef _broker = ActorRefs.Nobody;

    public MigratingZkBrokerTests() : base("migration")
    {
        _events = CreateTestProbe();
        _controllers = new() { [3000] = CreateTestProbe(), [3001] = CreateTestProbe() };
        Sys.EventStream.Subscribe(_events.Ref, typeof(BrokerEvent));
    }

    private TestProbe C3000 => _controllers[3000];
    private TestProbe C3001 => _controllers[3001];

    private BrokerSettings Settings(bool migration) => new(Me, 1000, "127.0.0.1", 9092, null,
        StoreRequestTimeout: TimeSpan.FromSeconds(5),
        ControlledShutdownTimeout: TimeSpan.FromSeconds(1),
        ControlledShutdownMaxRetries: 1,
        ControlledShutdownRetryBackoff: TimeSpan.FromMilliseconds(100),
        ClientSettings,
        migration
            ? new ZkMigrationSettings([new VoterAddress(3000, "akka://migration"), new VoterAddress(3001, "akka://migration")],
                HeartbeatInterval: TimeSpan.FromMilliseconds(300),
                RequestTimeout: TimeSpan.FromSeconds(2),
                RetryBackoff: TimeSpan.FromMilliseconds(50),
                ControlledShutdownTimeout: TimeSpan.FromSeconds(3))
            : null);

    private long StartBroker(bool migration = true)
    {
        _broker = Sys.ActorOf(KafkaBroker.Props(Settings(migration), id => _controllers[id].Ref), ActorNames.Broker);
        return _events.FishForMessage<BrokerRegistered>(r => r.BrokerId == Me, Bound).BrokerEpoch;
    }

    /// <summary>The next <typeparamref name="T"/> the controller gets, answering heartbeats meanwhile as an unfencing controller would.</summary>
    private T Expect<T>(TestProbe controller) where T : IQuorumControllerRequest
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var message = controller.ReceiveOne(deadline - DateTime.UtcNow);
            Assert.True(message is not null, $"no {typeof(T).Name} within {Bound}");
            if (message is T wanted) return wanted;
            if (message is BrokerHeartbeatRequest beat)
                controller.Reply(new BrokerHeartbeatResponse(beat.CorrelationId, ControlError.None, false, false, false, KRaftController, 1));
            else Assert.Fail($"unexpected {message}");
        }
    }

    /// <summary>Registered in the store and with controller 3000 at quorum broker epoch 77, unfenced.</summary>
    private long StartRegistered()
    {
        var zkEpoch = StartBroker();
        var registration = Expect<BrokerRegistrationRequest>(C3000);
        C3000.Reply(new BrokerRegistrationResponse(registration.CorrelationId, ControlError.None, 77, KRaftController, 1));
        // The quorum unfences a migrating zk broker on its first heartbeat.
        var beat = C3000.ExpectMsg<BrokerHeartbeatRequest>(Bound);
        C3000.Reply(new BrokerHeartbeatResponse(beat.CorrelationId, ControlError.None, false, false, false, KRaftController, 1));
        _events.FishForMessage<BrokerUnfenced>(u => u.BrokerId == Me, Bound);
        return zkEpoch;
    }

    private BrokerStateSnapshot State() => _broker.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, Bound).Result;

    private static PartitionStateInfo Partition(int controllerEpoch, int leaderEpoch, int partitionEpoch) =>
        new("t", 0, controllerEpoch, Me, leaderEpoch, [1, 2, 3], partitionEpoch, [1, 2, 3]);

    private void FromKRaftController(int epoch, long brokerEpoch, params PartitionStateInfo[] states)
    {
        _broker.Tell(new UpdateMetadataRequest(KRaftController, epoch, brokerEpoch, states, [], IsKRaftController: true), TestActor);
        Assert.Equal(ControlError.None, ExpectMsg<UpdateMetadataResponse>(Bound).Error);
        _broker.Tell(new LeaderAndIsrRequest(KRaftController, epoch, brokerEpoch, states, IsKRaftController: true), TestActor);
        Assert.Equal(ControlError.None, ExpectMsg<LeaderAndIsrResponse>(Bound).Error);
    }

    [Fact]
    public void Registers_with_the_quorum_after_its_znode_following_not_controller_and_heartbeats_with_no_metadata_offset()
    {
        var zkEpoch = StartBroker();
        Assert.True(Exists(ZkPaths.BrokerId(Me)));

        var first = Expect<BrokerRegistrationRequest>(C3000);
        Assert.Equal((Me, true, ((ExtendedActorSystem)Sys).Provider.DefaultAddress.ToString()),
            (first.BrokerId, first.IsMigratingZkBroker, first.ActorAddress));
        Assert.NotEqual(Guid.Empty, first.IncarnationId);
        C3000.Reply(new BrokerRegistrationResponse(first.CorrelationId, ControlError.NotController, -1, 3001, 1));

        var second = Expect<BrokerRegistrationRequest>(C3001);
        Assert.Equal(first.IncarnationId, second.IncarnationId);
        C3001.Reply(new BrokerRegistrationResponse(second.CorrelationId, ControlError.None, 77, 3001, 1));
        Assert.Equal(new BrokerRegisteredWithQuorum(Me, 77, 3001), _events.FishForMessage<BrokerRegisteredWithQuorum>(_ => true, Bound));
        var beat = C3001.ExpectMsg<BrokerHeartbeatRequest>(Bound);
        Assert.Equal((Me, 77L, -1L), (beat.BrokerId, beat.BrokerEpoch, beat.CurrentMetadataOffset));
        C3001.Reply(new BrokerHeartbeatResponse(beat.CorrelationId, ControlError.None, false, false, false, 3001, 1));
        _events.FishForMessage<BrokerUnfenced>(u => u.BrokerEpoch == 77, Bound);

        // The quorum's epoch is kept apart from the zk broker epoch, which fences control requests as before.
        var state = State();
        Assert.Equal((zkEpoch, 77L, 3001), (state.BrokerEpoch, state.QuorumBrokerEpoch, state.QuorumControllerId));
        Assert.NotEqual(77, zkEpoch);
        Assert.Equal(77, C3001.ExpectMsg<BrokerHeartbeatRequest>(Bound).BrokerEpoch);
    }

    [Fact]
    public void A_kraft_controller_is_followed_and_a_zombie_zk_controller_with_the_old_epoch_is_refused()
    {
        var zkEpoch = StartRegistered();
        _broker.Tell(new LeaderAndIsrRequest(1, 5, zkEpoch, [Partition(5, 1, 0)]), TestActor);
        Assert.Equal(ControlError.None, ExpectMsg<LeaderAndIsrResponse>(Bound).Error);
        FromKRaftController(6, zkEpoch, Partition(6, 2, 0));
        var state = State();
        Assert.Equal((KRaftController, 6, true), (state.ControllerId, state.ControllerEpoch, state.IsKRaftController));

        _broker.Tell(new LeaderAndIsrRequest(1, 5, zkEpoch, [Partition(5, 3, 0)]), TestActor);
        Assert.Equal(ControlError.StaleControllerEpoch, ExpectMsg<LeaderAndIsrResponse>(Bound).Error);
        var rejected = _events.FishForMessage<StaleEpochRejected>(_ => true, Bound);
        Assert.Equal((StaleEpochKind.Controller, 5L, 6L), (rejected.Kind, rejected.StaleEpoch, rejected.CurrentEpoch));
        Assert.Equal(2, State().Replicas.Single().LeaderEpoch);
    }

    [Fact]
    public void Under_a_kraft_controller_an_isr_change_goes_to_it_as_alter_partition_under_the_quorum_epoch()
    {
        var zkEpoch = StartRegistered();
        FromKRaftController(6, zkEpoch, Partition(6, leaderEpoch: 4, partitionEpoch: 10));
        var replicaManager = CreateTestProbe();

        _broker.Tell(new ProposeIsrChange(T0, 4, 10, [2, 3]), replicaManager.Ref);
        var alter = Expect<AlterPartitionRequest>(C3000);
        Assert.Equal((Me, 77L), (alter.BrokerId, alter.BrokerEpoch));
        var item = Assert.Single(alter.Partitions);
        Assert.Equal(("t", 0, 4, 10), (item.Topic, item.Partition, item.LeaderEpoch, item.PartitionEpoch));
        Assert.Equal([2, 3], item.NewIsr);
        C3000.Reply(new AlterPartitionResponse(alter.CorrelationId, ControlError.None, [new AlterPartitionResult("t", 0, ControlError.None, Me, 5, [2, 3], 11)],
            KRaftController, 1));

        var changed = _events.FishForMessage<PartitionStateChanged>(c => c.Replica.PartitionEpoch == 11, Bound);
        Assert.Equal((5, true), (changed.Replica.LeaderEpoch, changed.Replica.IsLeader));
        var result = replicaManager.ExpectMsg<IsrChangeResult>(Bound);
        Assert.Equal((ControlError.None, 5, 11), (result.Error, result.LeaderEpoch, result.PartitionEpoch));
        Assert.Equal([2, 3], result.Isr);
        Assert.Equal([2, 3], State().Replicas.Single().Isr);
        // Nothing was written to the store behind the KRaft controller's back.
        Assert.False(Exists(ZkPaths.PartitionState(T0)));
    }

    [Fact]
    public void A_rollback_to_a_zk_controller_answers_the_proposals_still_waiting_for_the_quorum()
    {
        var zkEpoch = StartRegistered();
        FromKRaftController(6, zkEpoch, Partition(6, leaderEpoch: 4, partitionEpoch: 10));
        var replicaManager = CreateTestProbe();
        _broker.Tell(new ProposeIsrChange(T0, 4, 10, [2, 3]), replicaManager.Ref);
        Expect<AlterPartitionRequest>(C3000);

        // The KRaft controllers were stopped unanswered; a zk controller is elected above their epoch.
        _broker.Tell(new UpdateMetadataRequest(1, 7, zkEpoch, [], []), TestActor);
        Assert.Equal(ControlError.None, ExpectMsg<UpdateMetadataResponse>(Bound).Error);
        var result = replicaManager.ExpectMsg<IsrChangeResult>(Bound);
        Assert.Equal(ControlError.NotController, result.Error);
        Assert.False(State().IsKRaftController);
    }

    [Fact]
    public void Under_a_zk_controller_an_isr_change_is_still_written_to_the_store()
    {
        var zkEpoch = StartRegistered();
        EnsurePath(ZkPaths.Partition("t", 0));
        Send<CreateResponse>(new CreateRequest(ZkPaths.PartitionState(T0), ZkData.EncodePartitionState(new LeaderAndIsr(Me, 4, [1, 2, 3], 5, 0))));
        _broker.Tell(new LeaderAndIsrRequest(1, 5, zkEpoch, [Partition(5, leaderEpoch: 4, partitionEpoch: 0)]), TestActor);
        Assert.Equal(ControlError.None, ExpectMsg<LeaderAndIsrResponse>(Bound).Error);
        var replicaManager = CreateTestProbe();

        _broker.Tell(new ProposeIsrChange(T0, 4, 0, [2, 3]), replicaManager.Ref);
        var result = replicaManager.ExpectMsg<IsrChangeResult>(Bound);
        Assert.Equal((ControlError.None, 4, 1), (result.Error, result.LeaderEpoch, result.PartitionEpoch));
        var stored = Send<GetDataResponse>(new GetDataRequest(ZkPaths.PartitionState(T0)));
        Assert.Equal(1, stored.Stat.Version);
        // Heartbeats only: no AlterPartition reached the quorum.
        C3000.FishForMessage(m => m is BrokerHeartbeatRequest, Bound);
        Assert.DoesNotContain(C3000.ReceiveWhile(TimeSpan.FromMilliseconds(400), m => m), m => m is AlterPartitionRequest);
        Assert.DoesNotContain(C3001.ReceiveWhile(TimeSpan.FromMilliseconds(50), m => m), m => m is AlterPartitionRequest);
    }

    [Fact]
    public void A_broker_outside_the_migration_refuses_isr_changes_under_a_kraft_controller_rather_than_write_the_store()
    {
        var zkEpoch = StartBroker(migration: false);
        FromKRaftController(6, zkEpoch, Partition(6, leaderEpoch: 4, partitionEpoch: 10));
        var replicaManager = CreateTestProbe();
        _broker.Tell(new ProposeIsrChange(T0, 4, 10, [2, 3]), replicaManager.Ref);
        var result = replicaManager.ExpectMsg<IsrChangeResult>(Bound);
        Assert.Equal((ControlError.NotController, 4, 10), (result.Error, result.LeaderEpoch, result.PartitionEpoch));
        Assert.Equal(-1, State().QuorumBrokerEpoch);
        C3000.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Under_a_kraft_controller_controlled_shutdown_goes_through_the_quorum_heartbeats()
    {
        var zkEpoch = StartRegistered();
        FromKRaftController(6, zkEpoch, Partition(6, 1, 0));

        _broker.Tell(ShutdownBroker.Instance, TestActor);
        var wanting = Expect<BrokerHeartbeatRequest>(C3000);
        while (!wanting.WantShutDown)
        {
            C3000.Reply(new BrokerHeartbeatResponse(wanting.CorrelationId, ControlError.None, false, false, false, KRaftController, 1));
            wanting = C3000.ExpectMsg<BrokerHeartbeatRequest>(Bound);
        }
        C3000.Reply(new BrokerHeartbeatResponse(wanting.CorrelationId, ControlError.None, false, false, true, KRaftController, 1));

        var stopped = ExpectMsg<BrokerStopped>(Bound);
        Assert.Contains("controlled shutdown complete", stopped.Reason);
        AwaitAssert(() => Assert.False(Exists(ZkPaths.BrokerId(Me))), Bound);
    }
}
