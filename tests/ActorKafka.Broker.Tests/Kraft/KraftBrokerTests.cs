using System.Collections.Immutable;
using ActorKafka.Broker.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Raft;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Broker.Tests.Kraft;

/// <summary>
/// The KRaft broker actor against probes: one plays its Raft observer (the broker is fed
/// committed batches made with the record codec), two play the controllers of voters 1 and 2.
/// </summary>
public sealed class KraftBrokerTests : TestKit
{
    private const int Me = 5;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly Guid Orders = Guid.Parse("3c1f0a55-0000-4000-8000-0000000000aa");

    private static readonly KraftBrokerSettings Settings = new(Me, "rack-a",
        [new VoterAddress(1, "akka://test"), new VoterAddress(2, "akka://test")],
        HeartbeatInterval: TimeSpan.FromMilliseconds(300),
        RequestTimeout: TimeSpan.FromMilliseconds(800),
        RetryBackoff: TimeSpan.FromMilliseconds(50),
        ControlledShutdownTimeout: TimeSpan.FromSeconds(2),
        StateMetadataMaxPartitions: 100,
        DuplicateRegistrationRetry: TimeSpan.Zero);

    private readonly TestProbe _observer;
    private readonly TestProbe _events;
    private readonly Dictionary<int, TestProbe> _controllers;
    private IActorRef _broker = ActorRefs.Nobody;

    public KraftBrokerTests() : base("akka.loglevel = WARNING", "test")
    {
        _observer = CreateTestProbe();
        _events = CreateTestProbe();
        _controllers = new() { [1] = CreateTestProbe(), [2] = CreateTestProbe() };
        Sys.EventStream.Subscribe(_events.Ref, typeof(BrokerEvent));
    }

    private TestProbe C1 => _controllers[1];
    private TestProbe C2 => _controllers[2];

    private void StartBroker(int? leader = 1, int epoch = 1)
    {
        _broker = Sys.ActorOf(KraftBroker.Props(Settings, _observer.Ref, id => _controllers[id].Ref), ActorNames.Broker);
        Assert.Equal(_broker, _observer.ExpectMsg<SubscribeCommitted>(Bound).Subscriber);
        if (leader is not null) Leader(leader, epoch);
    }

    private void Leader(int? leader, int epoch) => _broker.Tell(new RaftLeaderChanged(Me, epoch, leader, RaftRole.Follower), _observer.Ref);

    private void Batch(long offset, int epoch, params MetadataRecord[] records) =>
        _broker.Tell(new CommittedBatch(Me, offset, epoch, EntryType.Data, records.Select(RecordCodec.Encode).ToArray()), _observer.Ref);

    private static RegisterBrokerRecord Registration(int id, long epoch) =>
        new(id, Guid.NewGuid(), epoch, ImmutableArray.Create(new BrokerEndpoint(BrokerEndpoint.ActorListener, "akka://test", 0)), null);

    private BrokerRegistrationRequest Register(TestProbe controller, long brokerEpoch, int controllerId = 1, int controllerEpoch = 1)
    {
        var request = controller.ExpectMsg<BrokerRegistrationRequest>(Bound);
        controller.Reply(new BrokerRegistrationResponse(request.CorrelationId, ControlError.None, brokerEpoch, controllerId, controllerEpoch));
        return request;
    }

    private void AnswerHeartbeat(TestProbe controller, Predicate<BrokerHeartbeatRequest> expected, bool caughtUp, bool fenced, bool shutDown = false,
        int controllerId = 1, int controllerEpoch = 1)
    {
        var heartbeat = controller.ExpectMsg<BrokerHeartbeatRequest>(Bound);
        Assert.True(expected(heartbeat), $"unexpected {heartbeat}");
        controller.Reply(new BrokerHeartbeatResponse(heartbeat.CorrelationId, ControlError.None, caughtUp, fenced, shutDown, controllerId,
            controllerEpoch));
    }

