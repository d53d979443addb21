using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests;

/// <summary>
/// zk mode, leader-driven ISR changes (Kafka before KIP-497): the leader's broker writes the
/// partition state conditionally on its version plus an /isr_change_notification; the controller
/// reads the notified states, refreshes its cache and tells every broker with UpdateMetadata.
/// The test plays the leader's replica manager; the nodes' own are stopped so that none races it.
/// </summary>
public sealed class IsrChangeTests
{
    private static readonly TopicPartition Tp = new("isr", 0);

    private static async Task<(ZkClusterHarness H, ZkNode Leader, int Follower, LeaderAndIsr Before)> OnlinePartition()
    {
        var h = await ZkClusterHarness.StartAsync(3, replicaManagers: false);
        h.AwaitController();
        await h.CreateTopicAsync(Tp.Topic, 1, 3);
        h.AwaitPartitions(Tp.Topic, ps => ps.Single().State is { HasLeader: true, Isr.Count: 3 }, "online");
        var partition = (await h.DescribeAsync(Tp.Topic)).Single();
        var leader = h.Node(partition.State!.Leader);
        // The leader's broker has applied the state the store holds before the test proposes from it.
        h.Kit.AwaitAssert(() => Assert.Equal(partition.State.PartitionEpoch, h.BrokerState(leader).Replicas.Single().PartitionEpoch),
            ZkClusterHarness.Bound);
        return (h, leader, partition.Replicas.First(r => r != leader.BrokerId), partition.State);
    }

    /// <summary>The partition as the newest controller has it cached.</summary>
    private static LeaderAndIsr Controllers(ZkClusterHarness h)
    {
        var newest = h.Node(h.EventsOf<ControllerElected>().MaxBy(e => e.Epoch)!.ControllerId).Controller;
        var state = newest.Ask<ControllerStateSnapshot>(GetControllerState.Instance, ZkClusterHarness.Bound).GetAwaiter().GetResult();
        Assert.True(state.Active);
        return state.Partitions[Tp];
    }

