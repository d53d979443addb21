using System.Collections.Immutable;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Tests.Image;

/// <summary>Shorthands for building metadata logs in tests.</summary>
internal static class Records
{
    public static RegisterBrokerRecord Register(int id, long epoch, bool fenced = true) =>
        new(id, IncarnationOf(id, epoch), epoch,
            [new BrokerEndpoint("PLAINTEXT", $"broker{id}", 9092 + id), new BrokerEndpoint(BrokerEndpoint.ActorListener, $"akka.tcp://ak@broker{id}:2552", 0)],
            $"rack{id % 2}", fenced);

    public static Guid IncarnationOf(int id, long epoch) => new(id, (short)epoch, 0, new byte[8]);

    public static Guid TopicId(int n) => new(n, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]);

    /// <summary>Applies each record at its own offset (offset = position), epoch 1; fails on any error.</summary>
    public static MetadataImage ReplayAll(params MetadataRecord[] records) =>
        Replay(MetadataImage.Empty, 0, records);

    public static MetadataImage Replay(MetadataImage image, long firstOffset, params MetadataRecord[] records)
    {
        var batches = records.Select((r, i) => new MetadataBatch(firstOffset + i, 1, [r])).ToArray();
        var result = MetadataReplay.Replay(image, batches);
        Assert.True(result.IsOk, string.Join("; ", result.Errors));
        return result.Image;
    }
}
