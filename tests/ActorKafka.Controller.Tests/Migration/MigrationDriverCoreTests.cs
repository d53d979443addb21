using ActorKafka.Controller.Migration;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using static ActorKafka.Controller.Migration.MigrationDriverState;

namespace ActorKafka.Controller.Tests.Migration;

public sealed class MigrationDriverCoreTests
{
    private const int NodeId = 3000;

    private static readonly MetadataImage TwoZkBrokers = MetadataImage.Empty.WithLeader(NodeId).WithBroker(1, zk: true).WithBroker(2, zk: true);

    private readonly MigrationDriverCore _core = new(NodeId, enabled: true);
    private readonly List<MigrationDriverState> _states = [];

    private IReadOnlyList<MigrationCommand> Handle(MigrationInput input)
    {
        var commands = _core.Handle(input);
        if (_states.Count == 0 || _states[^1] != _core.State) _states.Add(_core.State);
        return commands;
    }

    private IReadOnlyList<MigrationCommand> Publish(MetadataImage image, bool active = true, ZkMigrationState state = ZkMigrationState.PreMigration, int epoch = 4) =>
        Handle(new MetadataPublished(image, active, epoch, state));

    /// <summary>Runs a fresh migration up to DualWrite and returns the image the store matches.</summary>
    private MetadataImage ToDualWrite()
    {
        Assert.IsType<LoadZkBrokers>(Assert.Single(Publish(TwoZkBrokers)));
        Assert.IsType<ClaimZkController>(Assert.Single(Handle(new ZkBrokersLoaded(new Dictionary<int, long> { [1] = 10, [2] = 11 }))));
        Assert.IsType<CopyZkMetadata>(Assert.Single(Handle(new ZkControllerClaimResult(8, 7, null, -1))));
        var copied = TwoZkBrokers.WithTopic("orders", MigrationImages.TopicId(1), (0, [1, 2], [1, 2], 1, 0));
        var send = Assert.IsType<SendMetadataToZkBrokers>(Assert.Single(Handle(new ZkMetadataCopied(copied.Offset, copied, 0))));
        // The brokers learn what the store now holds, the copied topics included.
        Assert.Same(copied, send.Image);
        Assert.Empty(Handle(ZkBrokersInformed.Instance));
        return copied;
    }

    [Fact]
    public void A_fresh_migration_waits_for_brokers_claims_copies_informs_the_brokers_and_dual_writes()
    {
        var copied = ToDualWrite();

        Assert.Equal([WaitForBrokers, BecomeController, ZkMigration, KRaftControllerToBrokerComm, DualWrite], _states);
        Assert.Equal(new ZkFence(4, 8, 7, 0), _core.Fence);
        Assert.Equal(copied.Offset, _core.MigratedOffset);
        Assert.Equal(ZkMigrationState.Migration, _core.LogState);

        var next = copied.With(new PartitionChangeRecord(0, MigrationImages.TopicId(1), Isr: BrokerIdList.Of(1)));
        var write = Assert.IsType<DualWriteToZk>(Assert.Single(Publish(next, state: ZkMigrationState.Migration)));
        Assert.Same(copied, write.Previous);
        Assert.Same(next, write.Next);
        Assert.Empty(Handle(new ZkWritten(next, 1)));
        Assert.Equal(next.Offset, _core.MigratedOffset);
        Assert.Equal(1, _core.Fence!.MigrationZkVersion);
    }

    [Fact]
    public void The_claim_passes_through_the_quorum_wait_and_copy_command_carries_the_claim()
    {
        Publish(TwoZkBrokers);
        Handle(new ZkBrokersLoaded(new Dictionary<int, long> { [1] = 10, [2] = 11 }));
        var copy = Assert.IsType<CopyZkMetadata>(Assert.Single(Handle(new ZkControllerClaimResult(8, 7, null, -1))));

        Assert.Equal(new ZkFence(4, 8, 7, -1), copy.Fence);
        Assert.Same(TwoZkBrokers, copy.Image);
    }

