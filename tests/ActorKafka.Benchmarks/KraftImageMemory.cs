using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Node.Hosting;

namespace ActorKafka.Benchmarks;

/// <summary>Heap bytes of one metadata image, built as a replica builds it (replay) and as a joining broker does (a snapshot).</summary>
public sealed record ImageMemory(int Partitions, long ReplayedBytes, long SnapshotLoadedBytes, long SnapshotBytes, double BuildSeconds)
{
    public double ReplayedBytesPerPartition => ReplayedBytes / (double)Partitions;

    public double SnapshotLoadedBytesPerPartition => SnapshotLoadedBytes / (double)Partitions;
}

/// <summary>
/// Builds, in this process, the image of a cluster with the benchmark's shape: three brokers and
/// topics of 1,000 partitions at RF 3, created by a <see cref="QuorumControllerCore"/> (the active
/// controller's pure core, so the records are the ones the cluster writes), encoded and replayed
/// batch by batch through a <see cref="MetadataLoader"/> as every controller and broker does.
/// Memory is GC.GetTotalMemory after a full, compacting collection, with only the image held,
/// minus the same once it is let go; then again for the image read back from its snapshot.
/// </summary>
public static class KraftImageMemory
{
    public static ImageMemory Measure(int partitions)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var image = Build(partitions).Image;
        var build = clock.Elapsed.TotalSeconds;
        var snapshot = ImageSnapshot.Write(image);
        // Held, then let go: the difference is the image alone, whatever else the heap holds.
        var replayed = SizeOf(ref image);
        var loaded = ImageSnapshot.Read(snapshot);
        var snapshotLoaded = SizeOf(ref loaded);
        return new ImageMemory(partitions, replayed, snapshotLoaded, snapshot.LongLength, build);
    }

    private static long SizeOf(ref MetadataImage? image)
    {
        var with = LiveBytes();
        GC.KeepAlive(image);
        image = null;
        return with - LiveBytes();
    }

    private static long LiveBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    internal static MetadataLoader Build(int partitions)
    {
        var loader = new MetadataLoader();
        var core = new QuorumControllerCore(KraftCluster.FirstControllerId, new QuorumControllerConfig(9_000, false), Guid.NewGuid, new Random(42));
        core.Activate(MetadataImage.Empty, 1, 0);
        void Replay<T>(ControllerResult<T> result)
        {
            var first = core.Image.Offset - result.Batches.Count + 1;
            for (var i = 0; i < result.Batches.Count; i++)
                loader.ApplyBatch(first + i, core.Epoch, false, result.Batches[i].Select(RecordCodec.Encode).ToArray());
        }
        for (var id = 1; id <= 3; id++)
            Replay(core.RegisterBroker(new BrokerRegistrationRequest(id, id, Guid.NewGuid(), $"akka.tcp://actorkafka@127.0.0.1:{9000 + id}", null), 0));
        foreach (var broker in core.Image.Cluster.Brokers.Values.ToArray())
            Replay(core.Heartbeat(new BrokerHeartbeatRequest(broker.Id, broker.Id, broker.Epoch, core.Image.Offset, false, false), 0));
        var topics = (partitions + KraftBenchCluster.PartitionsPerTopic - 1) / KraftBenchCluster.PartitionsPerTopic;
        for (var t = 0; t < topics; t++)
        {
            var count = Math.Min(KraftBenchCluster.PartitionsPerTopic, partitions - t * KraftBenchCluster.PartitionsPerTopic);
            var result = core.CreateTopics(new CreateTopicsRequest(t, [new CreatableTopic($"bench-{t:D4}", count, 3)]));
            if (result.Response.Topics.Single().Error != ControlError.None)
                throw new InvalidOperationException($"bench-{t:D4}: {result.Response.Topics.Single().Message}");
            Replay(result);
        }
        if (loader.Image.Topics.PartitionCount() != partitions)
            throw new InvalidOperationException($"the replayed image holds {loader.Image.Topics.PartitionCount()} partitions, not {partitions}");
        return loader;
    }
}
