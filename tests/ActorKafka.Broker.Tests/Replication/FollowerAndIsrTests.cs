using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Replication;

public sealed class FollowerTests
{
    private static readonly ReplicaConfig Config = new(ReplicaLagTimeMaxMs: 1_000, MinInsyncReplicas: 1, ReplicaFetchBackoffMs: 100, ReplicaFetchResponseTimeoutMs: 5_000);

    [Fact]
    public void A_follower_fetches_from_its_durable_end_with_its_last_epoch_and_adopts_the_leaders_high_watermark()
    {
        var h = new ReplicaHarness(Config, 1, 2);
        h.Elect(1, 4, 1, [1, 2]);
        h.Produce(1, 3);
        h.Flush(1);
        var first = h[2].NextFetch(h.Now)!;
        Assert.Equal((0L, -1, 4, 2), (first.FetchOffset, first.LastFetchedEpoch, first.CurrentLeaderEpoch, first.ReplicaId));
        Assert.Null(h[2].NextFetch(h.Now)); // one in flight at a time
        h[2].OnFetchResponse(h[1].HandleFetch(first, h.Now), h.Now);
        Assert.Equal(3, h.Log(2).LogEndOffset);
        Assert.Equal(0, h[2].HighWatermark);
        Assert.Null(h[2].NextFetch(h.Now)); // not flushed yet
        h.Flush(2);
        var second = h[2].NextFetch(h.Now)!;
        Assert.Equal((3L, 4), (second.FetchOffset, second.LastFetchedEpoch));
        h[2].OnFetchResponse(h[1].HandleFetch(second, h.Now), h.Now);
        Assert.Equal(3, h[1].HighWatermark);
        Assert.Equal(3, h[2].HighWatermark);
        Assert.Equal(h.Values(1), h.Values(2));
    }

    [Fact]
    public void A_follower_caps_the_high_watermark_at_its_own_log_end()
    {
        var log = new MemoryPartitionLog();
        log.Append(new RecordBatch(0, 1, Records(2)));
        log.Flush();
        var follower = new PartitionReplica(3, ReplicaHarness.Tp, log, Config);
        follower.BecomeFollower(1, 1, 1, [1, 3], [1, 3]);
        var request = follower.NextFetch(0)!;
        follower.OnFetchResponse(new FetchRecordsResponse(request.CorrelationId, ReplicaHarness.Tp, ControlError.None, 6, 0, 6, 1, null, []), 0);
        Assert.Equal(2, follower.HighWatermark);
        Assert.Equal(2, log.HighWatermark);
    }

    [Fact]
    public void Answers_to_a_fetch_not_in_flight_are_ignored()
    {
        var h = new ReplicaHarness(Config, 1, 2);
        h.Elect(1, 1, 1, [1, 2]);
        h.Produce(1, 3);
        var request = h[2].NextFetch(0)!;
        var response = h[1].HandleFetch(request, 0);
        h[2].OnFetchResponse(response with { CorrelationId = request.CorrelationId + 1 }, 0);
        Assert.Equal(0, h.Log(2).LogEndOffset);
        h[2].OnFetchResponse(response, 0);
        Assert.Equal(3, h.Log(2).LogEndOffset);
        h[2].OnFetchResponse(response, 0); // a duplicate
        Assert.Equal(3, h.Log(2).LogEndOffset);
    }

    [Fact]
    public void An_unanswered_fetch_is_sent_again_after_the_response_timeout()
    {
        var h = new ReplicaHarness(Config, 1, 2);
        h.Elect(1, 1, 1, [1, 2]);
        var lost = h[2].NextFetch(0)!;
        Assert.Null(h[2].NextFetch(4_999));
        var again = h[2].NextFetch(5_000)!;
        Assert.NotEqual(lost.CorrelationId, again.CorrelationId);
        h[2].OnFetchResponse(h[1].HandleFetch(lost, 5_000), 5_000); // the late answer to the first is ignored
        Assert.Null(h[2].NextFetch(5_001));
    }

