using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Migration;

/// <summary>Committed images for migration tests, built by replaying records one offset after another.</summary>
internal static class MigrationImages
{
    public const int Epoch = 3;

    public static Guid TopicId(int n) => new(n, 7, 7, new byte[8]);

    /// <summary>The image with <paramref name="records"/> replayed at the next offsets; every record must apply.</summary>
    public static MetadataImage With(this MetadataImage image, params MetadataRecord[] records)
    {
        var delta = new MetadataDelta(image);
        var offset = image.Offset + 1;
        foreach (var record in records)
        {
            var error = delta.Replay(record, offset++, Epoch);
            Assert.True(error is null, error?.ToString());
        }
        return delta.Image();
    }

    /// <summary>A registered broker, unfenced unless asked; zk: a migrating zk-mode broker. Its epoch is the offset it lands at.</summary>
    public static MetadataImage WithBroker(this MetadataImage image, int id, bool zk, bool fenced = false, string? actorAddress = null)
    {
        var epoch = image.Offset + 1;
        var endpoints = actorAddress is null
            ? [new BrokerEndpoint("PLAINTEXT", $"10.0.0.{id}", 9092)]
            : new[] { new BrokerEndpoint("PLAINTEXT", $"10.0.0.{id}", 9092), new BrokerEndpoint(BrokerEndpoint.ActorListener, actorAddress, 0) };
        var records = new List<MetadataRecord>
        {
            new RegisterBrokerRecord(id, new Guid(id, 1, 1, new byte[8]), epoch, [.. endpoints], null, IsMigratingZkBroker: zk),
        };
        if (!fenced) records.Add(new UnfenceBrokerRecord(id, epoch));
        return image.With(records.ToArray());
    }

    public static MetadataImage WithLeader(this MetadataImage image, int leaderId) => image.With(new LeaderChangeRecord(leaderId, BrokerIdList.Of(leaderId)));

    public static MetadataImage WithTopic(this MetadataImage image, string name, Guid id, params (int Partition, int[] Replicas, int[] Isr, int Leader, int LeaderEpoch)[] partitions) =>
        image.With(partitions.Select(p => (MetadataRecord)new PartitionRecord(p.Partition, id, p.Replicas, p.Isr, p.Leader, p.LeaderEpoch))
            .Prepend(new TopicRecord(name, id)).ToArray());
}
