using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Migration;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;
using ActorKafka.Metadata.Zk;
using ActorKafka.Node.Hosting;
using Xunit.Abstractions;

namespace ActorKafka.Migration.Tests;

/// <summary>
/// A live zk-mode cluster migrated to KRaft (KIP-866) through every phase while an acks=all
/// producer runs: controllers provisioned in migration mode (PRE_MIGRATION), brokers rolled into
/// migration mode, the KRaft controller claiming /controller and copying the metadata
/// (MIGRATION, dual-write), brokers rolled into KRaft mode, finalize (POST_MIGRATION).
/// </summary>
public sealed class MigrationPhaseTests(ITestOutputHelper output)
{
    private const string Topic = "orders";
    private static readonly TopicPartition Partition = new(Topic, 0);

    [Fact]
    public async Task A_running_zk_cluster_moves_through_every_phase_to_kraft_and_keeps_every_acknowledged_record()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Step(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");
        await using var h = await MigrationClusterHarness.StartAsync(3, TestReplication.Safe);
        Step("zk cluster up");
        var zkController = h.AwaitZkController();
        await h.CreateTopicAsync(Topic, 1, 3);
        h.AwaitFullIsrInStore(Topic, 3);
        await using var workload = new MigrationWorkload(h.Cluster.ZkBrokers.Values.Select(n => n.System), Partition);
        workload.Start();

        // PRE_MIGRATION: a fresh quorum in migration mode waits for every zk broker to register with it.
        await h.Cluster.StartControllersAsync();
        Step("controllers started");
        var pre = h.AwaitMigrationState(ZkMigrationState.PreMigration, nameof(MigrationDriverState.WaitForBrokers));
        output.WriteLine($"pre-migration: controller {pre.ControllerId}, driver {pre.DriverState}");

        // Brokers rolled into migration mode, one at a time, each back in the ISR before the next.
        foreach (var id in new[] { 1, 2, 3 })
        {
            await h.Cluster.RollBrokerAsync(id, BrokerMode.ZkMigrating);
            Step($"broker {id} restarted in migration mode");
            h.AwaitFullIsrInStore(Topic, 3);
            Step($"broker {id} back in the ISR");
        }

        // MIGRATION: the active KRaft controller fenced the zk controller, copied the metadata and dual-writes.
        // Read together, retried within the bound: on a loaded machine the quorum can move while this
        // looks, and /controller is briefly absent between one KRaft controller's resignation and the next one's claim.
        MigrationDescription migrated = null!;
        ZkControllerClaimed claim = null!;
        await h.Kit.AwaitAssertAsync(async () =>
        {
            migrated = h.AwaitMigrationState(ZkMigrationState.Migration, nameof(MigrationDriverState.DualWrite));
            claim = h.EventsOf<ZkControllerClaimed>().Last();
            Assert.Equal(claim.ZkControllerEpoch, migrated.ZkControllerEpoch);
            var holder = ZkData.DecodeController((await h.Admin.GetDataAsync(ZkPaths.Controller)).Data).Value;
            Assert.Equal(migrated.ControllerId, holder.BrokerId);
            Assert.NotEqual(ControllerZNode.NoKraftControllerEpoch, holder.KraftControllerEpoch);
        }, MigrationClusterHarness.Bound, TimeSpan.FromMilliseconds(100));
        Assert.True(claim.ZkControllerEpoch > zkController.Epoch,
            $"the KRaft controller claimed zk controller epoch {claim.ZkControllerEpoch}, not above the zk controller's {zkController.Epoch}");
        Assert.True(ZkData.DecodeMigration((await h.Admin.GetDataAsync(ZkPaths.Migration)).Data).TryGetValue(out var migrationZNode));
        Assert.True(migrationZNode.KraftMetadataOffset >= 0);
        Assert.All(migrated.Brokers, b => Assert.Equal("zk", b.Mode));
        output.WriteLine($"migration: zk epoch {claim.ZkControllerEpoch}, offset {migrated.MigratedOffset}");

        // Finalize is refused while any broker still runs in zk mode.
        var early = await h.FinalizeAsync();
        Assert.Equal(ControlError.InvalidRequest, early.Error);
        Assert.Contains("zk mode", early.Message);

        // Brokers rolled into KRaft mode; the store stays in step (dual-write) and a mixed cluster serves.
        foreach (var id in new[] { 1, 2, 3 })
        {
            await h.Cluster.RollBrokerAsync(id, BrokerMode.Kraft);
            Step($"broker {id} restarted in KRaft mode");
            h.AwaitFullIsrInStore(Topic, 3);
            Step($"broker {id} back in the ISR");
        }
        h.Kit.AwaitAssert(() => Assert.All(h.DescribeMigration().Brokers, b => Assert.Equal("kraft", b.Mode)), MigrationClusterHarness.Bound);

        // POST_MIGRATION.
        var finalized = await h.FinalizeAsync();
        Assert.True(finalized.Error == ControlError.None, $"{finalized.Error}: {finalized.Message}");
        h.AwaitMigrationState(ZkMigrationState.PostMigration);
        Step("finalized");

        var before = workload.AcknowledgedCount;
        h.Kit.AwaitAssert(() => Assert.True(workload.AcknowledgedCount > before + 20, "the producer is not acknowledged after finalize"),
            MigrationClusterHarness.Bound);
        var acknowledged = await workload.StopAsync();
        var records = await workload.ReadAllAsync();
        output.WriteLine($"{acknowledged.Count} acknowledged, {records.Count} read, {workload.Refused} batches refused during the rolls");
        TestClients.AssertAllPresent(records, acknowledged);

        // Controller epochs only grew: every zk controller election, then the KRaft controller's claims.
        var zkEpochs = h.EventsOf<ControllerElected>().Where(e => e.ControllerId < MigrationCluster.FirstControllerId).Select(e => e.Epoch)
            .Concat(h.EventsOf<ZkControllerClaimed>().Select(c => c.ZkControllerEpoch)).ToArray();
        Assert.Equal(zkEpochs.Distinct().Count(), zkEpochs.Length);
    }
}
