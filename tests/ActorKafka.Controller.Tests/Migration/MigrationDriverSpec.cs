using System.Text;
using ActorKafka.Controller.Migration;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Controller.Tests.Migration;

/// <summary>
/// The driver against a real coordination store in this ActorSystem, a probe as its quorum
/// controller and probes as zk brokers (reached through the real ActorSelection of each broker's
/// registered address).
/// </summary>
public sealed class MigrationDriverSpec : TestKit
{
    private const int NodeId = 3000;
    private const int RaftEpoch = 4;
    private const int ZkControllerEpoch = 5;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly Guid OrdersId = Guid.Parse("0b7c2c2c-5b8e-4a63-9a55-3a4a4c1f1e2d");

    private static readonly Config TestConfig = ConfigurationFactory.ParseString("""
        actorkafka.coordination.store.journal-plugin = "akka.persistence.journal.inmem"
        actorkafka.coordination.store.snapshot-plugin = "akka.persistence.snapshot-store.inmem"
        actorkafka.coordination.store.tick-time = 50ms
        actorkafka.coordination.store.min-session-timeout = 300ms
        actorkafka.coordination.client.session-timeout = 10s
        actorkafka.coordination.client.request-timeout = 5s
        actorkafka.coordination.client.reconnect-interval = 50ms
        actorkafka.controller.migration.enabled = on
        actorkafka.controller.migration.retry-backoff = 100ms
        actorkafka.controller.migration.store-request-timeout = 5s
        actorkafka.controller.migration.append-timeout = 5s
        akka.loglevel = WARNING
        """).WithFallback(StorePersistence.CoordinationDefaults);

    private readonly TestProbe _quorum;
    private readonly Dictionary<int, TestProbe> _zkBrokers = new();
    private readonly TestProbe _events;
    private CoordinationSession _zk = null!;

    public MigrationDriverSpec() : base(TestConfig, "migration-spec")
    {
        Sys.StartCoordinationStore();
        _quorum = CreateTestProbe("quorum");
        _events = CreateTestProbe("events");
        Sys.EventStream.Subscribe(_events.Ref, typeof(MigrationEvent));
    }

    /// <summary>A zk-mode cluster: brokers 1 and 2 registered, topic orders with two partitions, a zk controller of epoch 5.</summary>
    private async Task<(int EpochVersion, Dictionary<int, long> BrokerEpochs)> StartZkClusterAsync()
    {
        _zk = await CoordinationSession.OpenAsync(Sys, ClientSettings.From(Sys.Settings.Config), "zk-side");
        foreach (var path in ZkPaths.PersistentPaths) await _zk.Client.EnsurePathAsync(path, Bound);
        await _zk.CreateAsync(ZkPaths.ControllerEpoch, ZkData.EncodeControllerEpoch(ZkControllerEpoch - 1));
        var epochStat = await _zk.SetDataAsync(ZkPaths.ControllerEpoch, ZkData.EncodeControllerEpoch(ZkControllerEpoch));
        await _zk.CreateAsync(ZkPaths.Controller, ZkData.EncodeController(new ControllerZNode(1, 0)), CreateMode.Ephemeral);

        var epochs = new Dictionary<int, long>();
        foreach (var id in new[] { 1, 2 })
        {
            var probe = CreateTestProbe($"zk-broker-{id}");
            _zkBrokers[id] = probe;
            // ActorNames.BrokerPath(address) is address + "/user/broker": host a forwarder there.
            Sys.ActorOf(Props.Create(typeof(Hop), Props.Create(typeof(Hop), Props.Create(typeof(Forwarder), probe.Ref), "broker"), "user"), $"zk-{id}");
            await _zk.CreateAsync(ZkPaths.BrokerId(id),
                ZkData.EncodeBroker(new BrokerInfo(id, $"10.0.0.{id}", 9092, null, 0, BrokerAddress(id)), 0), CreateMode.Ephemeral);
            epochs[id] = (await _zk.ExistsAsync(ZkPaths.BrokerId(id)))!.Czxid;
        }

        await _zk.CreateAsync(ZkPaths.Topic("orders"),
            ZkData.EncodeTopic(new TopicZNode(OrdersId.ToString(), new Dictionary<int, IReadOnlyList<int>> { [0] = [1, 2], [1] = [2, 1] })));
        await _zk.CreateAsync(ZkPaths.TopicPartitions("orders"), []);
        foreach (var (partition, state) in new[] { (0, new LeaderAndIsr(1, 3, [1, 2], ZkControllerEpoch, 0)), (1, new LeaderAndIsr(2, 1, [2], ZkControllerEpoch, 0)) })
        {
            await _zk.CreateAsync(ZkPaths.Partition("orders", partition), []);
            await _zk.CreateAsync(ZkPaths.PartitionState("orders", partition), ZkData.EncodePartitionState(state));
            // Partition epoch 2: two zk controller writes since creation.
            await _zk.SetDataAsync(ZkPaths.PartitionState("orders", partition), ZkData.EncodePartitionState(state));
            await _zk.SetDataAsync(ZkPaths.PartitionState("orders", partition), ZkData.EncodePartitionState(state));
        }
        return (epochStat.Version, epochs);
    }

