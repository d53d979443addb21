using ActorKafka.Broker;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests.Kraft;

/// <summary>Leadership moves the controller makes on request: controlled shutdown through the heartbeat, and ElectLeaders.</summary>
public sealed class KraftLeadershipTests
{
    [Fact]
    public async Task A_controlled_shutdown_moves_every_leadership_before_the_broker_stops()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("shutdown", 6, 3);
        h.AwaitPartitions("shutdown", ps => ps.Count == 6 && ps.All(p => p.Leader > 0 && p.Isr.Length == 3), "topic online");
        var leader = h.Partitions("shutdown").GroupBy(p => p.Leader).MaxBy(g => g.Count())!.Key;

        var stopped = await h.Cluster[leader].Broker!.Ask<BrokerStopped>(ShutdownBroker.Instance, KraftClusterHarness.Bound);
        Assert.Equal(leader, stopped.BrokerId);
        // Everything moved while the broker was still up: no partition waited for a session timeout.
        var partitions = h.Partitions("shutdown");
        Assert.All(partitions, p => Assert.NotEqual(leader, p.Leader));
        Assert.All(partitions, p => Assert.True(p.Leader > 0, $"{p.TopicPartition} has no leader"));
        var broker = h.DescribeCluster().Brokers.Single(b => b.BrokerId == leader);
        Assert.True(broker.Fenced || broker.InControlledShutdown);
        h.AssertSafety();
    }

    [Fact]
    public async Task Preferred_leader_election_gives_leadership_back_once_the_returning_broker_is_in_sync()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("preferred", 3, 3);
        h.AwaitPartitions("preferred", ps => ps.Count == 3 && ps.All(p => p.Leader > 0 && p.Isr.Length == 3), "topic online");
        var victim = h.Partitions("preferred").First().Replicas[0];
        var preferredOfVictim = h.Partitions("preferred").Where(p => p.Replicas[0] == victim).Select(p => p.TopicPartition).ToArray();

        await h.Cluster.KillAsync(victim);
        h.AwaitPartitions("preferred", ps => ps.All(p => p.Leader != victim && !p.Isr.Contains(victim)), $"broker {victim} leads nothing, in no ISR");
        await h.StartBrokerAsync(victim);
        h.AwaitUnfenced(victim);
        // Its leaders let it back into their ISRs once its replica has caught up; only then is it eligible.
        h.AwaitPartitions("preferred", ps => ps.All(p => p.Isr.Contains(victim)), $"broker {victim} back in every ISR");
        var elected = h.Request<ElectLeadersResponse>(id => new ElectLeadersRequest(id, ElectionType.Preferred, preferredOfVictim));
        Assert.Equal(ControlError.None, elected.Error);
        Assert.All(elected.Partitions, r => Assert.True(r.Error is ControlError.None or ControlError.ElectionNotNeeded, $"{r.Topic}-{r.Partition}: {r.Error}"));
        h.AwaitPartitions("preferred", ps => ps.Where(p => p.Replicas[0] == victim).All(p => p.Leader == victim), $"broker {victim} leads its preferred partitions");

        var unknown = h.Request<ElectLeadersResponse>(id => new ElectLeadersRequest(id, ElectionType.Preferred, [new TopicPartition("nope", 0)]));
        Assert.Equal(ControlError.UnknownTopicOrPartition, Assert.Single(unknown.Partitions).Error);
        h.AssertSafety();
    }
}