    [Fact]
    public void Brokers_not_yet_registered_with_KRaft_or_fenced_keep_the_driver_waiting()
    {
        var onlyOne = MetadataImage.Empty.WithBroker(1, zk: true).WithBroker(2, zk: true, fenced: true);
        Publish(onlyOne);
        Assert.Empty(Handle(new ZkBrokersLoaded(new Dictionary<int, long> { [1] = 10, [2] = 11, [3] = 12 })));
        Assert.Equal(WaitForBrokers, _core.State);

        var kraftNotZk = onlyOne.WithBroker(3, zk: false);
        Assert.Empty(Publish(kraftNotZk));
        Assert.Equal(WaitForBrokers, _core.State);

        // Broker 3 re-registers as a migrating zk broker and broker 2 unfences.
        var all = kraftNotZk.WithBroker(3, zk: true).With(new UnfenceBrokerRecord(2, kraftNotZk.Cluster.Broker(2)!.Epoch));
        var claim = Assert.IsType<ClaimZkController>(Assert.Single(Publish(all)));
        Assert.Equal(4, claim.RaftEpoch);
    }

    [Fact]
    public void A_failover_mid_migration_skips_the_wait_and_the_copy_and_syncs_the_store()
    {
        var image = TwoZkBrokers.WithTopic("orders", MigrationImages.TopicId(1), (0, [1, 2], [1, 2], 1, 0));
        Assert.IsType<ClaimZkController>(Assert.Single(Publish(image, state: ZkMigrationState.Migration)));
        var sync = Assert.IsType<SyncKRaftMetadataToZk>(Assert.Single(Handle(new ZkControllerClaimResult(9, 8, null, 5))));
        Assert.Same(image, sync.Image);
        Assert.IsType<LoadZkBrokers>(Assert.Single(Handle(new ZkWritten(image, 6))));
        var send = Assert.IsType<SendMetadataToZkBrokers>(Assert.Single(Handle(new ZkBrokersLoaded(new Dictionary<int, long> { [1] = 10 }))));
        Assert.Null(send.FullTo);
        Assert.Equal(9, send.ZkControllerEpoch);
        Handle(ZkBrokersInformed.Instance);

        Assert.Equal([BecomeController, SyncKRaftToZk, KRaftControllerToBrokerComm, DualWrite], _states);
        Assert.DoesNotContain(_states, s => s is WaitForBrokers or ZkMigration);
    }

    [Fact]
    public void Losing_activity_closes_the_session_and_a_standby_names_the_active_controller()
    {
        ToDualWrite();
        var standby = TwoZkBrokers.WithLeader(3001);

        Assert.IsType<CloseZkSession>(Assert.Single(Publish(standby, active: false, state: ZkMigrationState.Migration, epoch: 5)));
        Assert.Equal(Inactive, _core.State);
        Assert.Null(_core.Fence);

        var description = _core.Describe(42);
        Assert.Equal(ControlError.NotController, description.Error);
        Assert.Equal(3001, description.ControllerId);
        Assert.Equal("Inactive", description.DriverState);
        Assert.Equal(-1, description.ZkControllerEpoch);
        Assert.Equal([1, 2], description.Brokers.Select(b => b.BrokerId));
        Assert.All(description.Brokers, b => Assert.Equal("zk", b.Mode));
    }

    [Fact]
    public void Active_again_in_a_later_epoch_claims_again_with_that_epoch()
    {
        ToDualWrite();
        var commands = Publish(TwoZkBrokers, state: ZkMigrationState.Migration, epoch: 6);

        Assert.Equal([typeof(CloseZkSession), typeof(ClaimZkController)], commands.Select(c => c.GetType()));
        Assert.Equal(6, ((ClaimZkController)commands[1]).RaftEpoch);
    }

    [Fact]
    public void A_fenced_write_sends_the_driver_back_to_claim_the_store_and_sync_it()
    {
        ToDualWrite();
        var claim = Assert.IsType<ClaimZkController>(Assert.Single(Handle(new ZkWriteFenced("BadVersion on /controller_epoch"))));

        Assert.Equal(BecomeController, _core.State);
        Assert.Equal(4, claim.RaftEpoch);
        Assert.Null(_core.Fence);
        Assert.IsType<SyncKRaftMetadataToZk>(Assert.Single(Handle(new ZkControllerClaimResult(10, 9, null, 3))));
    }

    [Fact]
    public void A_failed_step_waits_for_the_retry_even_when_metadata_changes()
    {
        Publish(TwoZkBrokers);
        Handle(new ZkBrokersLoaded(new Dictionary<int, long> { [1] = 10, [2] = 11 }));
        Assert.IsType<ScheduleMigrationRetry>(Assert.Single(Handle(new MigrationStepFailed("store unreachable"))));
        Assert.Empty(Publish(TwoZkBrokers.WithBroker(4, zk: false)));

        Assert.IsType<ClaimZkController>(Assert.Single(Handle(MigrationRetryDue.Instance)));
        Assert.Empty(Handle(MigrationRetryDue.Instance));
    }

