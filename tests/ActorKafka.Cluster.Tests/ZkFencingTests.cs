using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests;

/// <summary>Epochs fence the past: a zombie controller, duplicate broker ids, stale requests.</summary>
public sealed class ZkFencingTests
{
    [Fact]
    public async Task A_paused_controller_comes_back_as_a_zombie_is_rejected_by_every_broker_and_resigns()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var first = h.AwaitController();
        await h.CreateTopicAsync("zombie", 6, 3);
        h.AwaitPartitions("zombie", ps => ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "topic online");
        var zombie = h.Node(first.ControllerId);

        zombie.Controller.Tell(PauseController.Instance);
        // Past its session timeout the store expires the zombie's session and /controller goes.
        var second = h.AwaitController(first.Epoch);
        Assert.Equal(first.Epoch + 1, second.Epoch);
        var statesBefore = await h.DescribeAsync("zombie");
        // Resume only once every broker knows the new epoch; before that the zombie's epoch is not yet stale to it.
        foreach (var node in h.Nodes)
            h.Kit.AwaitAssert(() => Assert.Equal(second.Epoch, h.BrokerState(node).ControllerEpoch), ZkClusterHarness.Bound);

        zombie.Controller.Tell(ResumeController.Instance);
        h.Kit.AwaitAssert(() =>
        {
            var rejections = h.EventsOf<StaleEpochRejected>().Where(r => r.Kind == StaleEpochKind.Controller && r.StaleEpoch == first.Epoch).ToList();
            foreach (var node in h.Nodes)
                Assert.Contains(rejections, r => r.BrokerId == node.BrokerId && r.CurrentEpoch == second.Epoch);
        }, ZkClusterHarness.Bound);
        // Its next fenced write fails the /controller_epoch check, or it learns its session expired: either way it stops acting.
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<ControllerResigned>(), r => r.ControllerId == first.ControllerId && r.Epoch == first.Epoch),
            ZkClusterHarness.Bound);
        var state = await zombie.Controller.Ask<ControllerStateSnapshot>(GetControllerState.Instance, ZkClusterHarness.Bound);
        Assert.False(state.Active && state.Epoch == first.Epoch);
        Assert.Equal(statesBefore.Select(p => p.State?.ToString()), (await h.DescribeAsync("zombie")).Select(p => p.State?.ToString()));
        foreach (var node in h.Nodes) Assert.Equal(second.Epoch, h.BrokerState(node).ControllerEpoch);
        h.AssertSafety();
    }

    [Fact]
    public async Task A_zombie_write_fails_the_controller_epoch_check()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var first = h.AwaitController();
        await h.CreateTopicAsync("fenced", 3, 3);
        h.AwaitPartitions("fenced", ps => ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "topic online");
        var zombie = h.Node(first.ControllerId);
        var leader = (await h.DescribeAsync("fenced")).Select(p => p.State!.Leader).First(l => l != first.ControllerId);
        var victim = h.EventsOf<BrokerRegistered>().Last(e => e.BrokerId == leader);

        // Paused in the middle of its work: a controlled shutdown request is queued before its
        // session expires, so it handles it (and writes) before it can learn it was replaced.
        zombie.Controller.Tell(PauseController.Instance);
        var requester = h.Kit.CreateTestProbe();
        zombie.Controller.Tell(new ControlledShutdownRequest(victim.BrokerId, victim.BrokerEpoch), requester);
        var second = h.AwaitController(first.Epoch);
        var before = await h.DescribeAsync("fenced");

        zombie.Controller.Tell(ResumeController.Instance);
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<ControllerResigned>(),
            r => r.ControllerId == first.ControllerId && r.Epoch == first.Epoch && r.Reason.Contains("/controller_epoch")), ZkClusterHarness.Bound);
        var epochZnode = await h.Admin.GetDataAsync("/controller_epoch");
        Assert.Equal(second.Epoch.ToString(), System.Text.Encoding.UTF8.GetString(epochZnode.Data));
        Assert.Equal(before.Select(p => p.State?.ToString()), (await h.DescribeAsync("fenced")).Select(p => p.State?.ToString()));
        h.AssertSafety();
    }

    [Fact]
    public async Task A_duplicate_broker_id_refuses_to_start_and_the_cluster_is_undisturbed()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var controller = h.AwaitController();
        var original = h.EventsOf<BrokerRegistered>().Single(e => e.BrokerId == 2);

        var duplicate = await h.StartBrokerAsync(2);
        h.Kit.Watch(duplicate.Broker);
        h.Kit.ExpectTerminated(duplicate.Broker, ZkClusterHarness.Bound);
        var rejected = Assert.Single(h.EventsOf<BrokerRegistrationRejected>());
        Assert.Equal(2, rejected.BrokerId);
        Assert.Contains("already registered", rejected.Error);

        var stat = await h.Admin.ExistsAsync("/brokers/ids/2");
        Assert.Equal(original.BrokerEpoch, stat!.Czxid);
        Assert.Equal(original.SessionId, stat.EphemeralOwner);
        Assert.Empty(h.EventsOf<BrokerLost>());
        Assert.Single(h.EventsOf<ControllerElected>(), e => e.Epoch == controller.Epoch);
        h.AssertSafety();
    }

    [Fact]
    public async Task Generated_broker_ids_come_from_the_seqid_version_above_the_reserved_range()
    {
        await using var h = await ZkClusterHarness.StartAsync(1);
        h.AwaitController();
        await h.StartBrokerAsync(-1);
        await h.StartBrokerAsync(-1);
        var generated = h.EventsOf<BrokerRegistered>().Select(e => e.BrokerId).Where(id => id > 1000).Order().ToArray();
        Assert.Equal(new[] { 1001, 1002 }, generated);
        Assert.Equal(new[] { "1", "1001", "1002" }, (await h.Admin.GetChildrenAsync("/brokers/ids")).Order());
    }

    [Fact]
    public async Task A_broker_that_expires_re_registers_with_a_new_session_and_a_newer_epoch()
    {
        await using var h = await ZkClusterHarness.StartAsync(2);
        h.AwaitController();
        var before = h.EventsOf<BrokerRegistered>().Single(e => e.BrokerId == 2);
        // Close the broker's session behind its back, as an expiry would.
        var session = await h.Admin.ExistsAsync("/brokers/ids/2");
        h.Cluster.Store.Tell(new CloseSession(session!.EphemeralOwner, 1));
        h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<BrokerRegistered>(), e => e.BrokerId == 2 && e.BrokerEpoch > before.BrokerEpoch),
            ZkClusterHarness.Bound);
        var again = h.EventsOf<BrokerRegistered>().Last(e => e.BrokerId == 2);
        Assert.NotEqual(before.SessionId, again.SessionId);
        h.Kit.AwaitAssert(() => Assert.Equal(again.BrokerEpoch, h.BrokerState(h.Node(2)).BrokerEpoch), ZkClusterHarness.Bound);
    }
}