    /// <summary>The zk broker's answer, as a broker gives it: to the sender, with the request's correlation id.</summary>
    private static void Answer(TestProbe probe, int brokerId, IBrokerControlRequest request) => probe.Reply(request switch
    {
        LeaderAndIsrRequest r => new LeaderAndIsrResponse(brokerId, r.ControllerEpoch, ControlError.None, [], r.CorrelationId),
        UpdateMetadataRequest r => new UpdateMetadataResponse(brokerId, r.ControllerEpoch, ControlError.None, r.CorrelationId),
        StopReplicaRequest r => new StopReplicaResponse(brokerId, r.ControllerEpoch, ControlError.None, r.CorrelationId),
        _ => throw new ArgumentException(request.GetType().Name),
    });

    [Fact]
    public async Task A_zk_broker_that_does_not_answer_hears_its_requests_again_in_order_until_it_does()
    {
        await StartZkClusterAsync();
        var driver = StartDriver("actorkafka.controller.migration.request-retry-after = 1s");
        var brokers = BrokersImage();
        driver.Tell(new ControllerMetadataChanged(brokers, true, RaftEpoch));
        var append = _quorum.ExpectMsg<AppendMigrationRecords>(Bound);
        var copied = brokers.With(append.Records.Where(r => r is not ZkMigrationStateRecord).ToArray());
        _quorum.Reply(new MigrationRecordsCommitted(append.RequestId, copied.Offset, RaftEpoch));

        // Broker 2 answers at once; broker 1's requests (or its answers) are lost.
        var quiet = _zkBrokers[2];
        Answer(quiet, 2, quiet.ExpectMsg<LeaderAndIsrRequest>(Bound));
        Answer(quiet, 2, quiet.ExpectMsg<UpdateMetadataRequest>(Bound));
        var silent = _zkBrokers[1];
        var leaderAndIsr = silent.ExpectMsg<LeaderAndIsrRequest>(Bound);
        var update = silent.ExpectMsg<UpdateMetadataRequest>(Bound);
        Assert.NotEqual(leaderAndIsr.CorrelationId, update.CorrelationId);

        // Both again, in their order, with their ids: the broker applies the newest last.
        Assert.Equal(leaderAndIsr.CorrelationId, silent.ExpectMsg<LeaderAndIsrRequest>(Bound).CorrelationId);
        Assert.Equal(update.CorrelationId, silent.ExpectMsg<UpdateMetadataRequest>(Bound).CorrelationId);
        Answer(silent, 1, leaderAndIsr);
        Answer(silent, 1, update);
        // Over two retry periods: nothing more for either.
        silent.ExpectNoMsg(TimeSpan.FromMilliseconds(2500));
        quiet.ExpectNoMsg(TimeSpan.Zero);
    }

    private string BrokerAddress(int id) => $"akka://{Sys.Name}/user/zk-{id}";

    /// <summary>Both zk brokers registered with KRaft as migrating and unfenced, and a KRaft broker 5.</summary>
    private MetadataImage BrokersImage() => MetadataImage.Empty.WithLeader(NodeId)
        .WithBroker(1, zk: true).WithBroker(2, zk: true).WithBroker(5, zk: false, actorAddress: "akka://elsewhere@10.0.0.5:2552");

    private IActorRef StartDriver(string hocon = "")
    {
        var settings = MigrationDriverSettings.From(ConfigurationFactory.ParseString(hocon).WithFallback(Sys.Settings.Config), NodeId);
        var driver = Sys.ActorOf(MigrationDriver.Props(settings, _quorum.Ref), ActorNames.MigrationDriver);
        Assert.Equal(driver, _quorum.ExpectMsg<SubscribeControllerMetadata>(Bound).Subscriber);
        return driver;
    }

