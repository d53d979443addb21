using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Metadata;

namespace ActorKafka.Cluster.Tests;

/// <summary>Every broker its own ActorSystem: elections, broker loss, controller loss.</summary>
public sealed class ZkFailoverTests
{
    [Fact]
    public async Task Controller_is_elected_and_a_new_topic_gets_leaders_on_every_replica()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var elected = h.AwaitController();
        Assert.Single(h.EventsOf<ControllerElected>());
        var assignment = await h.CreateTopicAsync("orders", 6, 3);
        h.AwaitPartitions("orders", ps => ps.Count == 6 && ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "all 6 partitions led with a full ISR");

        var partitions = await h.DescribeAsync("orders");
        foreach (var node in h.Nodes)
        {
            h.Kit.AwaitAssert(() =>
            {
                var state = h.BrokerState(node);
                Assert.Equal(elected.Epoch, state.ControllerEpoch);
                Assert.Equal(6, state.Replicas.Count);
                foreach (var replica in state.Replicas)
                {
                    var expected = partitions.Single(p => p.Partition == replica.Partition).State!;
                    Assert.Equal(expected.Leader, replica.Leader);
                    Assert.Equal(expected.Leader == node.BrokerId, replica.IsLeader);
                }
            }, ZkClusterHarness.Bound);
        }
        // Leaders follow the assignment's first replica, spread over the brokers.
        Assert.All(partitions, p => Assert.Equal(assignment[p.Partition.Partition][0], p.State!.Leader));
        h.AssertSafety();
    }

    [Fact]
    public async Task Broker_loss_moves_every_leadership_it_held_and_shrinks_isrs()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        h.AwaitController();
        await h.CreateTopicAsync("payments", 6, 3);
        h.AwaitPartitions("payments", ps => ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "topic online");
        var before = await h.DescribeAsync("payments");
        var victim = before.GroupBy(p => p.State!.Leader).MaxBy(g => g.Count())!.Key;

        await h.KillAsync(h.Node(victim));
        h.AwaitPartitions("payments", ps => ps.All(p => p.State!.Leader != victim && !p.State.Isr.Contains(victim)),
            $"broker {victim} leads nothing and is in no ISR");
        var after = await h.DescribeAsync("payments");
        foreach (var p in after)
        {
            var old = before.Single(b => b.Partition == p.Partition).State!;
            Assert.True(p.State!.LeaderEpoch > old.LeaderEpoch, $"{p.Partition}: leader epoch must grow");
            Assert.True(p.State.PartitionEpoch > old.PartitionEpoch);
            if (old.Leader == victim) Assert.Equal(p.Replicas.First(r => r != victim), p.State.Leader);
        }
        Assert.Contains(h.EventsOf<BrokerLost>(), e => e.BrokerId == victim);
        h.AwaitLiveLeaders("payments");
        h.AssertSafety();
    }

    [Fact]
    public async Task Controller_loss_elects_a_new_controller_with_epoch_plus_one_and_brokers_follow_it()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var first = h.AwaitController();
        await h.CreateTopicAsync("audit", 3, 3);
        h.AwaitPartitions("audit", ps => ps.All(p => p.State is { HasLeader: true }), "topic online");

        await h.KillAsync(h.Node(first.ControllerId));
        var second = h.AwaitController(first.Epoch);
        Assert.Equal(first.Epoch + 1, second.Epoch);
        Assert.NotEqual(first.ControllerId, second.ControllerId);
        foreach (var node in h.Nodes)
            h.Kit.AwaitAssert(() => Assert.Equal(second.Epoch, h.BrokerState(node).ControllerEpoch), ZkClusterHarness.Bound);
        h.AwaitLiveLeaders("audit");
        var cluster = await ZkAdmin.DescribeClusterAsync(h.Admin);
        Assert.Equal(second.ControllerId, cluster.ControllerId);
        Assert.Equal(second.Epoch, cluster.ControllerEpoch);
        h.AssertSafety();
    }
    [Fact]
    public async Task A_new_controller_takes_brokers_that_died_unseen_out_of_every_isr()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var first = h.AwaitController();
        await h.CreateTopicAsync("unseen", 6, 3);
        h.AwaitPartitions("unseen", ps => ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "topic online");
        var other = h.Nodes.First(n => n.BrokerId != first.ControllerId);
        // The controller dies first; a second broker dies while there is no controller to see it.
        await h.KillAsync(h.Node(first.ControllerId));
        await h.KillAsync(other);
        // The other broker may win an election before it dies too: wait for the survivor's.
        var survivor = Assert.Single(h.Nodes).BrokerId;
        h.Kit.AwaitAssert(() => Assert.Equal(survivor, h.AwaitController(first.Epoch).ControllerId), ZkClusterHarness.Bound);
        h.AwaitPartitions("unseen", ps => ps.All(p => p.State is { } s && s.Leader == survivor && s.Isr.SequenceEqual(new[] { survivor })),
            "the survivor leads everything with an ISR of itself");
        h.AssertSafety();
    }
}
