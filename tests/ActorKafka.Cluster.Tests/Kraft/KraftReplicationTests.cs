using ActorKafka.Broker;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests.Kraft;

/// <summary>Leaders serve, followers pull, and acknowledged records survive leader loss (KRaft mode).</summary>
public sealed class KraftReplicationTests
{
    private const string MinIsrTwo = "actorkafka.broker.replication.min-insync-replicas = 2\nactorkafka.broker.replication.replica-lag-time-max = 3s";

    [Fact]
    public async Task Acknowledged_records_survive_the_loss_of_their_leader()
    {
        await using var h = await KraftClusterHarness.StartAsync(3, MinIsrTwo);
        h.CreateTopic("events", 1, 3);
        h.AwaitPartitions("events", ps => ps.Count == 1 && ps[0].Leader > 0, "topic online");
        using var client = TestClients.System();
        var settings = TestClients.Settings(h.Cluster.Brokers.Select(b => b.System));
        var producer = new KafkaProducer(client, settings);
        var tp = new TopicPartition("events", 0);
        var acknowledged = new List<(long Offset, string Value)>();

        await TestClients.ProduceNumberedAsync(producer, tp, 0, 20, acknowledged);
        var leader = h.Partitions("events")[0].Leader;
        await h.Cluster.KillAsync(leader);
        await TestClients.ProduceNumberedAsync(producer, tp, 20, 20, acknowledged);

        var consumer = new KafkaConsumer(client, settings);
        var records = await consumer.ReadToEndAsync(tp);
        TestClients.AssertAllPresent(records, acknowledged);
        Assert.NotEqual(leader, h.Partitions("events")[0].Leader);
        h.AssertSafety();
    }

    [Fact]
    public async Task Followers_hold_the_leaders_log_below_the_high_watermark()
    {
        await using var h = await KraftClusterHarness.StartAsync(3, MinIsrTwo);
        h.CreateTopic("mirrored", 2, 3);
        h.AwaitPartitions("mirrored", ps => ps.Count == 2 && ps.All(p => p.Leader > 0), "topic online");
        using var client = TestClients.System();
        var producer = new KafkaProducer(client, TestClients.Settings(h.Cluster.Brokers.Select(b => b.System)));
        for (var p = 0; p < 2; p++) await TestClients.ProduceNumberedAsync(producer, new TopicPartition("mirrored", p), 0, 10, []);
        // acks=0 waits for nothing (the leader answers nothing), yet its records are replicated like any others.
        var fireAndForget = await producer.ProduceAsync(new TopicPartition("mirrored", 0),
            Enumerable.Range(0, 10).Select(i => new ProducerRecord(null, [(byte)i], i)).ToArray(), Acks.None);
        Assert.True(fireAndForget.Succeeded);
        Assert.Equal(-1, fireAndForget.BaseOffset);
        h.Kit.AwaitAssert(() =>
        {
            var states = h.Cluster.Brokers.Select(b => b.ReplicaManager!.Ask<ReplicaStates>(GetReplicaStates.Instance, KraftClusterHarness.Bound).Result)
                .SelectMany(s => s.Replicas).ToList();
            foreach (var partition in states.GroupBy(s => s.Partition))
            {
                Assert.Equal(3, partition.Count());
                var expected = partition.Key.Partition == 0 ? 110 : 100;
                Assert.All(partition, r => Assert.Equal(expected, r.LogEndOffset));
                Assert.All(partition, r => Assert.Equal(expected, r.HighWatermark));
                Assert.Single(partition, r => r.Role == ReplicaRole.Leader);
            }
        }, KraftClusterHarness.Bound);
    }

    [Fact]
    public async Task A_produce_to_a_broker_that_does_not_lead_the_partition_is_refused_with_a_typed_error()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("routing", 1, 3);
        h.AwaitPartitions("routing", ps => ps.Count == 1 && ps[0].Leader > 0, "topic online");
        var tp = new TopicPartition("routing", 0);
        var follower = h.Partitions("routing")[0].Replicas.First(r => r != h.Partitions("routing")[0].Leader);
        var probe = h.Kit.CreateTestProbe();
        h.Kit.AwaitAssert(() =>
        {
            h.Cluster[follower].ReplicaManager!.Tell(new ProduceRequest(1, tp, Acks.All, 1000, -1, [new ProducerRecord(null, [1], 0)]), probe.Ref);
            Assert.Equal(ControlError.NotLeaderOrFollower, probe.ExpectMsg<ProduceResponse>(TimeSpan.FromSeconds(5)).Error);
        }, KraftClusterHarness.Bound);
        h.Cluster[follower].ReplicaManager!.Tell(new ProduceRequest(2, new TopicPartition("nope", 0), Acks.Leader, 1000, -1, [new ProducerRecord(null, [1], 0)]), probe.Ref);
        Assert.Equal(ControlError.UnknownTopicOrPartition, probe.ExpectMsg<ProduceResponse>(KraftClusterHarness.Bound).Error);
    }
}