    [Fact]
    public async Task A_fresh_migration_fences_the_zk_controller_copies_informs_the_brokers_dual_writes_and_finalizes()
    {
        var (zkEpochVersion, brokerEpochs) = await StartZkClusterAsync();
        var driver = StartDriver();
        var brokers = BrokersImage();
        driver.Tell(new ControllerMetadataChanged(brokers, true, RaftEpoch));

        // The copy: what the store holds, as one batch ending with the Migration record.
        var append = _quorum.ExpectMsg<AppendMigrationRecords>(Bound);
        Assert.Equal(
        [
            new TopicRecord("orders", OrdersId),
            new PartitionRecord(0, OrdersId, BrokerIdList.Of(1, 2), BrokerIdList.Of(1, 2), 1, LeaderEpoch: 3, PartitionEpoch: 2),
            new PartitionRecord(1, OrdersId, BrokerIdList.Of(2, 1), BrokerIdList.Of(2), 2, LeaderEpoch: 1, PartitionEpoch: 2),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
        ], append.Records);

        // By now /controller is the KRaft controller's, with a bumped epoch...
        var controller = ZkData.DecodeController((await _zk.GetDataAsync(ZkPaths.Controller)).Data).Value;
        Assert.Equal((NodeId, RaftEpoch), (controller.BrokerId, controller.KraftControllerEpoch));
        Assert.Equal(ZkControllerEpoch + 1, ZkData.DecodeControllerEpoch((await _zk.GetDataAsync(ZkPaths.ControllerEpoch)).Data).Value);
        Assert.Equal(new ZkControllerClaimed(NodeId, RaftEpoch, ZkControllerEpoch + 1), _events.FishForMessage(m => m is ZkControllerClaimed, Bound));
        // ...so the zk-mode controller's next write, fenced on the version it claimed, fails.
        var zombie = await _zk.RequestAsync(new MultiRequest([
            new CheckVersionRequest(ZkPaths.ControllerEpoch, zkEpochVersion),
            new SetDataRequest(ZkPaths.PartitionState("orders", 0), ZkData.EncodePartitionState(new LeaderAndIsr(2, 4, [2], ZkControllerEpoch, 2))),
        ]));
        Assert.Equal(ZkErrorCode.BadVersion, Assert.IsType<MultiResponse>(zombie).FirstError!.Code);

        var copied = brokers.With(append.Records.Where(r => r is not ZkMigrationStateRecord).ToArray());
        _quorum.Reply(new MigrationRecordsCommitted(append.RequestId, copied.Offset, RaftEpoch));

        // /migration records the copy; the zk brokers hear from the KRaft controller.
        await AwaitMigrationOffsetAsync(copied.Offset);
        var migrated = (ZkMetadataMigrated)_events.FishForMessage(m => m is ZkMetadataMigrated, Bound);
        Assert.Equal((copied.Offset, 1, 2), (migrated.Offset, migrated.Topics, migrated.Partitions));
        foreach (var (id, probe) in _zkBrokers)
        {
            var leaderAndIsr = probe.ExpectMsg<LeaderAndIsrRequest>(Bound);
            Assert.True(leaderAndIsr.IsKRaftController);
            Assert.Equal((NodeId, ZkControllerEpoch + 1, brokerEpochs[id]), (leaderAndIsr.ControllerId, leaderAndIsr.ControllerEpoch, leaderAndIsr.BrokerEpoch));
            Assert.Equal([0, 1], leaderAndIsr.PartitionStates.Select(s => s.Partition).Order());
            Answer(probe, id, leaderAndIsr);
            var update = probe.ExpectMsg<UpdateMetadataRequest>(Bound);
            Answer(probe, id, update);
            Assert.True(update.IsKRaftController);
            Assert.Equal(2, update.PartitionStates.Length);
            Assert.Equal([1, 2, 5], update.LiveBrokers.Select(b => b.BrokerId));
            Assert.Equal("akka://elsewhere@10.0.0.5:2552", update.LiveBrokers.Single(b => b.BrokerId == 5).ActorAddress);
        }
        await AwaitDriverStateAsync(driver, "DualWrite");

        // Dual write: a leader change in the log becomes the state znode, behind the fence.
        driver.Tell(new ControllerMetadataChanged(copied, true, RaftEpoch));
        var changed = copied.With(new PartitionChangeRecord(0, OrdersId, Isr: BrokerIdList.Of(2), Leader: 2));
        driver.Tell(new ControllerMetadataChanged(changed, true, RaftEpoch));
        await AwaitMigrationOffsetAsync(changed.Offset);
        var state = await _zk.GetDataAsync(ZkPaths.PartitionState("orders", 0));
        var written = ZkData.DecodePartitionState(new TopicPartition("orders", 0), state.Data, state.Stat.Version).Value;
        Assert.Equal((2, 4, "2", ZkControllerEpoch + 1), (written.Leader, written.LeaderEpoch, string.Join(",", written.Isr), written.ControllerEpoch));
        foreach (var (id, probe) in _zkBrokers)
        {
            var leaderAndIsr = probe.ExpectMsg<LeaderAndIsrRequest>(Bound);
            Assert.Equal((0, 2, 4), (leaderAndIsr.PartitionStates.Single().Partition, leaderAndIsr.PartitionStates[0].Leader, leaderAndIsr.PartitionStates[0].LeaderEpoch));
            Answer(probe, id, leaderAndIsr);
            var update = probe.ExpectMsg<UpdateMetadataRequest>(Bound);
            Assert.Single(update.PartitionStates);
            Answer(probe, id, update);
        }

        // Finalize: refused while the zk brokers run in zk mode...
        var refused = await driver.Ask<FinalizeMigrationResponse>(new FinalizeMigrationRequest(7), Bound);
        Assert.Equal(ControlError.InvalidRequest, refused.Error);
        Assert.Contains("brokers 1, 2 still run in zk mode", refused.Message);

        // ...accepted once they were restarted in KRaft mode.
        var rolled = changed.WithBroker(1, zk: false).WithBroker(2, zk: false);
        driver.Tell(new ControllerMetadataChanged(rolled, true, RaftEpoch));
        var finalize = driver.Ask<FinalizeMigrationResponse>(new FinalizeMigrationRequest(8), Bound);
        var postMigration = _quorum.ExpectMsg<AppendMigrationRecords>(Bound);
        Assert.Equal([new ZkMigrationStateRecord(ZkMigrationState.PostMigration)], postMigration.Records);
        _quorum.Reply(new MigrationRecordsCommitted(postMigration.RequestId, rolled.Offset + 1, RaftEpoch));
        var accepted = await finalize;
        Assert.Equal((ControlError.None, rolled.Offset + 1, NodeId), (accepted.Error, accepted.Offset, accepted.ControllerId));

        // The session is closed: /controller is free and the store is not written again.
        await WaitUntilAsync(async () => await _zk.ExistsAsync(ZkPaths.Controller) is null, "/controller is gone");
        var description = await driver.Ask<MigrationDescription>(new DescribeMigrationRequest(9), Bound);
        Assert.Equal((ZkMigrationState.PostMigration, "Finalized"), (description.State, description.DriverState));
    }

