using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>The quorum controller core's KIP-866 rules, after Kafka's ClusterControlManager and ActivationRecordsGenerator.</summary>
public sealed class MigrationCoreTests
{
    private const string ZkRefused = "Controller does not support registering ZK brokers.";
    private const string PreMigrationRefused =
        "Controller is in pre-migration mode and cannot register KRaft brokers until the metadata migration is complete.";

    private static readonly Guid Migrated = KraftImageBuilder.TopicId(500);

    private static MetadataImage Fresh() => new KraftImageBuilder().Build();

    private static MetadataImage InState(ZkMigrationState state) => new KraftImageBuilder().Migration(state).Build();

    // --- registration

    [Fact]
    public void A_zk_broker_is_refused_when_migration_is_not_enabled()
    {
        var h = new CoreHarness(Fresh());
        var result = h.Register(4, zk: true);
        Assert.Equal(ControlError.BrokerIdNotRegistered, result.Response.Error);
        Assert.Equal(ZkRefused, result.Response.Message);
        Assert.Equal(-1, result.Response.BrokerEpoch);
        Assert.Empty(result.Batches);
        Assert.Null(h.Image.Cluster.Broker(4));
    }

    [Theory]
    [InlineData(ZkMigrationState.None)]
    [InlineData(ZkMigrationState.PreMigration)]
    [InlineData(ZkMigrationState.Migration)]
    public void A_zk_broker_registers_as_migrating_when_migration_is_enabled(ZkMigrationState state)
    {
        var h = new CoreHarness(InState(state), migration: true);
        var result = h.Register(4, zk: true);
        Assert.Equal(ControlError.None, result.Response.Error);
        var record = Assert.IsType<RegisterBrokerRecord>(Assert.Single(CoreHarness.Records(result)));
        Assert.True(record.IsMigratingZkBroker);
        Assert.Equal(result.Response.BrokerEpoch, record.BrokerEpoch);
        Assert.True(h.Broker(4).IsMigratingZkBroker);
        Assert.True(h.Broker(4).Fenced);
    }

    [Fact]
    public void A_KRaft_broker_is_refused_in_pre_migration()
    {
        var h = new CoreHarness(InState(ZkMigrationState.PreMigration), migration: true);
        var result = h.Register(4);
        Assert.Equal(ControlError.BrokerIdNotRegistered, result.Response.Error);
        Assert.Equal(PreMigrationRefused, result.Response.Message);
        Assert.Empty(result.Batches);
        Assert.Null(h.Image.Cluster.Broker(4));
    }

    [Theory]
    [InlineData(ZkMigrationState.None, false)]
    [InlineData(ZkMigrationState.None, true)]
    [InlineData(ZkMigrationState.Migration, true)]
    [InlineData(ZkMigrationState.PostMigration, true)]
    public void A_KRaft_broker_registers_outside_pre_migration(ZkMigrationState state, bool migration)
    {
        var h = new CoreHarness(InState(state), migration: migration);
        var result = h.Register(4);
        Assert.Equal(ControlError.None, result.Response.Error);
        Assert.False(Assert.IsType<RegisterBrokerRecord>(Assert.Single(CoreHarness.Records(result))).IsMigratingZkBroker);
        Assert.False(h.Broker(4).IsMigratingZkBroker);
    }

    [Fact]
    public void The_pre_migration_rule_reads_the_uncommitted_state_the_core_itself_appended()
    {
        var h = new CoreHarness(Fresh(), migration: true);
        h.Do(c => c.GenerateActivationRecords());
        Assert.Equal(PreMigrationRefused, h.Register(4).Response.Message);
    }

    // --- heartbeats

