using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Migration;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorKafka.Migration.Tests;

/// <summary>
/// Faults during a migration: the active KRaft controller killed in the hybrid phase, the
/// replaced zk controller coming back as a zombie, brokers restarted in the wrong order, and a
/// rollback to zk mode before finalize; acknowledged records survive each.
/// </summary>
public sealed class MigrationFaultTests(ITestOutputHelper output)
{
    private const string Topic = "orders";
    private static readonly TopicPartition Partition = new(Topic, 0);
    private static readonly TimeSpan Bound = MigrationClusterHarness.Bound;

    [Fact]
    public async Task The_active_KRaft_controller_killed_mid_migration_is_replaced_by_a_standby_that_resumes_without_copying_again()
    {
        await using var h = await MigrationClusterHarness.StartMigratingAsync(3, TestReplication.Safe);
        var first = h.AwaitMigrationState(ZkMigrationState.Migration, nameof(MigrationDriverState.DualWrite));
        await h.CreateTopicThroughQuorumAsync(Topic, 1, 3);
        h.AwaitFullIsrInStore(Topic, 3);
        await using var workload = new MigrationWorkload(h.Cluster.ZkBrokers.Values.Select(n => n.System), Partition);
        workload.Start();

        await h.Cluster.KillAsync(first.ControllerId);
        MigrationDescription? next = null;
        h.Kit.AwaitAssert(() =>
        {
            next = h.DescribeMigration();
            Assert.NotEqual(first.ControllerId, next.ControllerId);
            Assert.Equal(nameof(MigrationDriverState.DualWrite), next.DriverState);
        }, Bound, TimeSpan.FromMilliseconds(100));
        output.WriteLine($"controller {first.ControllerId} (zk epoch {first.ZkControllerEpoch}) killed; {next!.ControllerId} resumed with zk epoch {next.ZkControllerEpoch}");

        // It resumed from the persisted state: no second copy, a higher zk controller epoch, the store synced.
        Assert.Equal(ZkMigrationState.Migration, next.State);
        Assert.Single(h.EventsOf<ZkMetadataMigrated>());
        Assert.True(next.ZkControllerEpoch > first.ZkControllerEpoch, $"zk epoch {next.ZkControllerEpoch} after {first.ZkControllerEpoch}");
        Assert.Contains(h.EventsOf<KRaftMetadataSyncedToZk>(), s => s.NodeId == next.ControllerId);

        // The new controller runs the cluster: a broker loss moves the leadership, and the move reaches the store (dual-write).
        var leader = (await h.DescribeZkAsync(Topic))[0].State!.Leader;
        await h.Cluster.KillAsync(leader);
        h.Kit.AwaitAssert(() =>
        {
            var state = h.DescribeZkAsync(Topic).GetAwaiter().GetResult()[0].State!;
            Assert.True(state.HasLeader && state.Leader != leader && !state.Isr.Contains(leader), $"store: {state}");
        }, Bound, TimeSpan.FromMilliseconds(100));
        await h.Cluster.StartZkBrokerAsync(leader, migration: true);
        h.AwaitFullIsrInStore(Topic, 3);

        var acknowledged = await workload.StopAsync();
        TestClients.AssertAllPresent(await workload.ReadAllAsync(), acknowledged);
        Assert.NotEmpty(acknowledged);
    }