    [Fact]
    public async Task A_failover_mid_migration_syncs_the_store_with_the_log_and_a_standby_answers_not_controller()
    {
        await StartZkClusterAsync();
        // The previous active controller copied up to offset 3 and recorded it in /migration.
        await _zk.CreateAsync(ZkPaths.Migration, ZkData.EncodeMigration(new MigrationZNode(3001, RaftEpoch - 1, 3, RaftEpoch - 1)));
        var image = BrokersImage()
            .WithTopic("orders", OrdersId, (0, [1, 2], [1, 2], 1, 3), (1, [2, 1], [2], 2, 1))
            .WithTopic("payments", MigrationImages.TopicId(2), (0, [2], [2], 2, 0));
        var driver = StartDriver();

        var standby = await driver.Ask<MigrationDescription>(new DescribeMigrationRequest(1), Bound);
        Assert.Equal(ControlError.NotController, standby.Error);
        driver.Tell(new ControllerMetadataChanged(image.WithLeader(3001), false, RaftEpoch));
        standby = await driver.Ask<MigrationDescription>(new DescribeMigrationRequest(2), Bound);
        Assert.Equal((ControlError.NotController, 3001, "Inactive"), (standby.Error, standby.ControllerId, standby.DriverState));

        driver.Tell(new ControllerMetadataChanged(image, true, RaftEpoch));

        // No copy: the store gets the topic it lacked, and /migration the image's offset.
        await AwaitMigrationOffsetAsync(image.Offset);
        _quorum.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var payments = ZkData.DecodeTopic("payments", (await _zk.GetDataAsync(ZkPaths.Topic("payments"))).Data).Value;
        Assert.Equal(MigrationImages.TopicId(2), Guid.Parse(payments.TopicId));
        Assert.NotNull(await _zk.ExistsAsync(ZkPaths.PartitionState("payments", 0)));
        Assert.Equal(new MigrationZNode(NodeId, RaftEpoch, image.Offset, RaftEpoch),
            ZkData.DecodeMigration((await _zk.GetDataAsync(ZkPaths.Migration)).Data).Value);
        var states = _events.FishForMessage(m => m is MigrationDriverStateChanged { To: MigrationDriverState.DualWrite }, Bound);
        Assert.NotNull(states);

        var description = await driver.Ask<MigrationDescription>(new DescribeMigrationRequest(3), Bound);
        Assert.Equal((ControlError.None, NodeId, ZkMigrationState.Migration, ZkControllerEpoch + 1, image.Offset),
            (description.Error, description.ControllerId, description.State, description.ZkControllerEpoch, description.MigratedOffset));
    }