    [Fact]
    public void A_migrating_zk_broker_is_unfenced_on_its_first_heartbeat_without_reading_the_log()
    {
        var h = new CoreHarness(InState(ZkMigrationState.PreMigration), migration: true);
        h.Register(4, zk: true);
        h.Register(5, zk: true);
        // Broker 4 reports no log offset at all: it has never read the log and never will.
        var result = h.Heartbeat(4, metadataOffset: -1);
        Assert.Equal(ControlError.None, result.Response.Error);
        Assert.True(result.Response.IsCaughtUp);
        Assert.False(result.Response.IsFenced);
        Assert.Equal(new UnfenceBrokerRecord(4, h.Broker(4).Epoch), Assert.Single(CoreHarness.Records(result)));
        Assert.False(h.Broker(4).Fenced);

        // It still asks to be fenced like any broker.
        var fenced = h.Heartbeat(5, metadataOffset: -1, wantFence: true);
        Assert.True(fenced.Response.IsFenced);
        Assert.True(h.Broker(5).Fenced);
    }

    [Fact]
    public void A_KRaft_broker_still_waits_until_it_has_replayed_its_registration()
    {
        var h = new CoreHarness(Fresh(), migration: true);
        var epoch = h.Register(4).Response.BrokerEpoch;
        var behind = h.Heartbeat(4, metadataOffset: epoch - 1);
        Assert.False(behind.Response.IsCaughtUp);
        Assert.True(behind.Response.IsFenced);
        Assert.Empty(behind.Batches);
    }

    [Fact]
    public void A_migrating_zk_broker_is_fenced_when_its_session_expires()
    {
        var h = new CoreHarness(InState(ZkMigrationState.Migration), migration: true);
        h.Register(4, zk: true);
        h.Heartbeat(4, metadataOffset: -1);
        Assert.False(h.Broker(4).Fenced);

        h.Now += CoreHarness.SessionTimeoutMs;
        Assert.Empty(h.FenceExpired().Response);
        h.Now += 1;
        var expired = h.FenceExpired();
        Assert.Equal([4], expired.Response);
        Assert.Contains(new FenceBrokerRecord(4, h.Broker(4).Epoch), CoreHarness.Records(expired));
        Assert.True(h.Broker(4).Fenced);
    }

    [Fact]
    public void A_controlled_shutdown_does_not_wait_for_a_zk_broker_to_read_the_log()
    {
        var h = new CoreHarness(new KraftImageBuilder()
            .Broker(1)
            .Broker(2, zk: true)
            .Partition("t", 0, [1, 2], [1, 2], leader: 1)
            .Build(), migration: true);
        h.Heartbeat(2, metadataOffset: -1);

        var entering = h.Heartbeat(1, wantShutDown: true);
        Assert.False(entering.Response.ShouldShutDown);
        Assert.Equal(2, h.Partition("t", 0).Leader);

        // The only other active broker is the zk broker, whose log offset says nothing: the leadership
        // moved reach it through the controller, so broker 1 may stop.
        var stopping = h.Heartbeat(1, wantShutDown: true);
        Assert.True(stopping.Response.ShouldShutDown);
    }

    // --- migration records

    [Fact]
    public void Migration_records_are_appended_as_one_batch_and_answered_with_its_offset()
    {
        var h = new CoreHarness(new KraftImageBuilder().Migration(ZkMigrationState.PreMigration).Broker(1, zk: true).Broker(2, zk: true).Build(),
            maxRecordsPerBatch: 2, migration: true);
        var before = h.Image.Offset;
        MetadataRecord[] records =
        [
            new TopicRecord("orders", Migrated),
            new PartitionRecord(0, Migrated, [1, 2], [1, 2], 1, 4, 7),
            new PartitionRecord(1, Migrated, [2, 1], [2], 2, 3, 9),
            new PartitionRecord(2, Migrated, [1, 2], [1, 2], 1),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
        ];
        var result = h.Do(c => c.AppendMigrationRecords(records));

        // One entry, larger than max-records-per-batch: splitting it would let a failover commit half a migration.
        Assert.Equal(records, Assert.Single(result.Batches));
        Assert.Equal(new MigrationAppendOutcome(ControlError.None, before + 1, CoreHarness.ActiveEpoch), result.Response);
        Assert.Equal(before + 1, h.Image.Offset);
        Assert.Equal(ZkMigrationState.Migration, h.Image.MigrationState);
        Assert.Equal(new PartitionRegistration([2, 1], [2], 2, 3, 9), h.Partition("orders", 1));
    }