    [Fact]
    public void A_zk_broker_that_rejoins_gets_its_replicas_and_the_others_the_new_live_set()
    {
        ToDualWrite();
        Assert.IsType<LoadZkBrokers>(Assert.Single(Handle(ZkBrokersChanged.Instance)));
        var send = Assert.IsType<SendMetadataToZkBrokers>(Assert.Single(Handle(new ZkBrokersLoaded(new Dictionary<int, long> { [1] = 10, [2] = 99 }))));

        Assert.Equal([2], send.FullTo!);
        Assert.Empty(Handle(new ZkBrokersLoaded(new Dictionary<int, long> { [1] = 10, [2] = 99 })));
    }

    [Fact]
    public void Finalize_is_refused_while_a_broker_runs_in_zk_mode_and_accepted_once_all_run_in_KRaft()
    {
        var copied = ToDualWrite();
        var refused = Assert.IsType<AnswerFinalize>(Assert.Single(Handle(new FinalizeRequested(1))));
        Assert.Equal(ControlError.InvalidRequest, refused.Error);
        Assert.Contains("brokers 1, 2 still run in zk mode", refused.Message);

        // Both brokers restarted in KRaft mode: new registrations without the migrating flag.
        var rolled = copied.WithBroker(1, zk: false).WithBroker(2, zk: false);
        Publish(rolled, state: ZkMigrationState.Migration);
        Handle(new ZkWritten(rolled, 1));
        Assert.Equal(new AppendPostMigration(2), Assert.Single(Handle(new FinalizeRequested(2))));

        var done = Handle(new FinalizeCommitted(2, 77));
        Assert.Equal(Finalized, _core.State);
        Assert.Equal(ControlError.None, Assert.IsType<AnswerFinalize>(done[0]).Error);
        Assert.Equal(77, ((AnswerFinalize)done[0]).Offset);
        Assert.IsType<CloseZkSession>(done[1]);
    }

    [Fact]
    public void Finalize_is_refused_before_dual_write_and_by_a_standby()
    {
        Publish(TwoZkBrokers.WithBroker(5, zk: false));
        var early = Assert.IsType<AnswerFinalize>(Assert.Single(Handle(new FinalizeRequested(1))));
        Assert.Equal(ControlError.InvalidRequest, early.Error);
        Assert.Contains("DualWrite", early.Message);

        var standby = new MigrationDriverCore(NodeId, enabled: true);
        standby.Handle(new MetadataPublished(TwoZkBrokers.WithLeader(3002), false, 4, ZkMigrationState.Migration));
        var notController = Assert.IsType<AnswerFinalize>(Assert.Single(standby.Handle(new FinalizeRequested(2))));
        Assert.Equal(ControlError.NotController, notController.Error);
        Assert.Contains("3002", notController.Message);
    }

    [Fact]
    public void Once_finalized_nothing_writes_the_store_again()
    {
        var copied = ToDualWrite();
        Handle(new FinalizeCommitted(1, 50));
        var later = copied.With(new PartitionChangeRecord(0, MigrationImages.TopicId(1), Isr: BrokerIdList.Of(1)));

        Assert.Empty(Publish(later, state: ZkMigrationState.PostMigration));
        Assert.Empty(Handle(ZkBrokersChanged.Instance));
        Assert.Empty(Handle(new ZkWriteFenced("late")));
        Assert.Empty(Handle(MigrationRetryDue.Instance));
        Assert.Equal(Finalized, _core.State);

        // A controller activated after the finalization goes straight to the terminal state.
        var next = new MigrationDriverCore(NodeId, enabled: true);
        next.Handle(new MetadataPublished(later, true, 7, ZkMigrationState.PostMigration));
        Assert.Equal(Finalized, next.State);
    }

    [Fact]
    public void Disabled_or_not_migrating_the_driver_stays_inactive()
    {
        var disabled = new MigrationDriverCore(NodeId, enabled: false);
        Assert.Empty(disabled.Handle(new MetadataPublished(TwoZkBrokers, true, 4, ZkMigrationState.PreMigration)));
        Assert.Equal(Inactive, disabled.State);
        Assert.Contains("not enabled", disabled.FinalizeRefusal());

        Assert.Empty(Publish(TwoZkBrokers, state: ZkMigrationState.None));
        Assert.Equal(Inactive, _core.State);
    }
}