    [Fact]
    public void A_fenced_follower_waits_for_metadata_and_an_unknown_epoch_backs_off()
    {
        var h = new ReplicaHarness(Config, 1, 2);
        h.Elect(1, 1, 1, [1, 2]);
        // The leader moved on to epoch 3 (this follower has not heard).
        h[1].BecomeLeader(3, 2, [1, 2], [1, 2], 0);
        var request = h[2].NextFetch(0)!;
        var fenced = h[1].HandleFetch(request, 0);
        Assert.Equal(ControlError.FencedLeaderEpoch, fenced.Error);
        h[2].OnFetchResponse(fenced, 0);
        Assert.True(h[2].AwaitingMetadata);
        Assert.Null(h[2].NextFetch(1_000_000));
        h[2].BecomeFollower(1, 3, 2, [1, 2], [1, 2]);
        Assert.NotNull(h[2].NextFetch(1_000_000));

        // The follower heard of epoch 5 before its leader did: UnknownLeaderEpoch, retry after the backoff.
        var h2 = new ReplicaHarness(Config, 1, 2);
        h2.Elect(1, 1, 1, [1, 2]);
        h2[2].BecomeFollower(1, 5, 2, [1, 2], [1, 2]);
        var early = h2[2].NextFetch(0)!;
        var unknown = h2[1].HandleFetch(early, 0);
        Assert.Equal(ControlError.UnknownLeaderEpoch, unknown.Error);
        h2[2].OnFetchResponse(unknown, 0);
        Assert.Null(h2[2].NextFetch(99));
        Assert.NotNull(h2[2].NextFetch(100));
    }

    [Fact]
    public void A_follower_with_a_divergent_tail_truncates_to_the_leaders_end_of_that_epoch()
    {
        var h = new ReplicaHarness(Config, 1, 2, 3);
        h.Elect(1, 1, 1, [1, 2, 3]);
        h.Produce(1, 5);
        h.Flush(1);
        h.CatchUp(2, 3);
        // Leader 1 writes 4 more in epoch 1 that only it has, then dies; 2 leads epoch 2.
        h.Produce(1, 4);
        h.Flush(1);
        h.Elect(2, 2, 2, [2, 3], alive: [2, 3]);
        h.Produce(2, 2);
        h.Flush(2);
        h.CatchUp(3);
        // 1 comes back as a follower of epoch 2: its offsets 5..8 of epoch 1 are not the leader's.
        Assert.Equal(RoleChangeOutcome.BecameFollower, h[1].BecomeFollower(2, 2, 3, [2, 3], [1, 2, 3]));
        var diverging = h.FetchOnce(1)!;
        Assert.Equal(new DivergingEpoch(1, 5), diverging.Diverging);
        Assert.Equal(5, h.Log(1).LogEndOffset);
        h.CatchUp(1);
        Assert.Equal(h.Values(2), h.Values(1));
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(2, 5)], h.Log(1).EpochCache.Entries);
    }

    [Fact]
    public void A_follower_that_does_not_know_the_leaders_epoch_truncates_in_rounds()
    {
        // Follower 3 holds epochs 1 and 3 (3 never committed); the leader holds 1, 2 and 4.
        var config = Config;
        var leaderLog = new MemoryPartitionLog();
        leaderLog.Append(new RecordBatch(0, 1, Records(4)));
        leaderLog.Append(new RecordBatch(4, 2, Records(4)));
        leaderLog.Flush();
        var followerLog = new MemoryPartitionLog();
        followerLog.Append(new RecordBatch(0, 1, Records(4)));
        followerLog.Append(new RecordBatch(4, 1, Records(2)));
        followerLog.Append(new RecordBatch(6, 3, Records(5)));
        followerLog.Flush();
        var leader = new PartitionReplica(1, ReplicaHarness.Tp, leaderLog, config);
        var follower = new PartitionReplica(3, ReplicaHarness.Tp, followerLog, config);
        leader.BecomeLeader(4, 1, [1], [1, 3], 0);
        follower.BecomeFollower(1, 4, 1, [1], [1, 3]);
        var rounds = 0;
        while (rounds++ < 10)
        {
            var request = follower.NextFetch(rounds)!;
            var response = leader.HandleFetch(request, rounds);
            follower.OnFetchResponse(response, rounds);
            if (follower.NeedsFlush)
            {
                followerLog.Flush();
                break;
            }
        }
        // Round 1: epoch 3 is unknown at the leader: (2, 8) -> the follower knows no epoch 2 and
        // truncates to the end of its epoch 1 (6). Round 2: epoch 1 ends at 4 at the leader: truncate to 4.
        Assert.Equal(8, followerLog.LogEndOffset);
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(2, 4)], followerLog.EpochCache.Entries);
        Assert.Equal(leaderLog.Batches.Select(b => (b.BaseOffset, b.LeaderEpoch)), followerLog.Batches.Select(b => (b.BaseOffset, b.LeaderEpoch)));
        Assert.True(rounds >= 3);
    }

    [Fact]
    public void A_leader_that_never_wrote_in_its_epoch_drops_that_epoch_when_it_follows()
    {
        var h = new ReplicaHarness(Config, 1, 2);
        h.Elect(1, 1, 1, [1, 2]);
        h.Produce(1, 3);
        h.Flush(1);
        h.CatchUp(2);
        h.Elect(2, 2, 2, [1, 2]); // 2 leads epoch 2 and 1 follows...
        h.Produce(2, 2);
        h.Flush(2);
        h.CatchUp(1);
        Assert.Equal(RoleChangeOutcome.BecameLeader, h[1].BecomeLeader(3, 3, [1, 2], [1, 2], 0)); // ...1 leads epoch 3 and writes nothing
        h[2].BecomeFollower(1, 3, 3, [1, 2], [1, 2]);
        h.Elect(2, 4, 4, [1, 2]);
        var diverging = h.FetchOnce(1)!;
        Assert.Equal(new DivergingEpoch(2, 5), diverging.Diverging);
        Assert.Equal(2, h.Log(1).EpochCache.LatestEpoch);
        h.Produce(2, 1);
        h.Flush(2);
        h.CatchUp(1);
        Assert.Equal(h.Values(2), h.Values(1));
    }

    [Fact]
    public void A_follower_beyond_the_leaders_end_after_an_unclean_election_truncates_to_it()
    {
        var leaderLog = new MemoryPartitionLog();
        leaderLog.Append(new RecordBatch(0, 1, Records(2)));
        var followerLog = new MemoryPartitionLog();
        followerLog.Append(new RecordBatch(0, 1, Records(2)));
        followerLog.Append(new RecordBatch(2, 5, Records(3)));
        followerLog.Flush();
        var leader = new PartitionReplica(1, ReplicaHarness.Tp, leaderLog, Config);
        var follower = new PartitionReplica(2, ReplicaHarness.Tp, followerLog, Config);
        leader.BecomeLeader(3, 1, [1], [1, 2], 0);
        follower.BecomeFollower(1, 3, 1, [1], [1, 2]);
        // The follower names epoch 5, which the leader (latest 3) never had: OffsetOutOfRange.
        var request = follower.NextFetch(0)!;
        var response = leader.HandleFetch(request, 0);
        Assert.Equal(ControlError.OffsetOutOfRange, response.Error);
        follower.OnFetchResponse(response, 0);
        Assert.Equal(2, followerLog.LogEndOffset);
    }

    [Fact]
    public void A_follower_behind_the_leaders_log_start_restarts_there()
    {
        var leaderLog = new MemoryPartitionLog(logStartOffset: 100);
        leaderLog.Append(new RecordBatch(100, 1, Records(2)));
        var followerLog = new MemoryPartitionLog();
        var leader = new PartitionReplica(1, ReplicaHarness.Tp, leaderLog, Config);
        var follower = new PartitionReplica(2, ReplicaHarness.Tp, followerLog, Config);
        leader.BecomeLeader(2, 1, [1], [1, 2], 0);
        follower.BecomeFollower(1, 2, 1, [1], [1, 2]);
        follower.OnFetchResponse(leader.HandleFetch(follower.NextFetch(0)!, 0), 0);
        Assert.Equal(100, followerLog.LogStartOffset);
        followerLog.Flush();
        follower.OnFetchResponse(leader.HandleFetch(follower.NextFetch(0)!, 0), 0);
        Assert.Equal(102, followerLog.LogEndOffset);
    }

    private static ProducerRecord[] Records(int n) => Enumerable.Range(0, n).Select(i => new ProducerRecord(null, [(byte)i], i)).ToArray();
}

