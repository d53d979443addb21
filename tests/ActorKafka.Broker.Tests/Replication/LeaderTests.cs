using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Replication;

public sealed class LeaderTests
{
    private static readonly ReplicaConfig Config = new(ReplicaLagTimeMaxMs: 1_000, MinInsyncReplicas: 2, MaxBatchBytes: 2_000);

    private static ReplicaHarness ThreeReplicas(ReplicaConfig? config = null)
    {
        var h = new ReplicaHarness(config ?? Config, 1, 2, 3);
        h.Elect(1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2, 3]);
        return h;
    }

    [Fact]
    public void Acks_one_and_zero_are_answered_once_the_append_is_flushed()
    {
        var h = ThreeReplicas();
        var one = h.Produce(1, 3, Acks.Leader);
        var zero = h.Produce(1, 2, Acks.None);
        Assert.Equal(ProduceWait.Flush, one.Result.Wait);
        Assert.Equal((0L, 2L), (one.Result.BaseOffset, one.Result.LastOffset));
        Assert.Equal(3, zero.Result.BaseOffset);
        Assert.True(h[1].NeedsFlush);
        h.Tick(1);
        Assert.Empty(h.Completions);
        h.Flush(1);
        Assert.Equal((ControlError.None, 0L), (h.Answer(one)!.Error, h.Answer(one)!.BaseOffset));
        Assert.Equal(3, h.Answer(zero)!.BaseOffset);
        Assert.Equal(Acks.None, h.Completions.Single(c => c.Response.CorrelationId == zero.Request.CorrelationId).Acks);
    }

    [Fact]
    public void Acks_all_is_answered_exactly_when_the_high_watermark_passes_its_last_offset()
    {
        var h = ThreeReplicas();
        var first = h.Produce(1, 5);
        var second = h.Produce(1, 5);
        Assert.Equal(ProduceWait.HighWatermark, first.Result.Wait);
        h.Flush(1);
        Assert.Null(h.Answer(first)); // the leader's flush alone is not enough
        // Follower 2 fetches (and flushes) everything; follower 3 only the first batch.
        h.CatchUp(2);
        Assert.Null(h.Answer(first));
        h.FetchOnce(3); // from offset 0: the leader learns 3 is at 0
        Assert.Equal(0, h[1].HighWatermark);
        var request = h[3].NextFetch(h.Now);
        Assert.Null(request); // 3 has not flushed what it fetched: it will not report it
        h.Log(3).TruncateTo(5); // keep the first batch only, then flush it
        h.Flush(3);
        h.FetchOnce(3); // reports offset 5
        Assert.Equal(5, h[1].HighWatermark);
        Assert.Equal(ControlError.None, h.Answer(first)!.Error);
        Assert.Null(h.Answer(second));
        h.CatchUp(3);
        h.FetchOnce(2);
        Assert.Equal(10, h[1].HighWatermark);
        Assert.Equal((ControlError.None, 5L), (h.Answer(second)!.Error, h.Answer(second)!.BaseOffset));
    }

    [Fact]
    public void The_leader_counts_only_its_own_durable_end_toward_the_high_watermark()
    {
        var h = ThreeReplicas();
        var sent = h.Produce(1, 4);
        // The followers fetch the leader's unflushed batch and flush it themselves.
        h.CatchUp(2, 3);
        Assert.Equal(4, h.Log(2).DurableEndOffset);
        Assert.Equal(0, h[1].HighWatermark);
        Assert.Null(h.Answer(sent));
        h.Flush(1);
        Assert.Equal(4, h[1].HighWatermark);
        Assert.Equal(ControlError.None, h.Answer(sent)!.Error);
    }

    [Fact]
    public void Produce_is_refused_with_a_typed_error_and_nothing_appended()
    {
        var h = ThreeReplicas(Config with { MinInsyncReplicas = 1 });
        Assert.Equal(ControlError.NotLeaderOrFollower, h.Produce(2, 1).Result.Response!.Error);
        Assert.Equal(1, h.Produce(2, 1).Result.Response!.LeaderId);
        Assert.Equal(ControlError.FencedLeaderEpoch, h.Produce(1, 1, currentLeaderEpoch: 0).Result.Response!.Error);
        Assert.Equal(ControlError.UnknownLeaderEpoch, h.Produce(1, 1, currentLeaderEpoch: 2).Result.Response!.Error);
        Assert.Equal(ControlError.InvalidRequiredAcks, h[1].Produce(h.Request(1, (Acks)2), 0).Response!.Error);
        Assert.Equal(ControlError.CorruptMessage, h[1].Produce(h.Request(0, Acks.All), 0).Response!.Error);
        Assert.Equal(ControlError.CorruptMessage,
            h[1].Produce(new ProduceRequest(1, ReplicaHarness.Tp, Acks.All, 100, -1, [new ProducerRecord(null, null!, 0)]), 0).Response!.Error);
        var big = new ProduceRequest(2, ReplicaHarness.Tp, Acks.All, 100, -1, [new ProducerRecord(null, new byte[3_000], 0)]);
        Assert.Equal(ControlError.MessageTooLarge, h[1].Produce(big, 0).Response!.Error);
        Assert.Equal(ControlError.UnknownTopicOrPartition,
            h[1].Produce(new ProduceRequest(3, new TopicPartition("other", 0), Acks.All, 100, -1, h.NewRecords(1)), 0).Response!.Error);
        Assert.Equal(ControlError.None, h.Produce(1, 1, currentLeaderEpoch: 1).Result.Response?.Error ?? ControlError.None);
        Assert.Equal(1, h.Log(1).LogEndOffset); // only the last one was appended
    }

    [Fact]
    public void A_batch_larger_than_a_segment_is_RecordListTooLarge()
    {
        var log = new MemoryPartitionLog(maxAppendBytes: 500);
        var leader = new PartitionReplica(1, ReplicaHarness.Tp, log, Config);
        leader.BecomeLeader(1, 1, [1], [1], 0);
        var result = leader.Produce(new ProduceRequest(1, ReplicaHarness.Tp, Acks.Leader, 100, -1, [new ProducerRecord(null, new byte[600], 0)]), 0);
        Assert.Equal(ControlError.RecordListTooLarge, result.Response!.Error);
    }

    [Fact]
    public void Acks_all_below_min_insync_is_refused_up_front_with_NotEnoughReplicas()
    {
        var h = new ReplicaHarness(Config, 1, 2, 3);
        h.Elect(1, 1, 1, isr: [1]);
        var refused = h.Produce(1, 3);
        Assert.Equal(ControlError.NotEnoughReplicas, refused.Result.Response!.Error);
        Assert.Equal(0, h.Log(1).LogEndOffset);
        // acks=1 does not need the ISR.
        Assert.Equal(ProduceWait.Flush, h.Produce(1, 3, Acks.Leader).Result.Wait);
    }

    [Fact]
    public void A_single_replica_partition_commits_at_its_own_flush()
    {
        var h = new ReplicaHarness(Config with { MinInsyncReplicas = 1 }, 1);
        h.Elect(1, 1, 1, isr: [1]);
        var sent = h.Produce(1, 10);
        h.Flush(1);
        Assert.Equal(10, h[1].HighWatermark);
        Assert.Equal(ControlError.None, h.Answer(sent)!.Error);
    }

    [Fact]
    public void Waiting_produces_fail_NotLeaderOrFollower_when_the_leader_steps_down()
    {
        var h = ThreeReplicas();
        var all = h.Produce(1, 2);
        var one = h.Produce(1, 2, Acks.Leader);
        Assert.Equal(RoleChangeOutcome.BecameFollower, h[1].BecomeFollower(2, 2, 2, [1, 2, 3], [1, 2, 3]));
        h.Collect();
        Assert.Equal((ControlError.NotLeaderOrFollower, 2), (h.Answer(all)!.Error, h.Answer(all)!.LeaderId));
        Assert.Equal(ControlError.NotLeaderOrFollower, h.Answer(one)!.Error);
        Assert.Equal(2, h.Completions.Count);
    }

    [Fact]
    public void An_acks_one_produce_already_durable_is_answered_ok_even_if_leadership_is_lost_before_the_shell_says_so()
    {
        var h = ThreeReplicas();
        var one = h.Produce(1, 2, Acks.Leader);
        h.Log(1).Flush(); // flushed, but OnLogFlushed not called yet
        h[1].BecomeFollower(2, 2, 2, [1, 2, 3], [1, 2, 3]);
        h.Collect();
        Assert.Equal(ControlError.None, h.Answer(one)!.Error);
    }

    [Fact]
    public void Acks_all_times_out_at_the_tick_after_its_deadline()
    {
        var h = ThreeReplicas();
        var sent = h.Produce(1, 2, timeoutMs: 500);
        h.Flush(1);
        h.Now = 499;
        h.Tick(1);
        Assert.Null(h.Answer(sent));
        h.Now = 500;
        h.Tick(1);
        Assert.Equal(ControlError.RequestTimedOut, h.Answer(sent)!.Error);
    }

    [Fact]
    public void Fetch_checks_leadership_epoch_and_replica()
    {
        var h = ThreeReplicas();
        FetchRecordsRequest Fetch(int replicaId, int epoch, long offset = 0, int lastEpoch = -1) =>
            new(1, replicaId, 5, ReplicaHarness.Tp, offset, lastEpoch, epoch, 1000, 0);
        Assert.Equal(ControlError.FencedLeaderEpoch, h[1].HandleFetch(Fetch(2, 0), 0).Error);
        Assert.Equal(ControlError.UnknownLeaderEpoch, h[1].HandleFetch(Fetch(2, 2), 0).Error);
        Assert.Equal(ControlError.NotLeaderOrFollower, h[2].HandleFetch(Fetch(3, 1), 0).Error);
        Assert.Equal(ControlError.NotLeaderOrFollower, h[1].HandleFetch(Fetch(9, 1), 0).Error);
        Assert.Equal(ControlError.OffsetOutOfRange, h[1].HandleFetch(Fetch(2, 1, offset: 1), 0).Error);
        Assert.Equal(ControlError.None, h[1].HandleFetch(Fetch(2, -1), 0).Error);
        Assert.Equal(ControlError.None, h[1].HandleFetch(Fetch(FetchRecordsRequest.ConsumerReplicaId, 1), 0).Error);
    }

    [Fact]
    public void Consumers_read_only_below_the_high_watermark_followers_up_to_the_log_end()
    {
        var h = ThreeReplicas(Config with { MinInsyncReplicas = 1 });
        h.Produce(1, 3);
        h.Flush(1);
        h.CatchUp(2, 3);
        h.Produce(1, 4);
        var consumer = new FetchRecordsRequest(7, FetchRecordsRequest.ConsumerReplicaId, -1, ReplicaHarness.Tp, 0, -1, 1, 1 << 20, 0);
        var answer = h[1].HandleFetch(consumer, h.Now);
        Assert.Equal(3, answer.HighWatermark);
        Assert.Equal(7, answer.LogEndOffset);
        Assert.Equal([0L], answer.Batches.Select(b => b.BaseOffset));
        Assert.Empty(h[1].HandleFetch(consumer with { FetchOffset = 3 }, h.Now).Batches);
        var follower = h[1].HandleFetch(new FetchRecordsRequest(8, 2, 1, ReplicaHarness.Tp, 3, 1, 1, 1 << 20, 0), h.Now);
        Assert.Equal([3L], follower.Batches.Select(b => b.BaseOffset));
        Assert.Equal(ControlError.OffsetOutOfRange, h[1].HandleFetch(consumer with { FetchOffset = 8 }, h.Now).Error);
    }

    [Fact]
    public void ListOffsets_answers_the_log_start_and_the_high_watermark()
    {
        var h = ThreeReplicas(Config with { MinInsyncReplicas = 1 });
        h.Produce(1, 3);
        h.Flush(1);
        h.CatchUp(2, 3);
        h.Produce(1, 3);
        Assert.Equal(0, h[1].HandleListOffsets(new ListOffsetsRequest(1, ReplicaHarness.Tp, ListOffsetsRequest.Earliest, 1)).Offset);
        Assert.Equal(3, h[1].HandleListOffsets(new ListOffsetsRequest(1, ReplicaHarness.Tp, ListOffsetsRequest.Latest, -1)).Offset);
        Assert.Equal(ControlError.FencedLeaderEpoch, h[1].HandleListOffsets(new ListOffsetsRequest(1, ReplicaHarness.Tp, ListOffsetsRequest.Latest, 0)).Error);
        Assert.Equal(ControlError.NotLeaderOrFollower, h[2].HandleListOffsets(new ListOffsetsRequest(1, ReplicaHarness.Tp, ListOffsetsRequest.Latest, 1)).Error);
    }

    [Fact]
    public void A_new_leader_assigns_its_epoch_at_its_log_end_and_refuses_stale_or_reused_epochs()
    {
        var h = ThreeReplicas(Config with { MinInsyncReplicas = 1 });
        h.Produce(1, 3);
        Assert.Equal([new EpochEntry(1, 0)], h.Log(1).EpochCache.Entries);
        Assert.Equal(RoleChangeOutcome.Stale, h[1].BecomeLeader(0, 9, [1], [1, 2, 3], 0));
        Assert.Equal(RoleChangeOutcome.Unchanged, h[1].BecomeLeader(1, 1, [1, 2, 3], [1, 2, 3], 0));
        Assert.Equal(RoleChangeOutcome.Updated, h[1].BecomeLeader(1, 2, [1, 2], [1, 2, 3], 0));
        Assert.Equal([1, 2], h[1].Isr);
        Assert.Equal(RoleChangeOutcome.BecameLeader, h[1].BecomeLeader(3, 3, [1, 2], [1, 2, 3], 0));
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(3, 3)], h.Log(1).EpochCache.Entries);
        // A restarted replica whose log already holds epoch 3 must not lead epoch 3 again.
        h.Flush(1);
        h.CrashAndRestart(1);
        Assert.Equal(RoleChangeOutcome.Stale, h[1].BecomeLeader(3, 4, [1], [1, 2, 3], 0));
        Assert.Equal(RoleChangeOutcome.BecameLeader, h[1].BecomeLeader(4, 5, [1], [1, 2, 3], 0));
    }

    [Fact]
    public void Follower_role_changes_ignore_stale_and_confused_updates()
    {
        var h = ThreeReplicas();
        Assert.Equal(RoleChangeOutcome.Unchanged, h[2].BecomeFollower(1, 1, 1, [1, 2, 3], [1, 2, 3]));
        Assert.Equal(RoleChangeOutcome.Updated, h[2].BecomeFollower(1, 1, 2, [1, 2], [1, 2, 3]));
        Assert.Equal(RoleChangeOutcome.Stale, h[2].BecomeFollower(3, 1, 3, [1, 2], [1, 2, 3]));
        Assert.Equal(RoleChangeOutcome.Stale, h[2].BecomeFollower(1, 0, 3, [1, 2], [1, 2, 3]));
        Assert.Equal(RoleChangeOutcome.Stale, h[2].BecomeFollower(2, 4, 3, [1, 2], [1, 2, 3]));
        Assert.Equal(RoleChangeOutcome.BecameFollower, h[2].BecomeFollower(3, 4, 3, [1, 2, 3], [1, 2, 3]));
    }
}
