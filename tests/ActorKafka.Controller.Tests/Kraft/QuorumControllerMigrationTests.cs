using ActorKafka.Controller.Kraft;
using ActorKafka.Controller.Migration;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Raft;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>
/// The quorum controller actor with a probe standing in for its Raft voter, so the test decides
/// exactly when each proposed batch commits: the migration driver's view of the controller
/// (SubscribeControllerMetadata) and its appends (AppendMigrationRecords) answered at commit.
/// </summary>
public sealed class QuorumControllerMigrationTests() : TestKit(ConfigurationFactory.ParseString("akka.loglevel = WARNING"))
{
    private const int NodeId = 1;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly Guid Orders = new(7, 0, 0, new byte[8]);
    private static readonly Guid Later = new(8, 0, 0, new byte[8]);

    private IActorRef _controller = ActorRefs.Nobody;

    private static QuorumControllerSettings Settings(bool migration) =>
        new(NodeId, TimeSpan.FromSeconds(9), TimeSpan.FromHours(1), 5000, TimeSpan.FromSeconds(5), false, migration);

    private TestProbe StartController(bool migration)
    {
        var voter = CreateTestProbe();
        _controller = Sys.ActorOf(Props.Create(() => new QuorumController(Settings(migration), voter.Ref, null)));
        voter.ExpectMsg<SubscribeCommitted>(Bound);
        return voter;
    }

    /// <summary>The voter leads epoch 1 and its LeaderChange commits at offset 0: the controller activates.</summary>
    private void Lead(int epoch = 1, long offset = 0)
    {
        _controller.Tell(new RaftLeaderChanged(NodeId, epoch, NodeId, RaftRole.Leader));
        var leaderChange = LogEntry.LeaderChange(offset, epoch, NodeId, [NodeId]);
        _controller.Tell(new CommittedBatch(NodeId, offset, epoch, EntryType.LeaderChange, leaderChange.Records));
    }

    private void Commit(Propose propose, int epoch = 1) =>
        _controller.Tell(new CommittedBatch(NodeId, propose.RequiredBaseOffset, epoch, EntryType.Data, propose.Records));

