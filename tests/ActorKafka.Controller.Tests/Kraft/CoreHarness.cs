using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>
/// An active core on a virtual clock, standing in for the shell: every result's batches are
/// appended to a log at the offsets the core predicted, and replaying them through
/// MetadataReplay must give exactly the core's image.
/// </summary>
internal sealed class CoreHarness
{
    public const int NodeId = 7;
    public const int ActiveEpoch = 3;
    public const long SessionTimeoutMs = 9_000;

    private int _nextTopicId = 1000;
    private MetadataImage _replayed;

    public CoreHarness(MetadataImage start, bool unclean = false, int maxRecordsPerBatch = 5000, int seed = 1, bool migration = false)
    {
        Start = start;
        _replayed = start;
        Core = new QuorumControllerCore(NodeId, new QuorumControllerConfig(SessionTimeoutMs, unclean, maxRecordsPerBatch, migration),
            () => KraftImageBuilder.TopicId(_nextTopicId++), new Random(seed));
        Core.Activate(start, ActiveEpoch, Now);
    }

    public QuorumControllerCore Core { get; }

    public MetadataImage Start { get; }

    public MetadataImage Image => Core.Image;

    public long Now { get; set; } = 1_000;

    public List<MetadataBatch> Log { get; } = [];

    /// <summary>Calls the core and checks its batches against the log and the replay.</summary>
    public ControllerResult<T> Do<T>(Func<QuorumControllerCore, ControllerResult<T>> call)
    {
        var before = Core.Image.Offset;
        var result = call(Core);
        Assert.Equal(before + result.Batches.Count, Core.Image.Offset);
        var batches = result.Batches.Select((records, i) => new MetadataBatch(before + 1 + i, Core.Epoch, records)).ToList();
        Assert.All(batches, b => Assert.NotEmpty(b.Records));
        Log.AddRange(batches);
        var replay = MetadataReplay.Replay(_replayed, batches);
        Assert.True(replay.IsOk, string.Join("; ", replay.Errors));
        Assert.Equal(replay.Image, Core.Image);
        _replayed = replay.Image;
        return result;
    }

    /// <summary>
    /// A Raft failover after only the first <paramref name="committedBatches"/> batches of the log
    /// committed: the rest is lost and the core starts over from that image in the next epoch.
    /// </summary>
    public void Failover(int committedBatches)
    {
        Log.RemoveRange(committedBatches, Log.Count - committedBatches);
        var committed = MetadataReplay.Replay(Start, Log).Image;
        Core.Deactivate(committed);
        Core.Activate(committed, Core.Epoch + 1, Now);
        _replayed = committed;
    }

    public BrokerRegistration Broker(int id) => Image.Cluster.Broker(id) ?? throw new InvalidOperationException($"broker {id} is not registered");

    public PartitionRegistration Partition(string topic, int partition) =>
        Image.Partition(new TopicPartition(topic, partition)) ?? throw new InvalidOperationException($"no partition {topic}-{partition}");

    public ControllerResult<BrokerRegistrationResponse> Register(int id, Guid? incarnation = null, string? rack = null, bool zk = false) =>
        Do(c => c.RegisterBroker(new BrokerRegistrationRequest(1, id, incarnation ?? new Guid(id, 1, 1, new byte[8]),
            KraftImageBuilder.Endpoint(id).Host, rack, IsMigratingZkBroker: zk), Now));

    /// <summary>A heartbeat at the broker's current epoch; by default reporting the image's offset (caught up).</summary>
    public ControllerResult<BrokerHeartbeatResponse> Heartbeat(int id, long? metadataOffset = null, bool wantFence = false, bool wantShutDown = false) =>
        Do(c => c.Heartbeat(new BrokerHeartbeatRequest(2, id, Broker(id).Epoch, metadataOffset ?? Image.Offset, wantFence, wantShutDown), Now));

    public ControllerResult<CreateTopicsResponse> CreateTopics(params CreatableTopic[] topics) =>
        Do(c => c.CreateTopics(new CreateTopicsRequest(3, topics)));

    public ControllerResult<AlterPartitionResponse> AlterIsr(int brokerId, string topic, int partition, int[] newIsr, int? leaderEpoch = null,
        int? partitionEpoch = null)
    {
        var current = Partition(topic, partition);
        var item = new AlterPartitionItem(topic, partition, leaderEpoch ?? current.LeaderEpoch, partitionEpoch ?? current.PartitionEpoch, newIsr);
        return Do(c => c.AlterPartition(new AlterPartitionRequest(4, brokerId, Broker(brokerId).Epoch, [item])));
    }

    public ControllerResult<ElectLeadersResponse> Elect(ElectionType type, params TopicPartition[]? partitions) =>
        Do(c => c.ElectLeaders(new ElectLeadersRequest(5, type, partitions)));

    public ControllerResult<IReadOnlyList<int>> FenceExpired() => Do(c => c.FenceExpiredBrokers(Now));

    public static List<MetadataRecord> Records<T>(ControllerResult<T> result) => result.Batches.SelectMany(b => b).ToList();

    public static List<PartitionChangeRecord> Changes<T>(ControllerResult<T> result) => Records(result).OfType<PartitionChangeRecord>().ToList();
}