    /// <summary>
    /// Answers heartbeats as a controller that has not changed its mind (<paramref name="meanwhile"/>)
    /// until one matches <paramref name="until"/>, which gets the new answer: an interval heartbeat
    /// may overtake the one the test waits for on a slow machine.
    /// </summary>
    private BrokerHeartbeatRequest AnswerHeartbeatWhen(Predicate<BrokerHeartbeatRequest> until, (bool CaughtUp, bool Fenced) meanwhile,
        bool caughtUp, bool fenced)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var heartbeat = C1.ExpectMsg<BrokerHeartbeatRequest>(Bound);
            var matched = until(heartbeat);
            C1.Reply(matched
                ? new BrokerHeartbeatResponse(heartbeat.CorrelationId, ControlError.None, caughtUp, fenced, false, 1, 1)
                : new BrokerHeartbeatResponse(heartbeat.CorrelationId, ControlError.None, meanwhile.CaughtUp, meanwhile.Fenced, false, 1, 1));
            if (matched) return heartbeat;
            Assert.True(DateTime.UtcNow < deadline, $"no matching heartbeat within {Bound}; last {heartbeat}");
        }
    }

    /// <summary>Registered (epoch 0) with controller 1 in epoch 1, caught up and unfenced.</summary>
    private void StartRunning()
    {
        StartBroker();
        Register(C1, brokerEpoch: 0);
        AnswerHeartbeat(C1, _ => true, caughtUp: true, fenced: false);
        _events.FishForMessage<BrokerUnfenced>(_ => true, Bound);
    }

    private BrokerStateSnapshot State() => _broker.Ask<BrokerStateSnapshot>(GetBrokerState.Instance, Bound).Result;

    [Fact]
    public void Registers_with_the_raft_leader_and_publishes_the_returned_epoch()
    {
        StartBroker(leader: 2, epoch: 3);
        var request = C2.ExpectMsg<BrokerRegistrationRequest>(Bound);
        Assert.Equal((Me, "rack-a", ((ExtendedActorSystem)Sys).Provider.DefaultAddress.ToString()),
            (request.BrokerId, request.Rack, request.ActorAddress));
        Assert.NotEqual(Guid.Empty, request.IncarnationId);
        C2.Reply(new BrokerRegistrationResponse(request.CorrelationId, ControlError.None, 17, 2, 3));

        Assert.Equal(new BrokerRegistered(Me, 17, 0), _events.ExpectMsg<BrokerRegistered>(Bound));
        Assert.Equal(17, C2.ExpectMsg<BrokerHeartbeatRequest>(Bound).BrokerEpoch);
        var state = State();
        Assert.Equal((true, 17L, 2, 3), (state.Registered, state.BrokerEpoch, state.ControllerId, state.ControllerEpoch));
        C1.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Not_controller_sends_the_registration_to_the_controller_it_names()
    {
        StartBroker(leader: 1);
        var first = C1.ExpectMsg<BrokerRegistrationRequest>(Bound);
        C1.Reply(new BrokerRegistrationResponse(first.CorrelationId, ControlError.NotController, -1, 2, 1, "not active"));
        // At once, not after a request timeout.
        var second = C2.ExpectMsg<BrokerRegistrationRequest>(Settings.RequestTimeout);
        Assert.Equal(first.IncarnationId, second.IncarnationId);
        C2.Reply(new BrokerRegistrationResponse(second.CorrelationId, ControlError.None, 9, 2, 1));
        Assert.Equal(9, _events.ExpectMsg<BrokerRegistered>(Bound).BrokerEpoch);
        C2.ExpectMsg<BrokerHeartbeatRequest>(Bound);
    }

    [Fact]
    public void A_duplicate_broker_id_is_rejected_and_the_broker_stops_without_retrying()
    {
        StartBroker(leader: 1);
        Watch(_broker);
        var request = C1.ExpectMsg<BrokerRegistrationRequest>(Bound);
        C1.Reply(new BrokerRegistrationResponse(request.CorrelationId, ControlError.DuplicateBrokerRegistration, -1, 1, 1, "broker 5 is alive"));

        var rejected = _events.ExpectMsg<BrokerRegistrationRejected>(Bound);
        Assert.Contains("already registered by another live broker", rejected.Error);
        ExpectTerminated(_broker, Bound);
        var quiet = Settings.RequestTimeout + Settings.RetryBackoff * 2;
        C1.ExpectNoMsg(quiet);
        C2.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void An_unanswered_registration_is_retried_at_the_next_controller()
    {
        StartBroker(leader: 1);
        var first = C1.ExpectMsg<BrokerRegistrationRequest>(Bound);
        var retried = C2.ExpectMsg<BrokerRegistrationRequest>(Settings.RequestTimeout + Bound);
        Assert.NotEqual(first.CorrelationId, retried.CorrelationId);
    }

    [Fact]
    public void Heartbeats_carry_the_applied_offset_and_the_broker_is_unfenced_once_caught_up()
    {
        StartBroker();
        Register(C1, brokerEpoch: 2);
        Assert.Equal(new BrokerRegistered(Me, 2, 0), _events.ExpectMsg<BrokerRegistered>(Bound));
        AnswerHeartbeat(C1, h => h.BrokerEpoch == 2 && h.CurrentMetadataOffset == -1 && !h.WantShutDown, caughtUp: false, fenced: true);

        Batch(0, 1, new TopicRecord("orders", Orders));
        Batch(1, 1, new NoOpRecord());
        Batch(2, 1, Registration(Me, 2), Registration(1, 2));
        // Replaying its own registration sends a heartbeat at once, with the offset it reached.
        AnswerHeartbeatWhen(h => h.CurrentMetadataOffset == 2, meanwhile: (false, true), caughtUp: true, fenced: true);
        Assert.Equal(new MetadataCaughtUp(Me, 2), _events.ExpectMsg<MetadataCaughtUp>(Bound));

        Batch(3, 1, new UnfenceBrokerRecord(Me, 2));
        AnswerHeartbeatWhen(h => h.CurrentMetadataOffset == 3, meanwhile: (true, true), caughtUp: true, fenced: false);
        Assert.Equal(new BrokerUnfenced(Me, 2), _events.ExpectMsg<BrokerUnfenced>(Bound));
        Assert.Equal([Me], State().LiveBrokers);

        // Fenced again by the controller (a missed session): said once, and undone by the next unfence.
        AnswerHeartbeat(C1, _ => true, caughtUp: true, fenced: true);
        Assert.Equal(new BrokerFenced(Me, 2), _events.ExpectMsg<BrokerFenced>(Bound));
        AnswerHeartbeat(C1, _ => true, caughtUp: true, fenced: false);
        _events.ExpectMsg<BrokerUnfenced>(Bound);
    }

    [Fact]
    public void Replica_roles_come_from_partition_records_for_its_own_partitions_only()
    {
        var roles = CreateTestProbe();
        Sys.EventStream.Subscribe(roles.Ref, typeof(ReplicaRoleChanged));
        StartBroker(leader: null);
        Batch(0, 1, new TopicRecord("orders", Orders),
            new PartitionRecord(0, Orders, [Me, 1], [Me, 1], Leader: Me),
            new PartitionRecord(1, Orders, [1, 2], [1, 2], Leader: 1),
            new PartitionRecord(2, Orders, [1, Me], [1, Me], Leader: 1));
        var p0 = roles.ExpectMsg<ReplicaRoleChanged>(Bound);
        Assert.Equal((new TopicPartition("orders", 0), true, Me, 0), (p0.Partition, p0.IsLeader, p0.Leader, p0.LeaderEpoch));
        var p2 = roles.ExpectMsg<ReplicaRoleChanged>(Bound);
        Assert.Equal((new TopicPartition("orders", 2), false, 1, 0), (p2.Partition, p2.IsLeader, p2.Leader, p2.LeaderEpoch));

        // Another broker's partition and an ISR-only change publish nothing; the leader moving does.
        Batch(1, 1, new PartitionChangeRecord(1, Orders, Leader: 2));
        Batch(2, 1, new PartitionChangeRecord(2, Orders, Isr: [1]));
        Batch(3, 1, new PartitionChangeRecord(0, Orders, Isr: [1], Leader: 1));
        var moved = roles.ExpectMsg<ReplicaRoleChanged>(Bound);
        Assert.Equal((new TopicPartition("orders", 0), false, 1, 1), (moved.Partition, moved.IsLeader, moved.Leader, moved.LeaderEpoch));
        Assert.Equal([1], moved.Isr);
        roles.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        var state = State();
        Assert.Equal([0, 2], state.Replicas.Select(r => r.Partition.Partition));
        Assert.Equal(3, state.Metadata.Count);
    }

    [Fact]
    public void An_answer_from_a_lower_controller_epoch_is_ignored_and_reported()
    {
        StartBroker(leader: 1, epoch: 5);
        var request = C1.ExpectMsg<BrokerRegistrationRequest>(Bound);
        C1.Reply(new BrokerRegistrationResponse(request.CorrelationId, ControlError.None, 3, 1, 4));
        Assert.Equal(new StaleEpochRejected(Me, StaleEpochKind.Controller, 4, 5, "BrokerRegistration"), _events.ExpectMsg<StaleEpochRejected>(Bound));
        Assert.False(State().Registered);

        // The same request answered from the current epoch is taken.
        C1.Reply(new BrokerRegistrationResponse(request.CorrelationId, ControlError.None, 3, 1, 5));
        _events.ExpectMsg<BrokerRegistered>(Bound);
        var heartbeat = C1.ExpectMsg<BrokerHeartbeatRequest>(Bound);
        C1.Reply(new BrokerHeartbeatResponse(heartbeat.CorrelationId, ControlError.None, true, false, false, 1, 4));
        Assert.Equal(new StaleEpochRejected(Me, StaleEpochKind.Controller, 4, 5, "BrokerHeartbeat"), _events.ExpectMsg<StaleEpochRejected>(Bound));
        // A deposed controller's "unfenced" changes nothing.
        _events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Controlled_shutdown_heartbeats_until_the_controller_says_should_shut_down_then_stops()
    {
        StartRunning();
        Watch(_broker);
        _broker.Tell(ShutdownBroker.Instance, TestActor);
        // Leaderships still moving: not yet.
        AnswerHeartbeatWhen(h => h.WantShutDown, meanwhile: (true, false), caughtUp: true, fenced: false);
        AnswerHeartbeat(C1, h => h.WantShutDown, caughtUp: true, fenced: true, shutDown: true);

        var stopped = ExpectMsg<BrokerStopped>(Bound);
        Assert.Contains("controlled shutdown complete", stopped.Reason);
        _events.FishForMessage<BrokerStopped>(_ => true, Bound);
        ExpectTerminated(_broker, Bound);
        _observer.FishForMessage<UnsubscribeCommitted>(_ => true, Bound);
    }

    [Fact]
    public void Controlled_shutdown_nobody_answers_stops_anyway_at_the_timeout()
    {
        StartRunning();
        _broker.Tell(ShutdownBroker.Instance, TestActor);
        var stopped = ExpectMsg<BrokerStopped>(Settings.ControlledShutdownTimeout + Bound);
        Assert.Contains("stopping anyway", stopped.Reason);
    }

    [Fact]
    public void Snapshots_are_loaded_into_the_image_and_taken_from_it_when_due()
    {
        var roles = CreateTestProbe();
        Sys.EventStream.Subscribe(roles.Ref, typeof(ReplicaRoleChanged));
        StartBroker(leader: null);
        var image = MetadataReplay.Replay(MetadataImage.Empty, [
            new MetadataBatch(0, 1, [Registration(Me, 0), new TopicRecord("orders", Orders)]),
            new MetadataBatch(1, 1, [new PartitionRecord(0, Orders, [1, Me], [1, Me], Leader: 1), new PartitionRecord(1, Orders, [1], [1], Leader: 1)]),
        ]).Image;
        _broker.Tell(new LoadSnapshot(Me, new RaftSnapshot(new OffsetAndEpoch(2, 1), ImageSnapshot.Write(image))), _observer.Ref);
        Assert.Equal(new TopicPartition("orders", 0), roles.ExpectMsg<ReplicaRoleChanged>(Bound).Partition);

        Batch(2, 1, new PartitionChangeRecord(1, Orders, Leader: 1));
        _broker.Tell(new SnapshotDue(Me, 3), _observer.Ref);
        var take = _observer.FishForMessage<TakeSnapshot>(_ => true, Bound);
        Assert.Equal(3, take.EndOffset);
        Assert.True(ImageSnapshot.TryRead(take.Data, out var taken, out var error), error);
        Assert.Equal(2, taken!.Offset);
        Assert.Equal(1, taken.Partition(new TopicPartition("orders", 1))!.LeaderEpoch);

        // The same snapshot again (a repeated subscription) does not move the image back.
        _broker.Tell(new LoadSnapshot(Me, new RaftSnapshot(new OffsetAndEpoch(2, 1), ImageSnapshot.Write(image))), _observer.Ref);
        Assert.Equal(1, State().Metadata.Single(p => p.Partition == 1).LeaderEpoch);
        roles.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    // ISR changes: ProposeIsrChange -> AlterPartition -> answered once the log has brought the change here.

    private static readonly TopicPartition Orders0 = new("orders", 0);

    /// <summary>Running, leading orders-0 (replicas Me, 1, 2; leader epoch 0, partition epoch 0); the controllers answer heartbeats by themselves.</summary>
    private void StartLeading()
    {
        StartRunning();
        foreach (var (id, controller) in _controllers)
        {
            controller.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
            {
                if (message is BrokerHeartbeatRequest h)
                    sender.Tell(new BrokerHeartbeatResponse(h.CorrelationId, ControlError.None, true, false, false, 1, 1));
                return AutoPilot.KeepRunning;
            }));
        }
        Batch(0, 1, new TopicRecord("orders", Orders), new PartitionRecord(0, Orders, [Me, 1, 2], [Me, 1, 2], Leader: Me));
        AwaitAssert(() => Assert.True(State().Replicas.Single().IsLeader), Bound);
    }

    private static AlterPartitionResponse Answer(AlterPartitionRequest request, ControlError error, int[] isr, int partitionEpoch, int controllerId = 1) =>
        new(request.CorrelationId, ControlError.None,
            [new AlterPartitionResult("orders", 0, error, Me, request.Partitions[0].LeaderEpoch, isr, partitionEpoch)], controllerId, 1);

    [Fact]
    public void An_isr_proposal_goes_to_the_controller_and_is_answered_after_the_log_brings_the_change()
    {
        StartLeading();
        Sys.EventStream.Subscribe(TestActor, typeof(PartitionStateChanged));
        _broker.Tell(new ProposeIsrChange(Orders0, 0, 0, [Me, 1]), TestActor);

        var request = C1.FishForMessage<AlterPartitionRequest>(_ => true, Bound);
        Assert.Equal((Me, 0L), (request.BrokerId, request.BrokerEpoch));
        var item = Assert.Single(request.Partitions);
        Assert.Equal(("orders", 0, 0, 0), (item.Topic, item.Partition, item.LeaderEpoch, item.PartitionEpoch));
        Assert.Equal([Me, 1], item.NewIsr);
        C1.Reply(Answer(request, ControlError.None, [Me, 1], 1));
        // Committed at the controller, but not yet in this broker's log: no answer yet.
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The log brings it: the replica's new state is published first, then the proposal is answered.
        Batch(1, 1, new PartitionChangeRecord(0, Orders, Isr: [Me, 1]));
        var changed = ExpectMsg<PartitionStateChanged>(Bound).Replica;
        Assert.Equal((true, 0, 1), (changed.IsLeader, changed.LeaderEpoch, changed.PartitionEpoch));
        Assert.Equal([Me, 1], changed.Isr);
        var result = ExpectMsg<IsrChangeResult>(Bound);
        Assert.Equal((Orders0, ControlError.None, 0, 1), (result.Partition, result.Error, result.LeaderEpoch, result.PartitionEpoch));
        Assert.Equal([Me, 1], result.Isr);

        // A refusal is answered at once, with the state the controller holds.
        _broker.Tell(new ProposeIsrChange(Orders0, 0, 0, [Me]), TestActor);
        var stale = C1.FishForMessage<AlterPartitionRequest>(_ => true, Bound);
        C1.Reply(Answer(stale, ControlError.InvalidUpdateVersion, [Me, 1], 1));
        var refused = ExpectMsg<IsrChangeResult>(Bound);
        Assert.Equal((ControlError.InvalidUpdateVersion, 1), (refused.Error, refused.PartitionEpoch));
    }

    [Fact]
    public void Not_controller_redirects_and_an_unanswered_alter_partition_goes_to_the_next_controller()
    {
        StartLeading();
        _broker.Tell(new ProposeIsrChange(Orders0, 0, 0, [Me, 2]), TestActor);
        var first = C1.FishForMessage<AlterPartitionRequest>(_ => true, Bound);
        C1.Reply(new AlterPartitionResponse(first.CorrelationId, ControlError.NotController, [], 2, 1));
        // At once to the controller it named, which does not answer: after the request timeout, the next voter.
        var redirected = C2.FishForMessage<AlterPartitionRequest>(_ => true, Settings.RequestTimeout);
        Assert.Equal(first.Partitions[0], redirected.Partitions[0], ItemComparer.Instance);
        var retried = C1.FishForMessage<AlterPartitionRequest>(_ => true, Settings.RequestTimeout + Bound);
        Assert.NotEqual(redirected.CorrelationId, retried.CorrelationId);

        // The first attempt did commit (its answer was lost): the controller refuses the retry's old
        // partition epoch, but the partition stands exactly as proposed, so it is the proposal's success.
        Batch(1, 1, new PartitionChangeRecord(0, Orders, Isr: [Me, 2]));
        C1.Reply(Answer(retried, ControlError.InvalidUpdateVersion, [Me, 2], 1));
        var result = ExpectMsg<IsrChangeResult>(Bound);
        Assert.Equal((ControlError.None, 1), (result.Error, result.PartitionEpoch));
        // The late answer to the abandoned request changes nothing.
        C2.Reply(Answer(redirected, ControlError.None, [Me, 2], 1, controllerId: 2));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Proposals_this_broker_may_not_make_are_refused_without_asking_the_controller()
    {
        StartLeading();
        var clicks = Guid.Parse("3c1f0a55-0000-4000-8000-0000000000bb");
        Batch(1, 1, new TopicRecord("clicks", clicks), new PartitionRecord(0, clicks, [1, Me], [1, Me], Leader: 1));
        AwaitAssert(() => Assert.Equal(2, State().Replicas.Count), Bound);

        var refusals = new (ProposeIsrChange Proposal, ControlError Error)[]
        {
            (new ProposeIsrChange(new TopicPartition("clicks", 0), 0, 0, [1]), ControlError.NotLeaderOrFollower),
            (new ProposeIsrChange(new TopicPartition("nowhere", 0), 0, 0, [Me]), ControlError.NotLeaderOrFollower),
            (new ProposeIsrChange(Orders0, 1, 0, [Me]), ControlError.UnknownLeaderEpoch),
            (new ProposeIsrChange(Orders0, 0, 0, [1, 2]), ControlError.InvalidRequest),
            (new ProposeIsrChange(Orders0, 0, 0, [Me, 7]), ControlError.InvalidRequest),
        };
        foreach (var (proposal, error) in refusals)
        {
            _broker.Tell(proposal, TestActor);
            Assert.Equal(error, ExpectMsg<IsrChangeResult>(Bound).Error);
        }
        // The first AlterPartition the controller sees is the one valid proposal's.
        _broker.Tell(new ProposeIsrChange(Orders0, 0, 0, [Me]), TestActor);
        var request = C1.FishForMessage<AlterPartitionRequest>(_ => true, Bound);
        Assert.Equal([Me], Assert.Single(request.Partitions).NewIsr);
    }

    [Fact]
    public void An_isr_only_partition_change_record_is_a_partition_state_change_and_no_role_change()
    {
        var states = CreateTestProbe();
        var roles = CreateTestProbe();
        Sys.EventStream.Subscribe(states.Ref, typeof(PartitionStateChanged));
        Sys.EventStream.Subscribe(roles.Ref, typeof(ReplicaRoleChanged));
        StartBroker(leader: null);
        Batch(0, 1, new TopicRecord("orders", Orders), new PartitionRecord(0, Orders, [1, Me, 2], [1, Me, 2], Leader: 1));
        var created = states.ExpectMsg<PartitionStateChanged>(Bound).Replica;
        Assert.Equal((false, 0, 0), (created.IsLeader, created.LeaderEpoch, created.PartitionEpoch));
        roles.ExpectMsg<ReplicaRoleChanged>(Bound);

        Batch(1, 1, new PartitionChangeRecord(0, Orders, Isr: [1, Me]));
        var shrunk = states.ExpectMsg<PartitionStateChanged>(Bound);
        Assert.Equal((Me, Orders0, 1, 0, 1), (shrunk.BrokerId, shrunk.Replica.Partition, shrunk.Replica.Leader, shrunk.Replica.LeaderEpoch,
            shrunk.Replica.PartitionEpoch));
        Assert.Equal([1, Me], shrunk.Replica.Isr);
        roles.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // Another broker's partition changing says nothing here.
        Batch(2, 1, new PartitionRecord(1, Orders, [1, 2], [1, 2], Leader: 1), new PartitionChangeRecord(1, Orders, Isr: [1]));
        states.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private sealed class ItemComparer : IEqualityComparer<AlterPartitionItem>
    {
        public static readonly ItemComparer Instance = new();

        public bool Equals(AlterPartitionItem? x, AlterPartitionItem? y) =>
            x is not null && y is not null && x with { NewIsr = [] } == y with { NewIsr = [] } && x.NewIsr.SequenceEqual(y.NewIsr);

        public int GetHashCode(AlterPartitionItem obj) => obj.Partition;
    }
}