    [Fact]
    public void Migrated_topics_are_known_to_the_collision_check_and_the_leadership_index()
    {
        var h = new CoreHarness(new KraftImageBuilder().Migration(ZkMigrationState.PreMigration)
            .Broker(1, zk: true).Broker(2, zk: true).Broker(3, fenced: true, zk: true).Build(), migration: true);
        var orphan = KraftImageBuilder.TopicId(501);
        h.Do(c => c.AppendMigrationRecords(
        [
            new TopicRecord("a.b", Migrated),
            new PartitionRecord(0, Migrated, [1, 2], [1, 2], 1),
            new TopicRecord("orphan", orphan),
            new PartitionRecord(0, orphan, [3], [3], PartitionChangeRecord.NoLeader),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
        ]));

        var collision = Assert.Single(h.CreateTopics(new CreatableTopic("a_b", 1, 1)).Response.Topics);
        Assert.Equal(ControlError.InvalidTopic, collision.Error);
        Assert.Contains("collides with existing topic: a.b", collision.Message);

        // The leadership index knows broker 1 leads a migrated partition: its shutdown moves it first.
        var shutdown = h.Heartbeat(1, metadataOffset: -1, wantShutDown: true);
        Assert.False(shutdown.Response.ShouldShutDown);
        Assert.Equal(2, h.Partition("a.b", 0).Leader);

        // ... and that the migrated leaderless partition waits for a leader: broker 3 takes it when unfenced.
        var unfenced = h.Heartbeat(3, metadataOffset: -1);
        Assert.False(unfenced.Response.IsFenced);
        Assert.Equal(3, h.Partition("orphan", 0).Leader);
    }

    [Fact]
    public void A_record_the_image_rejects_refuses_the_whole_batch()
    {
        var h = new CoreHarness(InState(ZkMigrationState.PreMigration), migration: true);
        var before = h.Image;
        var result = h.Core.AppendMigrationRecords(
        [
            new TopicRecord("orders", Migrated),
            new PartitionRecord(0, KraftImageBuilder.TopicId(999), [1], [1], 1),
        ]);
        Assert.Equal(ControlError.InvalidRequest, result.Response.Error);
        Assert.Equal(-1, result.Response.Offset);
        Assert.Contains("record 1 would be rejected", result.Response.Reason);
        Assert.Contains(nameof(ReplayErrorCode.UnknownTopicId), result.Response.Reason);
        Assert.Empty(result.Batches);
        Assert.Same(before, h.Image);
    }

    [Fact]
    public void A_migration_state_out_of_order_refuses_the_batch()
    {
        var h = new CoreHarness(Fresh(), migration: true);
        var result = h.Core.AppendMigrationRecords([new TopicRecord("orders", Migrated), new ZkMigrationStateRecord(ZkMigrationState.Migration)]);
        Assert.Equal(ControlError.InvalidRequest, result.Response.Error);
        Assert.Contains(nameof(ReplayErrorCode.IllegalMigrationTransition), result.Response.Reason);
        Assert.Empty(result.Batches);
        Assert.Null(h.Image.Topics.Topic("orders"));
    }