public sealed class IsrTests
{
    private static readonly ReplicaConfig Config = new(ReplicaLagTimeMaxMs: 1_000, MinInsyncReplicas: 2);

    private static ReplicaHarness Cluster()
    {
        var h = new ReplicaHarness(Config, 1, 2, 3);
        h.Elect(1, 1, 1, [1, 2, 3]);
        return h;
    }

    [Fact]
    public void A_follower_that_stops_fetching_is_proposed_out_after_the_lag_time_and_stays_in_until_committed()
    {
        var h = Cluster();
        h.Produce(1, 2);
        h.Flush(1);
        h.CatchUp(2, 3);
        var waiting = h.Produce(1, 2);
        h.Flush(1);
        h.Now = 1_000;
        h.CatchUp(2);
        h.Tick(1);
        Assert.Empty(h.Proposals); // exactly the lag time: still in sync
        h.Now = 1_001;
        h.CatchUp(2);
        h.Tick(1);
        var proposal = Assert.Single(h.Proposals);
        Assert.Equal(new IsrChangeProposal(ReplicaHarness.Tp, 1, 1, [1, 2]).ToString(), proposal.ToString());
        Assert.Equal([1, 2, 3], h[1].Isr);
        Assert.Equal([1, 2, 3], h[1].MaximalIsr);
        // Until the controller commits, 3 still holds the high watermark back.
        Assert.Equal(2, h[1].HighWatermark);
        Assert.Null(h.Answer(waiting));
        h.Tick(1);
        Assert.Single(h.Proposals); // one pending change at a time
        Assert.True(h[1].OnIsrChangeCommitted([1, 2], 2, 1, h.Now));
        Assert.Equal([1, 2], h[1].Isr);
        Assert.Equal(4, h[1].HighWatermark);
        h.Collect();
        Assert.Equal(ControlError.None, h.Answer(waiting)!.Error);
        Assert.False(h[1].OnIsrChangeCommitted([1, 2], 2, 1, h.Now)); // repeated: ignored
    }

