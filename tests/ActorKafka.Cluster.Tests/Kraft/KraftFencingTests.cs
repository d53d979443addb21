using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Raft;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests.Kraft;

/// <summary>Snapshots for late joiners, and the zombie controller that wakes up after a pause.</summary>
public sealed class KraftFencingTests
{
    [Fact]
    public async Task A_broker_that_joins_after_the_log_was_compacted_catches_up_from_a_snapshot()
    {
        await using var h = await KraftClusterHarness.StartAsync(3, "actorkafka.raft.snapshot-every-entries = 10");
        for (var i = 0; i < 15; i++) h.CreateTopic($"t{i:D2}", 2, 3);
        var active = h.AwaitActiveController();
        // The active controller's log no longer starts at 0: a newcomer cannot replay it from the beginning.
        h.Kit.AwaitAssert(() =>
        {
            var status = h.Cluster[active.NodeId].Raft.Ask<RaftStatus>(GetRaftStatus.Instance, KraftClusterHarness.Bound).Result;
            Assert.True(status.LogStartOffset > 0, $"log start {status.LogStartOffset}");
        }, KraftClusterHarness.Bound);

        await h.StartBrokerAsync(4);
        h.AwaitUnfenced(4);
        h.Kit.AwaitAssert(() =>
        {
            var caughtUp = Assert.Single(h.EventsOf<MetadataCaughtUp>(), e => e.BrokerId == 4);
            Assert.True(caughtUp.Offset >= h.DescribeCluster().Brokers.Single(b => b.BrokerId == 4).BrokerEpoch);
            var state = h.BrokerState(4);
            Assert.Equal(4, state.LiveBrokers.Count);
        }, KraftClusterHarness.Bound);
        // Its image holds every topic created before it existed: a topic assigned to it now lands on it.
        var late = h.CreateTopic("after-join", 4, 4);
        Assert.Equal(ControlError.None, late.Error);
        h.Kit.AwaitAssert(() => Assert.Equal(4, h.BrokerState(4).Replicas.Count(r => r.Partition.Topic == "after-join")), KraftClusterHarness.Bound);
        h.AssertSafety();
    }

    [Fact]
    public async Task A_paused_active_controller_commits_nothing_after_waking_and_brokers_reject_its_stale_epoch()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("ledger", 3, 3);
        h.AwaitPartitions("ledger", ps => ps.Count == 3 && ps.All(p => p.Leader > 0), "topic online");
        var zombie = h.AwaitActiveController();
        var node = h.Cluster[zombie.NodeId];
        var controller = node.Controller!;

        node.Raft.Tell(PauseVoter.Instance);
        controller.Tell(PauseController.Instance);
        var successor = h.AwaitActiveController(afterEpoch: zombie.ActiveEpoch);
        Assert.NotEqual(zombie.NodeId, successor.NodeId);

        // While it sleeps, a request reaches the zombie; brokers' heartbeats are queued at it too.
        var probe = h.Kit.CreateTestProbe();
        controller.Tell(new CreateTopicsRequest(1, [new CreatableTopic("zombie-topic", 1, 3)]), probe.Ref);
        h.Kit.AwaitAssert(() =>
        {
            var status = controller.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, KraftClusterHarness.Bound).Result;
            Assert.True(status.Active);
        }, KraftClusterHarness.Bound);

        // The controller wakes first, still believing it is active in its old epoch; then its voter.
        controller.Tell(ResumeController.Instance);
        node.Raft.Tell(ResumeVoter.Instance);
        var answer = probe.ExpectMsg<CreateTopicsResponse>(KraftClusterHarness.Bound);
        Assert.Equal(ControlError.NotController, answer.Error);
        h.Kit.AwaitAssert(() =>
        {
            var status = controller.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, KraftClusterHarness.Bound).Result;
            Assert.False(status.Active);
            Assert.True(status.RaftEpoch >= successor.ActiveEpoch);
        }, KraftClusterHarness.Bound);
        Assert.DoesNotContain(h.DescribeCluster(100).Partitions, p => p.Topic == "zombie-topic");
        Assert.Contains(h.EventsOf<ControllerResigned>(), r => r.ControllerId == zombie.NodeId && r.Epoch == zombie.ActiveEpoch);
        h.AssertSafety();
    }

    [Fact]
    public async Task A_broker_ignores_a_heartbeat_answer_from_an_epoch_older_than_it_knows()
    {
        await using var h = await KraftClusterHarness.StartAsync(1);
        var active = h.AwaitActiveController();
        var broker = h.Cluster[1].Broker!;
        var stateBefore = h.BrokerState(1);
        // A controller of an older epoch answers (a zombie's late reply): the broker must not act on it.
        broker.Tell(new BrokerHeartbeatResponse(999_999, ControlError.None, true, true, true, active.NodeId, active.ActiveEpoch - 1));
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<StaleEpochRejected>(),
            s => s.BrokerId == 1 && s.Kind == StaleEpochKind.Controller && s.StaleEpoch == active.ActiveEpoch - 1), KraftClusterHarness.Bound);
        var stateAfter = h.BrokerState(1);
        Assert.Equal(stateBefore.BrokerEpoch, stateAfter.BrokerEpoch);
        Assert.False(h.DescribeCluster().Brokers.Single(b => b.BrokerId == 1).Fenced);
        h.AssertSafety();
    }
}