    /// <summary>Every live broker's metadata cache holds the partition with this ISR and partition epoch (from UpdateMetadata).</summary>
    private static void AwaitMetadataEverywhere(ZkClusterHarness h, int[] isr, int partitionEpoch)
    {
        foreach (var node in h.Nodes)
        {
            h.Kit.AwaitAssert(() =>
            {
                var cached = h.BrokerState(node).Metadata.Single(p => p.TopicPartition == Tp);
                Assert.Equal(isr, cached.Isr);
                Assert.Equal(partitionEpoch, cached.PartitionEpoch);
            }, ZkClusterHarness.Bound, TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public async Task A_leader_shrinks_and_grows_its_isr_the_controller_tells_every_broker_and_can_still_move_the_leadership()
    {
        var (h, leader, follower, before) = await OnlinePartition();
        await using var _ = h;

        // Shrink: written at version + 1, same leader and leader epoch.
        var shrunk = before.Isr.Where(r => r != follower).ToArray();
        var result = h.ProposeIsr(leader, Tp, _ => shrunk);
        Assert.Equal((ControlError.None, before.LeaderEpoch, before.PartitionEpoch + 1), (result.Error, result.LeaderEpoch, result.PartitionEpoch));
        Assert.Equal(shrunk, result.Isr);
        var stored = (await h.DescribeAsync(Tp.Topic)).Single().State!;
        Assert.Equal((before.Leader, before.LeaderEpoch, before.ControllerEpoch, before.PartitionEpoch + 1),
            (stored.Leader, stored.LeaderEpoch, stored.ControllerEpoch, stored.PartitionEpoch));
        Assert.Equal(shrunk, stored.Isr);

        // The leader's own view moved, announced before the answer; the controller refreshed its cache and told everyone.
        var view = h.BrokerState(leader).Replicas.Single();
        Assert.Equal((before.PartitionEpoch + 1, true), (view.PartitionEpoch, view.IsLeader));
        Assert.Equal(shrunk, view.Isr);
        Assert.Contains(h.EventsOf<PartitionStateChanged>(), e => e.BrokerId == leader.BrokerId && e.Replica.PartitionEpoch == before.PartitionEpoch + 1
                                                                  && e.Replica.Isr.SequenceEqual(shrunk));
        AwaitMetadataEverywhere(h, shrunk, before.PartitionEpoch + 1);
        h.Kit.AwaitAssert(() => Assert.Equal(before.PartitionEpoch + 1, Controllers(h).PartitionEpoch), ZkClusterHarness.Bound);
        h.Kit.AwaitAssert(async () => Assert.Empty(await h.Admin.GetChildrenAsync(ZkPaths.IsrChangeNotification)), ZkClusterHarness.Bound);

        // Grow back.
        var grown = h.ProposeIsr(leader, Tp, isr => [.. isr, follower]);
        Assert.Equal(ControlError.None, grown.Error);
        Assert.Equal(before.PartitionEpoch + 2, grown.PartitionEpoch);
        Assert.Equal([.. shrunk, follower], (await h.DescribeAsync(Tp.Topic)).Single().State!.Isr);
        AwaitMetadataEverywhere(h, [.. shrunk, follower], before.PartitionEpoch + 2);
        h.Kit.AwaitAssert(() => Assert.Equal(before.PartitionEpoch + 2, Controllers(h).PartitionEpoch), ZkClusterHarness.Bound);

        // The controller's next conditional write of the partition expects the version the leader left: a controlled shutdown moves it at once.
        var stopped = await leader.Broker.Ask<BrokerStopped>(ShutdownBroker.Instance, ZkClusterHarness.Bound);
        Assert.Contains("moved every leadership", stopped.Reason);
        var moved = (await h.DescribeAsync(Tp.Topic)).Single().State!;
        Assert.NotEqual(leader.BrokerId, moved.Leader);
        Assert.Equal((before.LeaderEpoch + 1, before.PartitionEpoch + 3), (moved.LeaderEpoch, moved.PartitionEpoch));
        Assert.DoesNotContain(leader.BrokerId, moved.Isr);
        h.AssertSafety();
    }

    [Fact]
    public async Task Stale_epochs_and_non_leaders_are_refused_and_nothing_is_written()
    {
        var (h, leader, follower, before) = await OnlinePartition();
        await using var _ = h;
        var shrunk = before.Isr.Where(r => r != follower).ToArray();
        Assert.Equal(ControlError.None, h.ProposeIsr(leader, Tp, _ => shrunk).Error);
        var current = (await h.DescribeAsync(Tp.Topic)).Single().State!;

        // The partition epoch it had before its own change: refused without writing.
        var stale = await leader.Broker.Ask<IsrChangeResult>(new ProposeIsrChange(Tp, before.LeaderEpoch, before.PartitionEpoch, before.Isr.ToArray()),
            ZkClusterHarness.Bound);
        Assert.Equal(ControlError.InvalidUpdateVersion, stale.Error);
        Assert.Equal(current.PartitionEpoch, stale.PartitionEpoch);
        Assert.Equal(shrunk, stale.Isr);
        // An older leader epoch is fenced; a follower is not the leader.
        var fenced = await leader.Broker.Ask<IsrChangeResult>(new ProposeIsrChange(Tp, before.LeaderEpoch - 1, current.PartitionEpoch, shrunk),
            ZkClusterHarness.Bound);
        Assert.Equal(ControlError.FencedLeaderEpoch, fenced.Error);
        var followerNode = h.Node(follower);
        var notLeader = await followerNode.Broker.Ask<IsrChangeResult>(new ProposeIsrChange(Tp, before.LeaderEpoch, current.PartitionEpoch, [follower]),
            ZkClusterHarness.Bound);
        Assert.Equal(ControlError.NotLeaderOrFollower, notLeader.Error);
        // A new ISR without the leader is not an ISR it may write.
        var invalid = await leader.Broker.Ask<IsrChangeResult>(new ProposeIsrChange(Tp, before.LeaderEpoch, current.PartitionEpoch, [follower]),
            ZkClusterHarness.Bound);
        Assert.Equal(ControlError.InvalidRequest, invalid.Error);
        Assert.Equal(current.ToString(), (await h.DescribeAsync(Tp.Topic)).Single().State!.ToString());

        // Written behind the leader's back (as a controller write would be): the conditional write fails with BadVersion.
        var path = ZkPaths.PartitionState(Tp);
        var data = await h.Admin.GetDataAsync(path);
        var bumped = await h.Admin.SetDataAsync(path, data.Data, data.Stat.Version);
        var refused = h.ProposeIsr(leader, Tp, isr => [.. isr, follower]);
        Assert.Equal(ControlError.InvalidUpdateVersion, refused.Error);
        Assert.Equal(current.PartitionEpoch, refused.PartitionEpoch);
        var after = await h.Admin.GetDataAsync(path);
        Assert.Equal(bumped.Version, after.Stat.Version);
        Assert.Equal(shrunk, ZkData.DecodePartitionState(Tp, after.Data, after.Stat.Version).Value.Isr);
        h.AssertSafety();
    }

    [Fact]
    public async Task Notifications_written_while_no_controller_was_active_are_taken_by_the_next_one()
    {
        var h = await ZkClusterHarness.StartAsync(3, replicaManagers: false);
        await using var _ = h;
        var first = h.AwaitController();
        await h.CreateTopicAsync(Tp.Topic, 1, 3);
        h.AwaitPartitions(Tp.Topic, ps => ps.Single().State is { HasLeader: true, Isr.Count: 3 }, "online");
        var partition = (await h.DescribeAsync(Tp.Topic)).Single();
        // Only the controller actor pauses: the brokers, the one on its node too, carry on.
        var leader = h.Node(partition.State!.Leader);
        var follower = partition.Replicas.First(r => r != leader.BrokerId);
        h.Kit.AwaitAssert(() => Assert.Equal(partition.State.PartitionEpoch, h.BrokerState(leader).Replicas.Single().PartitionEpoch), ZkClusterHarness.Bound);

        // The controller pauses; the leader changes the ISR meanwhile; the next controller finds the notification.
        h.Node(first.ControllerId).Controller.Tell(PauseController.Instance);
        var shrunk = h.ProposeIsr(leader, Tp, isr => isr.Where(r => r != follower).ToArray());
        Assert.Equal(ControlError.None, shrunk.Error);
        var second = h.AwaitController(first.Epoch);
        h.Kit.AwaitAssert(() => Assert.Equal(shrunk.PartitionEpoch, Controllers(h).PartitionEpoch), ZkClusterHarness.Bound);
        h.Kit.AwaitAssert(async () => Assert.Empty(await h.Admin.GetChildrenAsync(ZkPaths.IsrChangeNotification)), ZkClusterHarness.Bound);
        foreach (var node in h.Nodes)
        {
            h.Kit.AwaitAssert(() =>
            {
                var state = h.BrokerState(node);
                Assert.Equal(second.Epoch, state.ControllerEpoch);
                Assert.Equal(shrunk.Isr, state.Metadata.Single(p => p.TopicPartition == Tp).Isr);
            }, ZkClusterHarness.Bound, TimeSpan.FromMilliseconds(100));
        }
        h.Node(first.ControllerId).Controller.Tell(ResumeController.Instance);
        h.AssertSafety();
    }
}
