using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using ActorKafka.Broker.Tests.Log;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Replication;

/// <summary>The replica core over real segment files: a kill -9 and a restart in the middle of replication.</summary>
public sealed class SegmentLogReplicaTests : IDisposable
{
    private static readonly TopicPartition Tp = new("durable", 0);
    private static readonly ReplicaConfig Config = new(MinInsyncReplicas: 2);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private SegmentLog Open(int broker) =>
        SegmentLog.Open(SegmentLog.PartitionDirectory(Path.Combine(_dir.Path, $"broker-{broker}"), Tp), new SegmentLogOptions { SegmentBytes = 4096 });

    private static void Round(PartitionReplica leader, SegmentLog leaderLog, PartitionReplica follower, SegmentLog followerLog)
    {
        leaderLog.Flush();
        leader.OnLogFlushed(0);
        for (var i = 0; i < 2; i++)
        {
            follower.OnFetchResponse(leader.HandleFetch(follower.NextFetch(0)!, 0), 0);
            if (!follower.NeedsFlush) continue;
            followerLog.Flush();
            follower.OnLogFlushed(0);
        }
    }

    private static ProduceRequest Produce(long id, int records) =>
        new(id, Tp, Acks.All, 30_000, -1, Enumerable.Range(0, records).Select(i => new ProducerRecord(null, BitConverter.GetBytes(id * 100 + i), 0)).ToArray());

    [Fact]
    public void A_follower_killed_mid_replication_restarts_from_its_durable_log_and_checkpointed_high_watermark()
    {
        var leaderLog = Open(1);
        var followerLog = Open(2);
        var leader = new PartitionReplica(1, Tp, leaderLog, Config);
        var follower = new PartitionReplica(2, Tp, followerLog, Config);
        leader.BecomeLeader(1, 1, [1, 2], [1, 2], 0);
        follower.BecomeFollower(1, 1, 1, [1, 2], [1, 2]);
        for (var i = 0; i < 20; i++)
        {
            Assert.Null(leader.Produce(Produce(i, 10), 0).Response);
            Round(leader, leaderLog, follower, followerLog);
        }
        Assert.Equal(200, leader.HighWatermark);
        Assert.Equal(20, leader.TakeCompletions().Count(c => c.Response.Error == ControlError.None));
        // The follower fetches five more batches and dies before flushing them.
        for (var i = 20; i < 25; i++) Assert.Null(leader.Produce(Produce(i, 10), 0).Response);
        leaderLog.Flush();
        leader.OnLogFlushed(0);
        follower.OnFetchResponse(leader.HandleFetch(follower.NextFetch(0)!, 0), 0);
        Assert.Equal(250, followerLog.LogEndOffset);
        followerLog.SimulateCrash();

        followerLog = Open(2);
        Assert.Equal(200, followerLog.LogEndOffset);
        follower = new PartitionReplica(2, Tp, followerLog, Config);
        // The checkpoint is written at flushes: it has the high watermark of the last one (190; the
        // fetch that told it 200 came after), lagging, never leading, the truth.
        Assert.Equal(190, follower.HighWatermark);
        follower.BecomeFollower(1, 1, 1, [1, 2], [1, 2]);
        Round(leader, leaderLog, follower, followerLog);
        Round(leader, leaderLog, follower, followerLog);
        Assert.Equal(250, followerLog.LogEndOffset);
        Assert.Equal(250, leader.HighWatermark);
        Assert.Equal(5, leader.TakeCompletions().Count(c => c.Response.Error == ControlError.None));
        Assert.Equal(
            leaderLog.Read(0, int.MaxValue, 250).SelectMany(b => b.Records).Select(r => BitConverter.ToInt64(r.Value)),
            followerLog.Read(0, int.MaxValue, 250).SelectMany(b => b.Records).Select(r => BitConverter.ToInt64(r.Value)));
        Assert.True(followerLog.SegmentCount > 1);
        leaderLog.Dispose();
        followerLog.Dispose();
    }

    [Fact]
    public void A_leader_killed_and_restarted_comes_back_as_a_follower_and_truncates_what_it_never_flushed_to_the_new_leader()
    {
        var log1 = Open(1);
        var log2 = Open(2);
        var r1 = new PartitionReplica(1, Tp, log1, Config);
        var r2 = new PartitionReplica(2, Tp, log2, Config);
        r1.BecomeLeader(1, 1, [1, 2], [1, 2], 0);
        r2.BecomeFollower(1, 1, 1, [1, 2], [1, 2]);
        Assert.Null(r1.Produce(Produce(1, 10), 0).Response);
        Round(r1, log1, r2, log2);
        // 1 appends more, flushes it, and is killed before 2 fetches it: not acknowledged.
        Assert.Null(r1.Produce(Produce(2, 10), 0).Response);
        log1.Flush();
        log1.SimulateCrash();
        // 2 leads epoch 2 and takes new writes at the same offsets.
        r2.BecomeLeader(2, 2, [2], [1, 2], 0);
        var lowered = new ReplicaConfig(MinInsyncReplicas: 1);
        Assert.Equal(ControlError.NotEnoughReplicas, r2.Produce(Produce(3, 10), 0).Response!.Error);
        log1 = Open(1);
        Assert.Equal(20, log1.LogEndOffset);
        r1 = new PartitionReplica(1, Tp, log1, lowered);
        Assert.Equal(RoleChangeOutcome.Stale, r1.BecomeLeader(1, 3, [1], [1, 2], 0)); // it led epoch 1: never again
        r1.BecomeFollower(2, 2, 2, [2], [1, 2]);
        var response = r2.HandleFetch(r1.NextFetch(0)!, 0);
        Assert.Equal(new DivergingEpoch(1, 10), response.Diverging);
        r1.OnFetchResponse(response, 0);
        Assert.Equal(10, log1.LogEndOffset);
        log1.Dispose();
        log1 = Open(1);
        Assert.Equal(10, log1.LogEndOffset); // the truncation was durable
        Assert.Equal([new EpochEntry(1, 0)], log1.EpochCache.Entries);
        log1.Dispose();
        log2.Dispose();
    }
}