    [Fact]
    public void A_follower_behind_but_catching_up_within_the_lag_time_stays()
    {
        var h = Cluster();
        for (var t = 0; t < 10; t++)
        {
            h.Now = t * 600;
            h.Produce(1, 2);
            h.Flush(1);
            h.FetchOnce(2);
            h.Flush(2);
            h.FetchOnce(3);
            h.Flush(3);
            h.Tick(1);
        }
        Assert.Empty(h.Proposals);
    }

    [Fact]
    public void A_rejected_proposal_is_dropped_and_proposed_again_later()
    {
        var h = Cluster();
        h.Now = 2_000;
        h.CatchUp(2);
        h.Tick(1);
        var proposal = Assert.Single(h.Proposals);
        Assert.False(h[1].OnIsrChangeRejected(proposal with { PartitionEpoch = 7 }, ControlError.InvalidUpdateVersion));
        Assert.NotNull(h[1].PendingIsrChange);
        Assert.True(h[1].OnIsrChangeRejected(proposal, ControlError.InvalidUpdateVersion));
        Assert.Null(h[1].PendingIsrChange);
        h.Tick(1);
        Assert.Equal(2, h.Proposals.Count);
    }

    [Fact]
    public void A_lagging_follower_rejoins_once_it_reaches_the_high_watermark_and_counts_while_pending()
    {
        var h = Cluster();
        h.Now = 2_000;
        h.CatchUp(2);
        h.Tick(1);
        h[1].OnIsrChangeCommitted([1, 2], 2, 1, h.Now);
        h.Proposals.Clear();
        h.Produce(1, 5);
        h.Flush(1);
        h.CatchUp(2);
        Assert.Equal(5, h[1].HighWatermark);
        // 3 fetches from 0: not at the high watermark yet, no proposal.
        h.FetchOnce(3);
        Assert.Empty(h.Proposals);
        h.Flush(3);
        h.FetchOnce(3);
        var expand = Assert.Single(h.Proposals);
        Assert.Equal([1, 2, 3], expand.NewIsr);
        Assert.Equal([1, 2], h[1].Isr);
        Assert.Equal([1, 2, 3], h[1].MaximalIsr);
        // While the expansion is pending, 3 holds the high watermark like an ISR member.
        var waiting = h.Produce(1, 1);
        h.Flush(1);
        h.CatchUp(2);
        Assert.Equal(5, h[1].HighWatermark);
        Assert.Null(h.Answer(waiting));
        h.CatchUp(3);
        Assert.Equal(6, h[1].HighWatermark);
        Assert.Equal(ControlError.None, h.Answer(waiting)!.Error);
        h[1].OnIsrChangeCommitted([1, 2, 3], 3, 1, h.Now);
        Assert.Equal([1, 2, 3], h[1].Isr);
    }

    [Fact]
    public void Waiting_acks_all_fail_NotEnoughReplicasAfterAppend_when_the_isr_shrinks_below_min_insync()
    {
        var h = new ReplicaHarness(Config, 1, 2, 3);
        h.Elect(1, 1, 1, [1, 2]);
        var waiting = h.Produce(1, 3);
        h.Flush(1);
        h.Now = 2_000;
        h.Tick(1);
        var shrink = Assert.Single(h.Proposals);
        Assert.Equal([1], shrink.NewIsr);
        Assert.Null(h.Answer(waiting));
        h[1].OnIsrChangeCommitted([1], 2, 1, h.Now);
        h.Collect();
        Assert.Equal(ControlError.NotEnoughReplicasAfterAppend, h.Answer(waiting)!.Error);
        // The records are in the leader's log (appended, just not replicated enough).
        Assert.Equal(3, h.Log(1).LogEndOffset);
        Assert.Equal(ControlError.NotEnoughReplicas, h.Produce(1, 1).Result.Response!.Error);
    }

    [Fact]
    public void An_isr_update_from_the_controller_for_the_same_epoch_replaces_a_pending_change()
    {
        var h = Cluster();
        h.Now = 2_000;
        h.CatchUp(2);
        h.Tick(1);
        Assert.NotNull(h[1].PendingIsrChange);
        Assert.Equal(RoleChangeOutcome.Updated, h[1].BecomeLeader(1, 5, [1, 2], [1, 2, 3], h.Now));
        Assert.Null(h[1].PendingIsrChange);
        Assert.False(h[1].OnIsrChangeCommitted([1, 2], 2, 1, h.Now)); // the older commit arrives late
        Assert.Equal(5, h[1].PartitionEpoch);
    }
}
