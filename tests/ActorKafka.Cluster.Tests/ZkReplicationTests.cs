using ActorKafka.Broker;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests;

/// <summary>Leaders serve, followers pull, ISR changes go through the store, and acknowledged records survive leader loss (zk mode).</summary>
public sealed class ZkReplicationTests
{
    private const string MinIsrTwo = "actorkafka.broker.replication.min-insync-replicas = 2\nactorkafka.broker.replication.replica-lag-time-max = 3s";

    [Fact]
    public async Task Acknowledged_records_survive_the_loss_of_their_leader()
    {
        await using var h = await ZkClusterHarness.StartAsync(3, MinIsrTwo);
        h.AwaitController();
        await h.CreateTopicAsync("events", 1, 3);
        h.AwaitPartitions("events", ps => ps.Count == 1 && ps[0].State is { HasLeader: true, Isr.Count: 3 }, "topic online");
        using var client = TestClients.System();
        var settings = TestClients.Settings(h.Nodes.Select(n => n.System));
        var producer = new KafkaProducer(client, settings);
        var tp = new TopicPartition("events", 0);
        var acknowledged = new List<(long Offset, string Value)>();

        await TestClients.ProduceNumberedAsync(producer, tp, 0, 20, acknowledged);
        var leader = (await h.DescribeAsync("events"))[0].State!.Leader;
        await h.KillAsync(h.Node(leader));
        await TestClients.ProduceNumberedAsync(producer, tp, 20, 20, acknowledged);

        var records = await new KafkaConsumer(client, settings).ReadToEndAsync(tp);
        TestClients.AssertAllPresent(records, acknowledged);
        h.AssertSafety();
    }

    [Fact]
    public async Task A_restarted_follower_catches_up_from_its_own_log_and_rejoins_the_isr()
    {
        await using var h = await ZkClusterHarness.StartAsync(3, MinIsrTwo);
        h.AwaitController();
        await h.CreateTopicAsync("rejoin", 1, 3);
        h.AwaitPartitions("rejoin", ps => ps.Count == 1 && ps[0].State is { HasLeader: true, Isr.Count: 3 }, "topic online");
        using var client = TestClients.System();
        var producer = new KafkaProducer(client, TestClients.Settings(h.Nodes.Select(n => n.System)));
        var tp = new TopicPartition("rejoin", 0);
        await TestClients.ProduceNumberedAsync(producer, tp, 0, 10, []);
        var state = (await h.DescribeAsync("rejoin"))[0];
        var follower = state.Replicas.First(r => r != state.State!.Leader);

        await h.KillAsync(h.Node(follower));
        h.AwaitPartitions("rejoin", ps => !ps[0].State!.Isr.Contains(follower), $"broker {follower} out of the ISR");
        await TestClients.ProduceNumberedAsync(producer, tp, 10, 10, []);
        await h.StartBrokerAsync(follower);
        // Its log survived the restart (same data dir); it fetches the rest and its leader lets it back in.
        h.AwaitPartitions("rejoin", ps => ps[0].State!.Isr.Contains(follower), $"broker {follower} back in the ISR");
        h.Kit.AwaitAssert(() =>
        {
            var replica = h.Node(follower).ReplicaManager!.Ask<ReplicaStates>(GetReplicaStates.Instance, ZkClusterHarness.Bound).Result.Replicas.Single();
            Assert.Equal(200, replica.LogEndOffset);
            Assert.Equal(200, replica.HighWatermark);
        }, ZkClusterHarness.Bound);
        h.AssertSafety();
    }
}
