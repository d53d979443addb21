using ActorKafka.Broker;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests.Kraft;

/// <summary>
/// KRaft mode, leader-driven ISR changes: the leader's broker sends AlterPartition to the active
/// quorum controller, which commits a PartitionChangeRecord; every broker learns the new ISR from
/// the log. The test plays the leader's replica manager; the nodes' own are stopped so that none races it.
/// </summary>
public sealed class KraftIsrChangeTests
{
    private static readonly TopicPartition Tp = new("isr", 0);

    private static IsrChangeResult Propose(KraftClusterHarness h, int brokerId, ProposeIsrChange proposal) =>
        h.Cluster[brokerId].Broker!.Ask<IsrChangeResult>(proposal, KraftClusterHarness.Bound).GetAwaiter().GetResult();

    private static ReplicaView View(KraftClusterHarness h, int brokerId) => h.BrokerState(brokerId).Replicas.Single(r => r.Partition == Tp);

    [Fact]
    public async Task The_leaders_proposal_shrinks_and_grows_the_isr_through_the_quorum_controller_and_every_broker_follows_the_log()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        foreach (var node in h.Cluster.Brokers)
            if (node.ReplicaManager is { } replicaManager) await replicaManager.GracefulStop(KraftClusterHarness.Bound);
        Assert.Equal(ControlError.None, h.CreateTopic(Tp.Topic, 1, 3).Error);
        h.AwaitPartitions(Tp.Topic, ps => ps.Count == 1 && ps[0].Leader > 0 && ps[0].Isr.Length == 3, "online with a full ISR");
        var before = h.Partitions(Tp.Topic).Single();
        var leader = before.Leader;
        var follower = before.Replicas.First(r => r != leader);
        h.Kit.AwaitAssert(() => Assert.Equal(before.PartitionEpoch, View(h, leader).PartitionEpoch), KraftClusterHarness.Bound);

        // Shrink: committed by the controller with the same leader (a shrink bumps the leader epoch, as
        // in Kafka before 3.6, fencing the removed follower), and already in the leader's image when answered.
        var shrunk = before.Isr.Where(r => r != follower).ToArray();
        var result = Propose(h, leader, new ProposeIsrChange(Tp, before.LeaderEpoch, before.PartitionEpoch, shrunk));
        var leaderEpoch = before.LeaderEpoch + 1;
        Assert.Equal((ControlError.None, leaderEpoch, before.PartitionEpoch + 1), (result.Error, result.LeaderEpoch, result.PartitionEpoch));
        Assert.Equal(shrunk, result.Isr);
        var view = View(h, leader);
        Assert.Equal((true, leaderEpoch, before.PartitionEpoch + 1), (view.IsLeader, view.LeaderEpoch, view.PartitionEpoch));
        Assert.Equal(shrunk, view.Isr);
        var committed = h.Partitions(Tp.Topic).Single();
        Assert.Equal((leader, leaderEpoch, before.PartitionEpoch + 1), (committed.Leader, committed.LeaderEpoch, committed.PartitionEpoch));
        Assert.Equal(shrunk, committed.Isr);

        // Every replica learns it from the log, as a PartitionStateChanged.
        foreach (var broker in before.Replicas)
        {
            h.Kit.AwaitAssert(() =>
            {
                Assert.Equal(shrunk, View(h, broker).Isr);
                Assert.Contains(h.EventsOf<PartitionStateChanged>(),
                    e => e.BrokerId == broker && e.Replica.Partition == Tp && e.Replica.PartitionEpoch == before.PartitionEpoch + 1);
            }, KraftClusterHarness.Bound, TimeSpan.FromMilliseconds(100));
        }

        // The controller refuses the partition epoch it proposed from; the broker itself refuses the
        // old leader epoch and a follower's proposal.
        var stale = Propose(h, leader, new ProposeIsrChange(Tp, leaderEpoch, before.PartitionEpoch, before.Isr));
        Assert.Equal((ControlError.InvalidUpdateVersion, before.PartitionEpoch + 1), (stale.Error, stale.PartitionEpoch));
        var fenced = Propose(h, leader, new ProposeIsrChange(Tp, before.LeaderEpoch, before.PartitionEpoch + 1, before.Isr));
        Assert.Equal(ControlError.FencedLeaderEpoch, fenced.Error);
        h.Kit.AwaitAssert(() => Assert.Equal(leaderEpoch, View(h, follower).LeaderEpoch), KraftClusterHarness.Bound);
        var notLeader = Propose(h, follower, new ProposeIsrChange(Tp, leaderEpoch, before.PartitionEpoch + 1, [follower]));
        Assert.Equal(ControlError.NotLeaderOrFollower, notLeader.Error);

        // Grow back: only the ISR and the partition epoch move.
        var grown = Propose(h, leader, new ProposeIsrChange(Tp, leaderEpoch, before.PartitionEpoch + 1, [.. shrunk, follower]));
        Assert.Equal((ControlError.None, leaderEpoch, before.PartitionEpoch + 2), (grown.Error, grown.LeaderEpoch, grown.PartitionEpoch));
        h.AwaitPartitions(Tp.Topic, ps => ps[0].Isr.Length == 3 && ps[0].PartitionEpoch == before.PartitionEpoch + 2, "the ISR grown back");
        h.Kit.AwaitAssert(() => Assert.Equal(3, View(h, follower).Isr.Length), KraftClusterHarness.Bound);
        h.AssertSafety();
    }
}
