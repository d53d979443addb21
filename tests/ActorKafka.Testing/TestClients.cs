using System.Text;
using ActorKafka.Broker;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Testing;

/// <summary>A producer's or consumer's side of a cluster test: its own remoting system, short client timeouts, numbered batches.</summary>
public static class TestClients
{
    /// <summary>A client ActorSystem outside the cluster (remoting only), as an application would run.</summary>
    public static ActorSystem System() => ActorSystem.Create("client", ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, maximum-frame-size = 2MiB }
            akka.loglevel = WARNING
            """).WithFallback(BrokerSettings.Defaults).WithFallback(Metadata.Serialization.MetadataConfig.Defaults));

    /// <summary>Bootstraps from these broker nodes; a dead leader costs seconds, not the default minutes.</summary>
    public static KafkaClientSettings Settings(IEnumerable<ActorSystem> brokers) =>
        KafkaClientSettings.From(ConfigurationFactory.ParseString("""
            actorkafka.client.delivery-timeout = 30s
            actorkafka.client.request-timeout = 2s
            actorkafka.client.produce-timeout = 3s
            """), brokers.Select(b => Akka.Cluster.Cluster.Get(b).SelfAddress.ToString()).ToArray());

    /// <summary>Produces batches of ten numbered records (acks=all), asserting each is acknowledged, and records where each landed.</summary>
    public static async Task ProduceNumberedAsync(KafkaProducer producer, TopicPartition tp, int firstBatch, int batches,
        List<(long Offset, string Value)> acknowledged)
    {
        for (var b = firstBatch; b < firstBatch + batches; b++)
        {
            var values = Enumerable.Range(0, 10).Select(i => $"{tp}-{b}-{i}").ToArray();
            var result = await producer.ProduceAsync(tp, values.Select(v => new ProducerRecord(null, Encoding.UTF8.GetBytes(v), b)).ToArray());
            Assert.True(result.Succeeded, $"batch {b}: {result.Error} {result.Message}");
            for (var i = 0; i < values.Length; i++) acknowledged.Add((result.BaseOffset + i, values[i]));
        }
    }

    /// <summary>Every acknowledged record is at its offset, and the partition's offsets have no gaps.</summary>
    public static void AssertAllPresent(IReadOnlyList<ConsumedRecord> records, IEnumerable<(long Offset, string Value)> acknowledged)
    {
        var found = records.ToDictionary(r => r.Offset, r => Encoding.UTF8.GetString(r.Record.Value));
        foreach (var (offset, value) in acknowledged)
            Assert.True(found.TryGetValue(offset, out var at) && at == value, $"acknowledged record '{value}' at offset {offset} is missing (found '{at}')");
        Assert.Equal(records.Select(r => r.Offset), Enumerable.Range(0, records.Count).Select(i => (long)i));
    }
}