    /// <summary>A round trip through the controller's mailbox: whatever it was going to send for earlier messages is sent.</summary>
    private QuorumControllerStatus Status() => _controller.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, Bound).GetAwaiter().GetResult();

    private static IReadOnlyList<MetadataRecord> Decode(Propose propose) => propose.Records.Select(b => RecordCodec.Decode(b)).ToList();

    [Fact]
    public void The_driver_sees_every_change_and_its_migration_batch_is_answered_when_it_commits()
    {
        var voter = StartController(migration: true);
        var subscriber = CreateTestProbe();
        var driver = CreateTestProbe();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(LeaderElected));

        // At once on subscribing: a standby with nothing committed.
        _controller.Tell(new SubscribeControllerMetadata(subscriber.Ref));
        var first = subscriber.ExpectMsg<ControllerMetadataChanged>(Bound);
        Assert.False(first.Active);
        Assert.True(first.Committed.IsEmpty);

        // Activation: told active, and the fresh quorum's first append is the PreMigration record.
        Lead();
        var activated = subscriber.ExpectMsg<ControllerMetadataChanged>(Bound);
        Assert.True(activated.Active);
        Assert.Equal(1, activated.Epoch);
        Assert.Equal(0, activated.Committed.Offset);
        var bootstrap = voter.ExpectMsg<Propose>(Bound);
        Assert.Equal((1, 1L), (bootstrap.RequiredEpoch, bootstrap.RequiredBaseOffset));
        Assert.Equal([new ZkMigrationStateRecord(ZkMigrationState.PreMigration)], Decode(bootstrap));
        Commit(bootstrap);
        Assert.Equal(ZkMigrationState.PreMigration, subscriber.ExpectMsg<ControllerMetadataChanged>(Bound).Committed.MigrationState);

        // The copy of the zk metadata: one batch, answered only once it commits.
        MetadataRecord[] copy =
        [
            new TopicRecord("orders", Orders),
            new PartitionRecord(0, Orders, [1, 2], [1, 2], 1, 5, 9),
            new PartitionRecord(1, Orders, [2, 1], [2, 1], 2, 3, 4),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
        ];
        driver.Send(_controller, new AppendMigrationRecords(42, copy));
        var propose = voter.ExpectMsg<Propose>(Bound);
        Assert.Equal((1, 2L), (propose.RequiredEpoch, propose.RequiredBaseOffset));
        Assert.Equal(copy, Decode(propose));
        Assert.Equal(1, Status().PendingResponses);
        Assert.False(driver.HasMessages, "the driver was answered before its batch committed");

        Commit(propose);
        Assert.Equal(new MigrationRecordsCommitted(42, 2, 1), driver.ExpectMsg<MigrationRecordsCommitted>(Bound));
        var migrated = subscriber.ExpectMsg<ControllerMetadataChanged>(Bound);
        Assert.Equal(ZkMigrationState.Migration, migrated.Committed.MigrationState);
        Assert.Equal(2, migrated.Committed.Topics.Topic("orders")!.Partitions.Count);
        Assert.True(migrated.Active);

        // The migrated leaders are reported like any other.
        var elected = new[] { events.ExpectMsg<LeaderElected>(Bound), events.ExpectMsg<LeaderElected>(Bound) }.OrderBy(e => e.Partition.Partition).ToArray();
        Assert.Equal((new TopicPartition("orders", 0), 1, 5), (elected[0].Partition, elected[0].Leader, elected[0].LeaderEpoch));
        Assert.Equal((new TopicPartition("orders", 1), 2, 3), (elected[1].Partition, elected[1].Leader, elected[1].LeaderEpoch));
    }

    [Fact]
    public void A_batch_the_image_rejects_is_refused_at_once_and_nothing_is_proposed()
    {
        var voter = StartController(migration: true);
        Lead();
        Commit(voter.ExpectMsg<Propose>(Bound));

        var driver = CreateTestProbe();
        driver.Send(_controller, new AppendMigrationRecords(43, [new PartitionRecord(0, Orders, [1], [1], 1)]));
        var refused = driver.ExpectMsg<MigrationRecordsRefused>(Bound);
        Assert.Equal((43L, ControlError.InvalidRequest), (refused.RequestId, refused.Error));
        Assert.Contains(nameof(ReplayErrorCode.UnknownTopicId), refused.Reason);
        Assert.Equal(0, Status().PendingResponses);
        Assert.False(voter.HasMessages, "a refused batch was proposed");
    }

    [Fact]
    public void A_batch_still_uncommitted_when_the_controller_renounces_is_refused_and_a_standby_refuses_outright()
    {
        var voter = StartController(migration: true);
        var subscriber = CreateTestProbe();
        _controller.Tell(new SubscribeControllerMetadata(subscriber.Ref));
        subscriber.ExpectMsg<ControllerMetadataChanged>(Bound);
        Lead();
        subscriber.ExpectMsg<ControllerMetadataChanged>(m => m.Active, Bound);
        Commit(voter.ExpectMsg<Propose>(Bound));
        subscriber.ExpectMsg<ControllerMetadataChanged>(Bound);

        var driver = CreateTestProbe();
        driver.Send(_controller, new AppendMigrationRecords(44, [new TopicRecord("later", Later)]));
        voter.ExpectMsg<Propose>(Bound);

        // Another voter leads epoch 2 before the batch committed.
        _controller.Tell(new RaftLeaderChanged(NodeId, 2, 2, RaftRole.Follower));
        var refused = driver.ExpectMsg<MigrationRecordsRefused>(Bound);
        Assert.Equal((44L, ControlError.NotController), (refused.RequestId, refused.Error));
        var renounced = subscriber.ExpectMsg<ControllerMetadataChanged>(Bound);
        Assert.False(renounced.Active);
        Assert.Equal(2, renounced.Epoch);
        Assert.Null(renounced.Committed.Topics.Topic("later"));

        driver.Send(_controller, new AppendMigrationRecords(45, [new TopicRecord("later", Later)]));
        Assert.Equal(ControlError.NotController, driver.ExpectMsg<MigrationRecordsRefused>(Bound).Error);
    }

    [Fact]
    public void Without_migration_the_controller_appends_nothing_on_activation_and_refuses_migration_records()
    {
        var voter = StartController(migration: false);
        Lead();
        Assert.True(Status().Active);
        Assert.False(voter.HasMessages, "a controller not migrating proposed an activation record");

        var driver = CreateTestProbe();
        driver.Send(_controller, new AppendMigrationRecords(46, [new TopicRecord("orders", Orders)]));
        Assert.Equal(ControlError.InvalidRequest, driver.ExpectMsg<MigrationRecordsRefused>(Bound).Error);
    }

    [Fact]
    public void A_snapshot_load_is_told_and_a_stopped_subscriber_is_dropped()
    {
        StartController(migration: false);
        var gone = CreateTestProbe();
        var staying = CreateTestProbe();
        _controller.Tell(new SubscribeControllerMetadata(gone.Ref));
        _controller.Tell(new SubscribeControllerMetadata(staying.Ref));
        gone.ExpectMsg<ControllerMetadataChanged>(Bound);
        staying.ExpectMsg<ControllerMetadataChanged>(Bound);

        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(Akka.Event.DeadLetter));
        Watch(gone.Ref);
        Sys.Stop(gone.Ref);
        ExpectTerminated(gone.Ref, Bound);
        // The controller turns the death notice into a Terminated at the end of its mailbox: once two
        // round trips are back, it has handled it, and the snapshot below comes after.
        Status();
        Status();

        var image = new MetadataImage(10, 1, new LeaderAndEpoch(NodeId, 1), ClusterImage.Empty, TopicsImage.Empty)
        {
            MigrationState = ZkMigrationState.PreMigration,
        };
        _controller.Tell(new LoadSnapshot(NodeId, new RaftSnapshot(new OffsetAndEpoch(11, 1), ImageSnapshot.Write(image))));
        Assert.Equal(image, staying.ExpectMsg<ControllerMetadataChanged>(Bound).Committed);
        Status();
        // Still subscribed, the stopped probe would have been told too, and that message would be a dead letter.
        deadLetters.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }
}
