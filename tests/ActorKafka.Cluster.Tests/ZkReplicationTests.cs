using System.Text;
using ActorKafka.Broker;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Configuration;

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
        using var client = ClientSystem();
        var settings = ClientSettings(h);
        var producer = new KafkaProducer(client, settings);
        var tp = new TopicPartition("events", 0);
        var acknowledged = new List<(long Offset, string Value)>();

        await ProduceAsync(producer, tp, 0, 20, acknowledged);
        var leader = (await h.DescribeAsync("events"))[0].State!.Leader;
        await h.KillAsync(h.Node(leader));
        await ProduceAsync(producer, tp, 20, 20, acknowledged);

        var records = await new KafkaConsumer(client, settings).ReadToEndAsync(tp);
        var found = records.ToDictionary(r => r.Offset, r => Encoding.UTF8.GetString(r.Record.Value));
        foreach (var (offset, value) in acknowledged)
            Assert.True(found.TryGetValue(offset, out var at) && at == value, $"acknowledged record '{value}' at offset {offset} is missing (found '{at}')");
        Assert.Equal(records.Select(r => r.Offset), Enumerable.Range(0, records.Count).Select(i => (long)i));
        h.AssertSafety();
    }

    [Fact]
    public async Task A_restarted_follower_catches_up_from_its_own_log_and_rejoins_the_isr()
    {
        await using var h = await ZkClusterHarness.StartAsync(3, MinIsrTwo);
        h.AwaitController();
        await h.CreateTopicAsync("rejoin", 1, 3);
        h.AwaitPartitions("rejoin", ps => ps.Count == 1 && ps[0].State is { HasLeader: true, Isr.Count: 3 }, "topic online");
        using var client = ClientSystem();
        var producer = new KafkaProducer(client, ClientSettings(h));
        var tp = new TopicPartition("rejoin", 0);
        await ProduceAsync(producer, tp, 0, 10, []);
        var state = (await h.DescribeAsync("rejoin"))[0];
        var follower = state.Replicas.First(r => r != state.State!.Leader);

        await h.KillAsync(h.Node(follower));
        h.AwaitPartitions("rejoin", ps => !ps[0].State!.Isr.Contains(follower), $"broker {follower} out of the ISR");
        await ProduceAsync(producer, tp, 10, 10, []);
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

    private static async Task ProduceAsync(KafkaProducer producer, TopicPartition tp, int firstBatch, int batches, List<(long, string)> acknowledged)
    {
        for (var b = firstBatch; b < firstBatch + batches; b++)
        {
            var values = Enumerable.Range(0, 10).Select(i => $"{tp}-{b}-{i}").ToArray();
            var result = await producer.ProduceAsync(tp, values.Select(v => new ProducerRecord(null, Encoding.UTF8.GetBytes(v), b)).ToArray());
            Assert.True(result.Succeeded, $"batch {b}: {result.Error} {result.Message}");
            for (var i = 0; i < values.Length; i++) acknowledged.Add((result.BaseOffset + i, values[i]));
        }
    }

    private static KafkaClientSettings ClientSettings(ZkClusterHarness h) =>
        KafkaClientSettings.From(ConfigurationFactory.ParseString("""
            actorkafka.client.delivery-timeout = 30s
            actorkafka.client.request-timeout = 2s
            actorkafka.client.produce-timeout = 3s
            """), h.Nodes.Select(n => Akka.Cluster.Cluster.Get(n.System).SelfAddress.ToString()).ToArray());

    private static ActorSystem ClientSystem() => ActorSystem.Create("client", ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, maximum-frame-size = 2MiB }
            akka.loglevel = WARNING
            """).WithFallback(BrokerSettings.Defaults).WithFallback(ActorKafka.Metadata.Serialization.MetadataConfig.Defaults));
}