    [Fact]
    public async Task The_zk_controller_paused_across_the_takeover_comes_back_a_zombie_that_every_broker_rejects_and_it_stands_aside()
    {
        await using var h = await MigrationClusterHarness.StartAsync(0, TestReplication.Safe, awaitController: false);
        await h.Cluster.StartControllersAsync();
        // Broker 4 runs without migration: while it is registered, the KRaft controller waits, so the pause surely comes before its takeover.
        await h.Cluster.StartZkBrokerAsync(4, migration: false);
        var first = h.AwaitZkController();
        foreach (var id in new[] { 1, 2, 3 }) await h.Cluster.StartZkBrokerAsync(id, migration: true);
        h.AwaitZkRegistered(1, 2, 3, 4);
        // The zombie must not be broker 4's controller (broker 4 goes later): pause that one until another broker's takes over.
        var zombie = first;
        if (first.ControllerId == 4)
        {
            h.ZkBroker(4).Controller.Tell(PauseController.Instance, ActorRefs.NoSender);
            zombie = h.AwaitZkController(afterEpoch: first.Epoch);
        }
        Assert.NotEqual(4, zombie.ControllerId);
        // Paused while it is the controller; then broker 4 leaves and the KRaft controller takes over.
        h.ZkBroker(zombie.ControllerId).Controller.Tell(PauseController.Instance, ActorRefs.NoSender);
        await h.Cluster.KillAsync(4);
        var migrated = h.AwaitMigrationState(ZkMigrationState.Migration, nameof(MigrationDriverState.DualWrite));
        Assert.True(migrated.ZkControllerEpoch > zombie.Epoch);

        // Every broker has heard the KRaft controller (its requests travel over the network; the zombie's to its own broker do not).
        h.Kit.AwaitAssert(() => Assert.All(new[] { 1, 2, 3 }, id =>
        {
            var state = h.ZkBroker(id).Broker.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, Bound).GetAwaiter().GetResult();
            Assert.True(state.ControllerEpoch >= migrated.ZkControllerEpoch, $"broker {id} knows controller epoch {state.ControllerEpoch}");
        }), Bound, TimeSpan.FromMilliseconds(100));
        h.ZkBroker(zombie.ControllerId).Controller.Tell(ResumeController.Instance, ActorRefs.NoSender);
        // Its held UpdateMetadata carries the old epoch: brokers that know the KRaft controller's refuse it.
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<StaleEpochRejected>(),
            r => r is { Kind: StaleEpochKind.Controller } && r.StaleEpoch == zombie.Epoch && r.CurrentEpoch >= migrated.ZkControllerEpoch), Bound);
        // Once it notices, it resigns and stands aside while the migration owns the store; nobody in zk mode is elected again.
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<ControllerElectionDeferred>(), d => d.ControllerId == zombie.ControllerId), Bound);
        Assert.DoesNotContain(h.EventsOf<ControllerElected>(), e => e.ControllerId < MigrationCluster.FirstControllerId && e.Epoch > migrated.ZkControllerEpoch);
        // The quorum may have elected another leader meanwhile (a loaded machine): the store still belongs to a KRaft controller.
        var now = h.DescribeMigration();
        Assert.True(now.ControllerId >= MigrationCluster.FirstControllerId, $"the migration is driven by {now.ControllerId}, not a KRaft controller");
        Assert.True(now.ZkControllerEpoch >= migrated.ZkControllerEpoch, $"the claimed zk controller epoch went back from {migrated.ZkControllerEpoch} to {now.ZkControllerEpoch}");
    }

    [Fact]
    public async Task Brokers_restarted_in_the_wrong_order_wait_or_stand_aside_and_the_migration_goes_on()
    {
        await using var h = await MigrationClusterHarness.StartAsync(0, TestReplication.Safe, awaitController: false);
        await h.Cluster.StartControllersAsync();
        h.AwaitMigrationState(ZkMigrationState.PreMigration);

        // A broker started in KRaft mode before the metadata is migrated is refused (pre-migration) and keeps trying.
        await h.Cluster.StartKraftBrokerAsync(3);
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<BrokerRegistrationDeferred>(),
            d => d is { BrokerId: 3, Error: ControlError.BrokerIdNotRegistered } && d.Message.Contains("pre-migration")), Bound);
        Assert.DoesNotContain(h.DescribeMigration().Brokers, b => b.BrokerId == 3);
        // Once the zk brokers are registered with the quorum the migration proceeds, and then the early KRaft broker gets in.
        await h.Cluster.StartZkBrokerAsync(1, migration: true);
        await h.Cluster.StartZkBrokerAsync(2, migration: true);
        h.AwaitMigrationState(ZkMigrationState.Migration, nameof(MigrationDriverState.DualWrite));
        h.Kit.AwaitAssert(() => Assert.Contains(h.DescribeMigration().Brokers, b => b is { BrokerId: 3, Mode: "kraft", Fenced: false }), Bound);
        h.AwaitQuorumBrokers(3);

        // A mixed cluster serves a topic created through the KRaft controller's dual-written store... and keeps acknowledged records.
        await h.CreateTopicThroughQuorumAsync(Topic, 1, 3);
        h.AwaitFullIsrInStore(Topic, 3);
        await using var workload = new MigrationWorkload(h.Cluster.ZkBrokers.Values.Select(n => n.System), Partition);
        workload.Start();
        h.Kit.AwaitAssert(() => Assert.True(workload.AcknowledgedCount > 100), Bound);

        // After finalize, a broker restarted in zk mode (wrong order) gets no zk controller: candidates stand aside while /migration exists.
        await h.Cluster.RollBrokerAsync(1, BrokerMode.Kraft);
        h.AwaitFullIsrInStore(Topic, 3);
        await h.Cluster.RollBrokerAsync(2, BrokerMode.Kraft);
        h.AwaitFullIsrInStore(Topic, 3);
        // Finalize counts a broker as migrated once the driver has seen it register in KRaft mode, not when its node is up.
        h.Kit.AwaitAssert(() => Assert.All(h.DescribeMigration().Brokers, b => Assert.Equal("kraft", b.Mode)), Bound);
        var finalized = await h.FinalizeAsync();
        Assert.True(finalized.Error == ControlError.None, $"{finalized.Error}: {finalized.Message}");
        var elections = h.EventsOf<ControllerElected>().Count(e => e.ControllerId < MigrationCluster.FirstControllerId);
        await h.Cluster.KillAsync(2);
        await h.Cluster.StartZkBrokerAsync(2, migration: false);
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<ControllerElectionDeferred>(), d => d.ControllerId == 2), Bound);
        Assert.Equal(elections, h.EventsOf<ControllerElected>().Count(e => e.ControllerId < MigrationCluster.FirstControllerId));

        var acknowledged = await workload.StopAsync();
        TestClients.AssertAllPresent(await workload.ReadAllAsync(), acknowledged);
    }

    [Fact]
    public async Task Before_finalize_the_cluster_rolls_back_to_zk_mode_with_the_dual_written_state_and_nothing_lost()
    {
        await using var h = await MigrationClusterHarness.StartMigratingAsync(3, TestReplication.Safe);
        var migrated = h.AwaitMigrationState(ZkMigrationState.Migration, nameof(MigrationDriverState.DualWrite));
        await h.CreateTopicThroughQuorumAsync(Topic, 1, 3);
        h.AwaitFullIsrInStore(Topic, 3);
        await using var workload = new MigrationWorkload(h.Cluster.ZkBrokers.Values.Select(n => n.System), Partition);
        workload.Start();

        // A leadership moved by the KRaft controller: the store must hold it after the rollback.
        var leader = (await h.DescribeZkAsync(Topic))[0].State!.Leader;
        await h.Cluster.KillAsync(leader);
        LeaderAndIsr? moved = null;
        h.Kit.AwaitAssert(() =>
        {
            moved = h.DescribeZkAsync(Topic).GetAwaiter().GetResult()[0].State!;
            Assert.True(moved.HasLeader && moved.Leader != leader, $"store: {moved}");
        }, Bound, TimeSpan.FromMilliseconds(100));

        var deleted = await h.Cluster.RollBackToZkAsync();
        output.WriteLine($"rolled back: deleted {string.Join(", ", deleted)}");
        Assert.Contains(Metadata.Zk.ZkPaths.Migration, deleted);
        // A zk-mode controller is elected above every epoch the KRaft controller claimed, and leads from the store's state.
        var zk = h.AwaitZkController(afterEpoch: migrated.ZkControllerEpoch);
        var state = (await h.DescribeZkAsync(Topic))[0].State!;
        Assert.True(state.LeaderEpoch >= moved!.LeaderEpoch, $"the zk controller's state {state} is behind the dual-written {moved}");
        await h.Cluster.StartZkBrokerAsync(leader, migration: false);
        h.AwaitFullIsrInStore(Topic, 3);
        output.WriteLine($"zk controller {zk.ControllerId} epoch {zk.Epoch}; {Topic}-0 {state}");

        // zk mode works again: a new topic gets leaders, and the producer carries on.
        await h.CreateTopicAsync("after-rollback", 1, 3);
        h.AwaitFullIsrInStore("after-rollback", 3);
        var before = workload.AcknowledgedCount;
        h.Kit.AwaitAssert(() => Assert.True(workload.AcknowledgedCount > before + 20), Bound);
        var acknowledged = await workload.StopAsync();
        TestClients.AssertAllPresent(await workload.ReadAllAsync(), acknowledged);
    }
}