    public static TheoryData<MetadataRecord[], string> Refused => new()
    {
        { [], "at least one record" },
        { [new RegisterBrokerRecord(9, Guid.NewGuid(), 5, [], null)], "may not hold a RegisterBrokerRecord" },
        { [new TopicRecord("t", Migrated), new FenceBrokerRecord(1, 1)], "record 1: a migration batch may not hold a FenceBrokerRecord" },
        { [new LeaderChangeRecord(1, BrokerIdList.Of(1))], "may not hold a LeaderChangeRecord" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Empty_batches_broker_records_and_control_records_are_refused(MetadataRecord[] records, string reason)
    {
        var h = new CoreHarness(new KraftImageBuilder().Migration(ZkMigrationState.PreMigration).Broker(1, zk: true).Build(), migration: true);
        var result = h.Core.AppendMigrationRecords(records);
        Assert.Equal(ControlError.InvalidRequest, result.Response.Error);
        Assert.Contains(reason, result.Response.Reason);
        Assert.Empty(result.Batches);
    }

    [Fact]
    public void A_standby_or_a_controller_not_migrating_refuses_migration_records()
    {
        var off = new CoreHarness(Fresh());
        var notEnabled = off.Core.AppendMigrationRecords([new TopicRecord("orders", Migrated)]);
        Assert.Equal(ControlError.InvalidRequest, notEnabled.Response.Error);
        Assert.Contains("not enabled", notEnabled.Response.Reason);
        Assert.Empty(notEnabled.Batches);

        var standby = new CoreHarness(InState(ZkMigrationState.PreMigration), migration: true);
        standby.Core.Deactivate(standby.Start);
        var refused = standby.Core.AppendMigrationRecords([new TopicRecord("orders", Migrated)]);
        Assert.Equal(ControlError.NotController, refused.Response.Error);
        Assert.Empty(refused.Batches);
    }

    // --- activation

    [Fact]
    public void A_fresh_quorum_in_migration_mode_starts_in_pre_migration_once()
    {
        var h = new CoreHarness(Fresh(), migration: true);
        var first = h.Do(c => c.GenerateActivationRecords());
        Assert.Equal(ZkMigrationState.PreMigration, first.Response);
        Assert.Equal([new ZkMigrationStateRecord(ZkMigrationState.PreMigration)], Assert.Single(first.Batches));
        Assert.Equal(ZkMigrationState.PreMigration, h.Image.MigrationState);

        var again = h.Core.GenerateActivationRecords();
        Assert.Equal(ZkMigrationState.PreMigration, again.Response);
        Assert.Empty(again.Batches);
    }

    [Fact]
    public void A_failover_before_the_pre_migration_record_committed_writes_it_again()
    {
        var h = new CoreHarness(Fresh(), migration: true);
        h.Do(c => c.GenerateActivationRecords());
        h.Failover(committedBatches: 0);
        Assert.Equal(ZkMigrationState.None, h.Image.MigrationState);
        Assert.Single(h.Do(c => c.GenerateActivationRecords()).Batches);
        Assert.Equal(ZkMigrationState.PreMigration, h.Image.MigrationState);
    }

    [Fact]
    public void Only_zk_brokers_registered_still_counts_as_a_fresh_quorum()
    {
        var h = new CoreHarness(new KraftImageBuilder().Broker(1, fenced: true, zk: true).Build(), migration: true);
        Assert.Equal(ZkMigrationState.PreMigration, h.Do(c => c.GenerateActivationRecords()).Response);
    }

    public static TheoryData<string, bool> NotFresh => new()
    {
        { "migration disabled", false },
        { "a topic", true },
        { "a KRaft broker", true },
        { "already migrating", true },
        { "standby", true },
    };

    [Theory]
    [MemberData(nameof(NotFresh))]
    public void No_activation_record_unless_migration_is_enabled_on_a_fresh_quorum(string why, bool migration)
    {
        var image = why switch
        {
            "a topic" => new KraftImageBuilder().Partition("t", 0, [1], [1], 1).Build(),
            "a KRaft broker" => new KraftImageBuilder().Broker(1).Build(),
            "already migrating" => InState(ZkMigrationState.Migration),
            _ => Fresh(),
        };
        var h = new CoreHarness(image, migration: migration);
        if (why == "standby") h.Core.Deactivate(image);
        var result = h.Core.GenerateActivationRecords();
        Assert.Empty(result.Batches);
        Assert.Equal(image.MigrationState, result.Response);
        Assert.Equal(image.MigrationState, h.Image.MigrationState);
    }
}