    [Fact]
    public async Task A_write_fenced_by_another_claim_makes_the_driver_claim_the_store_again()
    {
        await StartZkClusterAsync();
        var image = BrokersImage().WithTopic("orders", OrdersId, (0, [1, 2], [1, 2], 1, 3), (1, [2, 1], [2], 2, 1));
        await _zk.CreateAsync(ZkPaths.Migration, ZkData.EncodeMigration(new MigrationZNode(NodeId, RaftEpoch, 1, RaftEpoch)));
        var driver = StartDriver();
        driver.Tell(new ControllerMetadataChanged(image, true, RaftEpoch));
        await AwaitMigrationOffsetAsync(image.Offset);
        await AwaitDriverStateAsync(driver, "DualWrite");

        // A zk-mode controller bumps /controller_epoch behind the driver's back.
        var epoch = await _zk.GetDataAsync(ZkPaths.ControllerEpoch);
        await _zk.SetDataAsync(ZkPaths.ControllerEpoch, ZkData.EncodeControllerEpoch(ZkControllerEpoch + 10), epoch.Stat.Version);

        var changed = image.With(new PartitionChangeRecord(1, OrdersId, Isr: BrokerIdList.Of(2, 1)));
        driver.Tell(new ControllerMetadataChanged(changed, true, RaftEpoch));

        Assert.IsType<DualWriteFenced>(_events.FishForMessage(m => m is DualWriteFenced, Bound));
        Assert.Equal(new ZkControllerClaimed(NodeId, RaftEpoch, ZkControllerEpoch + 11), _events.FishForMessage(m => m is ZkControllerClaimed { ZkControllerEpoch: > ZkControllerEpoch + 1 }, Bound));
        // The re-claim syncs: the change is in the store after all, written under the new epoch.
        await AwaitMigrationOffsetAsync(changed.Offset);
        var state = await _zk.GetDataAsync(ZkPaths.PartitionState("orders", 1));
        var written = ZkData.DecodePartitionState(new TopicPartition("orders", 1), state.Data, state.Stat.Version).Value;
        Assert.Equal(("2,1", ZkControllerEpoch + 11), (string.Join(",", written.Isr), written.ControllerEpoch));
    }

    private Task AwaitMigrationOffsetAsync(long offset) =>
        WaitUntilAsync(async () =>
            await _zk.RequestAsync(new GetDataRequest(ZkPaths.Migration)) is GetDataResponse data
            && ZkData.DecodeMigration(data.Data).TryGetValue(out var migration) && migration.KraftMetadataOffset == offset,
            $"/migration records offset {offset}");

    private Task AwaitDriverStateAsync(IActorRef driver, string state) =>
        WaitUntilAsync(async () => (await driver.Ask<MigrationDescription>(new DescribeMigrationRequest(0), Bound)).DriverState == state,
            $"the driver is in {state}");

    private Task WaitUntilAsync(Func<Task<bool>> condition, string what) =>
        AwaitAssertAsync(async () => Assert.True(await condition(), what), Bound, TimeSpan.FromMilliseconds(20));

    protected override void AfterAll()
    {
        if (_zk is not null) _zk.DisposeAsync().AsTask().Wait(Bound);
        base.AfterAll();
    }

    /// <summary>Creates one named child, so a probe can sit at a path like /user/zk-1/user/broker.</summary>
    private sealed class Hop : ReceiveActor
    {
        public Hop(Props child, string name) => Context.ActorOf(child, name);
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }
}
