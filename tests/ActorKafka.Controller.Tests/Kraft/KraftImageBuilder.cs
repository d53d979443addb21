using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>
/// Builds a committed image the way a log would: a LeaderChange, then one batch per broker and per
/// partition, replayed through MetadataReplay. Lets a test start from exact partition states.
/// </summary>
internal sealed class KraftImageBuilder
{
    private readonly List<MetadataBatch> _batches = [];
    private readonly Dictionary<string, Guid> _topicIds = new(StringComparer.Ordinal);
    private readonly int _epoch;

    public KraftImageBuilder(int epoch = 1)
    {
        _epoch = epoch;
        _batches.Add(new MetadataBatch(0, epoch, [new LeaderChangeRecord(1, BrokerIdList.Of(1))]));
    }

    private long NextOffset => _batches.Count;

    public static Guid TopicId(int n) => new(n, 0, 0, new byte[8]);

    public static BrokerEndpoint Endpoint(int id) => new(BrokerEndpoint.ActorListener, $"akka.tcp://actorkafka@10.0.0.{id}:2552", 0);

    public KraftImageBuilder Broker(int id, bool fenced = false, string? rack = null, bool shuttingDown = false, bool zk = false)
    {
        var offset = NextOffset;
        var records = new List<MetadataRecord>
        {
            new RegisterBrokerRecord(id, new Guid(id, 1, 1, new byte[8]), offset, [Endpoint(id)], rack, IsMigratingZkBroker: zk),
        };
        if (!fenced) records.Add(new UnfenceBrokerRecord(id, offset));
        if (shuttingDown) records.Add(new BrokerRegistrationChangeRecord(id, offset, InControlledShutdown: true));
        _batches.Add(new MetadataBatch(offset, _epoch, records));
        return this;
    }

    public KraftImageBuilder Brokers(params int[] ids)
    {
        foreach (var id in ids) Broker(id);
        return this;
    }

    /// <summary>A partition with the given state; its topic is created with it when new.</summary>
    public KraftImageBuilder Partition(string topic, int partition, int[] replicas, int[] isr, int leader, int leaderEpoch = 0, int partitionEpoch = 0)
    {
        var records = new List<MetadataRecord>();
        if (!_topicIds.TryGetValue(topic, out var id))
        {
            id = TopicId(_topicIds.Count + 1);
            _topicIds[topic] = id;
            records.Add(new TopicRecord(topic, id));
        }
        records.Add(new PartitionRecord(partition, id, replicas, isr, leader, leaderEpoch, partitionEpoch));
        _batches.Add(new MetadataBatch(NextOffset, _epoch, records));
        return this;
    }

    /// <summary>Moves the migration state forward to <paramref name="state"/>, one legal step per record.</summary>
    public KraftImageBuilder Migration(ZkMigrationState state)
    {
        ZkMigrationState[] path = [ZkMigrationState.PreMigration, ZkMigrationState.Migration, ZkMigrationState.PostMigration];
        var steps = path.Take(Array.IndexOf(path, state) + 1).Select(s => (MetadataRecord)new ZkMigrationStateRecord(s)).ToList();
        if (steps.Count > 0) _batches.Add(new MetadataBatch(NextOffset, _epoch, steps));
        return this;
    }

    public MetadataImage Build()
    {
        var result = MetadataReplay.Replay(MetadataImage.Empty, _batches);
        Assert.True(result.IsOk, string.Join("; ", result.Errors));
        return result.Image;
    }
}
