using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Raft;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests.Kraft;

/// <summary>Three controllers (Raft voters) and three brokers (observers), each its own ActorSystem.</summary>
public sealed class KraftFailoverTests
{
    [Fact]
    public async Task Brokers_register_unfence_and_learn_their_partitions_from_the_log()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        var created = h.CreateTopic("orders", 6, 3);
        Assert.Equal(ControlError.None, created.Error);
        h.AwaitPartitions("orders", ps => ps.Count == 6 && ps.All(p => p.Leader > 0 && p.Isr.Length == 3), "all 6 partitions led with a full ISR");
        var partitions = h.Partitions("orders");
        foreach (var broker in h.Cluster.Brokers)
        {
            h.Kit.AwaitAssert(() =>
            {
                var state = h.BrokerState(broker.NodeId);
                Assert.Equal(6, state.Replicas.Count);
                foreach (var replica in state.Replicas)
                {
                    var expected = partitions.Single(p => p.Partition == replica.Partition.Partition);
                    Assert.Equal(expected.Leader, replica.Leader);
                    Assert.Equal(expected.Leader == broker.NodeId, replica.IsLeader);
                }
            }, KraftClusterHarness.Bound);
        }
        // Broker epochs are the offsets of their registrations: distinct, and each broker knows its own.
        var brokers = h.DescribeCluster().Brokers;
        Assert.Equal(3, brokers.Select(b => b.BrokerEpoch).Distinct().Count());
        foreach (var b in brokers) Assert.Contains(h.EventsOf<BrokerRegistered>(), r => r.BrokerId == b.BrokerId && r.BrokerEpoch == b.BrokerEpoch);
        h.AssertSafety();
    }

    [Fact]
    public async Task A_killed_broker_is_fenced_after_its_session_and_loses_every_leadership()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("payments", 6, 3);
        h.AwaitPartitions("payments", ps => ps.Count == 6 && ps.All(p => p.Leader > 0 && p.Isr.Length == 3), "topic online");
        var before = h.Partitions("payments");
        var victim = before.GroupBy(p => p.Leader).MaxBy(g => g.Count())!.Key;

        await h.Cluster.KillAsync(victim);
        h.Kit.AwaitAssert(() => Assert.True(h.DescribeCluster().Brokers.Single(b => b.BrokerId == victim).Fenced, $"broker {victim} fenced"),
            KraftClusterHarness.Bound);
        h.AwaitPartitions("payments", ps => ps.All(p => p.Leader != victim && !p.Isr.Contains(victim)), $"broker {victim} leads nothing and is in no ISR");
        foreach (var p in h.Partitions("payments"))
        {
            var old = before.Single(b => b.Partition == p.Partition);
            Assert.True(p.PartitionEpoch > old.PartitionEpoch, $"{p.TopicPartition}: partition epoch must grow");
            if (old.Leader == victim) Assert.True(p.LeaderEpoch > old.LeaderEpoch, $"{p.TopicPartition}: leader epoch must grow");
        }
        Assert.Contains(h.EventsOf<BrokerLost>(), e => e.BrokerId == victim);
        h.AssertSafety();
    }

    [Fact]
    public async Task A_standby_takes_over_from_its_image_and_brokers_follow_it()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("before-failover", 4, 3);
        h.AwaitPartitions("before-failover", ps => ps.Count == 4 && ps.All(p => p.Leader > 0), "topic online");
        var old = h.AwaitActiveController();
        // Every standby already holds the committed image: no reload on failover.
        h.Kit.AwaitAssert(() =>
        {
            foreach (var standby in h.Cluster.Controllers.Where(c => c.NodeId != old.NodeId))
            {
                var status = standby.Controller!.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, KraftClusterHarness.Bound).Result;
                Assert.Equal(4, status.Partitions);
                Assert.Equal(3, status.Brokers);
            }
        }, KraftClusterHarness.Bound);

        await h.Cluster.KillAsync(old.NodeId);
        var next = h.AwaitActiveController(afterEpoch: old.ActiveEpoch);
        Assert.NotEqual(old.NodeId, next.NodeId);
        Assert.True(next.CommittedOffset >= old.CommittedOffset);
        Assert.Equal(4, next.Partitions);

        h.CreateTopic("after-failover", 3, 3);
        h.AwaitPartitions("after-failover", ps => ps.Count == 3 && ps.All(p => p.Leader > 0), "a topic created by the new controller");
        // Brokers pull from the new leader: they learn the new topic's partitions from the log.
        foreach (var broker in h.Cluster.Brokers)
        {
            h.Kit.AwaitAssert(() =>
            {
                Assert.Equal(3, h.BrokerState(broker.NodeId).Replicas.Count(r => r.Partition.Topic == "after-failover"));
                var status = broker.Raft.Ask<RaftStatus>(GetRaftStatus.Instance, KraftClusterHarness.Bound).Result;
                Assert.Equal(next.NodeId, status.LeaderId);
            }, KraftClusterHarness.Bound);
        }
        Assert.Contains(h.EventsOf<ControllerElected>(), e => e.ControllerId == next.NodeId && e.Epoch == next.ActiveEpoch);
        h.AssertSafety();
    }

    [Fact]
    public async Task A_second_broker_claiming_a_live_id_is_refused_as_a_duplicate()
    {
        await using var h = await KraftClusterHarness.StartAsync(2);
        var registered = h.DescribeCluster().Brokers.Single(b => b.BrokerId == 2);
        var impostor = await h.Cluster.StartImpostorAsync(2, h.Recording);
        try
        {
            h.Kit.AwaitAssert(() => Assert.Contains(h.EventsOf<BrokerRegistrationRejected>(), r => r.BrokerId == 2), KraftClusterHarness.Bound);
            // The live broker keeps its registration.
            var after = h.DescribeCluster().Brokers.Single(b => b.BrokerId == 2);
            Assert.Equal(registered.BrokerEpoch, after.BrokerEpoch);
            Assert.False(after.Fenced);
        }
        finally
        {
            await impostor.System.Terminate();
        }
    }
}
