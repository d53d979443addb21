using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>Heartbeats: epoch checks, unfencing once caught up, fencing on request, controlled shutdown.</summary>
public sealed class BrokerHeartbeatTests
{
    private static CoreHarness Harness() =>
        new(new KraftImageBuilder()
            .Brokers(1, 2, 3)
            .Partition("t", 0, [1, 2, 3], [1, 2, 3], 1)
            .Partition("t", 1, [2, 1, 3], [2, 1, 3], 2)
            .Partition("t", 2, [3, 2, 1], [3, 2], 3)
            .Partition("solo", 0, [1], [1], 1)
            .Build());

    [Fact]
    public void An_unknown_broker_and_a_stale_epoch_are_refused_without_records()
    {
        var h = Harness();
        var unknown = h.Do(c => c.Heartbeat(new BrokerHeartbeatRequest(1, 9, 0, 0, false, false), h.Now));
        var stale = h.Do(c => c.Heartbeat(new BrokerHeartbeatRequest(1, 1, h.Broker(1).Epoch - 1, 0, false, false), h.Now));
        Assert.Equal(ControlError.BrokerIdNotRegistered, unknown.Response.Error);
        Assert.Equal(ControlError.StaleBrokerEpoch, stale.Response.Error);
        Assert.Empty(unknown.Batches);
        Assert.Empty(stale.Batches);
    }

    [Fact]
    public void A_registered_broker_is_unfenced_only_once_it_has_replayed_its_own_registration()
    {
        var h = Harness();
        var epoch = h.Register(4).Response.BrokerEpoch;

        var behind = h.Heartbeat(4, metadataOffset: epoch - 1);
        Assert.Empty(behind.Batches);
        Assert.True(behind.Response.IsFenced);
        Assert.False(behind.Response.IsCaughtUp);
        Assert.True(h.Broker(4).Fenced);

        var caughtUp = h.Heartbeat(4, metadataOffset: epoch);
        Assert.Equal(new UnfenceBrokerRecord(4, epoch), Assert.Single(CoreHarness.Records(caughtUp)));
        Assert.False(caughtUp.Response.IsFenced);
        Assert.True(caughtUp.Response.IsCaughtUp);
        Assert.False(caughtUp.Response.ShouldShutDown);
        Assert.False(h.Broker(4).Fenced);
    }

    [Fact]
    public void A_caught_up_broker_that_wants_to_stay_fenced_stays_fenced()
    {
        var h = Harness();
        h.Register(4);
        var result = h.Heartbeat(4, wantFence: true);
        Assert.Empty(result.Batches);
        Assert.True(result.Response.IsFenced);
        Assert.True(result.Response.IsCaughtUp);
    }

    [Fact]
    public void A_heartbeat_that_changes_nothing_writes_nothing()
    {
        var h = Harness();
        var result = h.Heartbeat(1);
        Assert.Empty(result.Batches);
        Assert.Equal(ControlError.None, result.Response.Error);
        Assert.False(result.Response.IsFenced);
        Assert.Equal(h.Start, h.Image);
    }

    [Fact]
    public void Wanting_to_be_fenced_fences_the_broker_and_moves_its_leaderships()
    {
        var h = Harness();
        var result = h.Heartbeat(1, wantFence: true);

        Assert.True(result.Response.IsFenced);
        Assert.False(result.Response.ShouldShutDown);
        Assert.Equal(new FenceBrokerRecord(1, h.Broker(1).Epoch), CoreHarness.Records(result)[^1]);
        Assert.True(h.Broker(1).Fenced);
        Assert.Equal(2, h.Partition("t", 0).Leader);
        Assert.DoesNotContain(1, h.Partition("t", 1).Isr);
        Assert.Equal(PartitionChangeRecord.NoLeader, h.Partition("solo", 0).Leader);
    }

    [Fact]
    public void Unfencing_gives_leaderless_partitions_whose_isr_holds_the_broker_their_leader_back()
    {
        var h = Harness();
        h.Heartbeat(1, wantFence: true);
        Assert.Equal(PartitionChangeRecord.NoLeader, h.Partition("solo", 0).Leader);

        var result = h.Heartbeat(1);
        Assert.False(result.Response.IsFenced);
        Assert.IsType<UnfenceBrokerRecord>(CoreHarness.Records(result)[0]);
        Assert.Equal(1, h.Partition("solo", 0).Leader);
        Assert.Equal([1], h.Partition("solo", 0).Isr.ToArray());
        // Partitions with a leader are not touched: 1 rejoins their ISR through its leader's AlterPartition.
        Assert.Equal(2, h.Partition("t", 0).Leader);
        Assert.DoesNotContain(1, h.Partition("t", 0).Isr);
    }

    [Fact]
    public void Controlled_shutdown_moves_leaderships_then_lets_the_broker_stop_once_the_others_have_caught_up()
    {
        var h = Harness();
        var start = h.Heartbeat(1, wantShutDown: true);

        Assert.False(start.Response.ShouldShutDown);
        Assert.False(start.Response.IsFenced);
        var records = CoreHarness.Records(start);
        Assert.Equal(new BrokerRegistrationChangeRecord(1, h.Broker(1).Epoch, InControlledShutdown: true), records[^1]);
        Assert.True(h.Broker(1).InControlledShutdown);
        // t-0 moves to the next ISR replica that is not shutting down; 1 leaves every ISR where others remain.
        Assert.Equal(2, h.Partition("t", 0).Leader);
        Assert.Equal([2, 3], h.Partition("t", 0).Isr.ToArray());
        Assert.Equal([2, 3], h.Partition("t", 1).Isr.ToArray());
        Assert.Equal(2, h.Partition("t", 1).Leader);
        // No other replica can lead solo-0: as in KRaft it goes leaderless rather than stay with a stopping broker.
        Assert.Equal(PartitionChangeRecord.NoLeader, h.Partition("solo", 0).Leader);
        Assert.Equal([1], h.Partition("solo", 0).Isr.ToArray());
        var shutdownOffset = h.Image.Offset;

        // The others have not yet replayed the moves: 1 must wait.
        h.Heartbeat(2, metadataOffset: shutdownOffset - 1);
        h.Heartbeat(3, metadataOffset: shutdownOffset);
        var waiting = h.Heartbeat(1, wantShutDown: true);
        Assert.Empty(waiting.Batches);
        Assert.False(waiting.Response.ShouldShutDown);

        h.Heartbeat(2, metadataOffset: shutdownOffset);
        var done = h.Heartbeat(1, wantShutDown: true);
        Assert.True(done.Response.ShouldShutDown);
        Assert.True(done.Response.IsFenced);
        Assert.Equal(new FenceBrokerRecord(1, h.Broker(1).Epoch), Assert.Single(CoreHarness.Records(done)));
        Assert.True(h.Broker(1).Fenced);

        var again = h.Heartbeat(1, wantShutDown: true);
        Assert.Empty(again.Batches);
        Assert.True(again.Response.ShouldShutDown);
    }

    [Fact]
    public void Controlled_shutdown_writes_its_moves_before_the_state_change_so_a_failover_keeping_part_of_them_is_completed_later()
    {
        var h = new CoreHarness(Harness().Start, maxRecordsPerBatch: 1);
        var start = h.Heartbeat(1, wantShutDown: true);
        Assert.Equal(4, start.Batches.Count);
        Assert.IsType<BrokerRegistrationChangeRecord>(CoreHarness.Records(start)[^1]);

        h.Failover(committedBatches: 1); // only solo-0's move survives
        Assert.False(h.Broker(1).InControlledShutdown);
        Assert.Equal(1, h.Partition("t", 0).Leader);
        Assert.Equal(PartitionChangeRecord.NoLeader, h.Partition("solo", 0).Leader);

        var again = h.Heartbeat(1, wantShutDown: true);
        Assert.False(again.Response.ShouldShutDown);
        Assert.True(h.Broker(1).InControlledShutdown);
        Assert.Equal(2, h.Partition("t", 0).Leader);
        Assert.Equal([2, 3], h.Partition("t", 1).Isr.ToArray());
    }

    [Fact]
    public void A_broker_in_controlled_shutdown_that_still_leads_has_its_leaderships_moved_on_its_next_heartbeat()
    {
        var h = new CoreHarness(new KraftImageBuilder()
            .Brokers(1, 2)
            .Partition("t", 0, [1, 2], [1, 2], 1)
            .Broker(1, shuttingDown: true) // registered again, in controlled shutdown, still named leader by an older record
            .Build());
        Assert.True(h.Broker(1).InControlledShutdown);

        var result = h.Heartbeat(1, wantShutDown: true);
        Assert.False(result.Response.ShouldShutDown);
        Assert.Equal(2, h.Partition("t", 0).Leader);
        Assert.DoesNotContain(CoreHarness.Records(result), r => r is BrokerRegistrationChangeRecord);

        h.Heartbeat(2);
        Assert.True(h.Heartbeat(1, wantShutDown: true).Response.ShouldShutDown);
    }

    [Fact]
    public void A_shutting_down_broker_is_neither_elected_nor_let_back_into_an_isr_nor_unfenced()
    {
        var h = Harness();
        h.Heartbeat(1, wantShutDown: true);
        Assert.Equal(ControlError.IneligibleReplica, h.AlterIsr(2, "t", 1, [2, 3, 1]).Response.Partitions[0].Error);

        h.Heartbeat(2);
        h.Heartbeat(3);
        h.Heartbeat(1, wantShutDown: true); // the others have caught up: fenced now
        Assert.True(h.Broker(1).Fenced);
        var result = h.Heartbeat(1); // it changed its mind, but it must register again first
        Assert.Empty(result.Batches);
        Assert.True(result.Response.IsFenced);
    }

    [Fact]
    public void A_broker_leading_nothing_that_wants_to_stop_is_fenced_at_once()
    {
        var h = Harness();
        var epoch = h.Register(4).Response.BrokerEpoch;
        h.Heartbeat(4);
        var result = h.Heartbeat(4, wantShutDown: true);

        Assert.True(result.Response.ShouldShutDown);
        Assert.True(result.Response.IsFenced);
        Assert.Equal(new FenceBrokerRecord(4, epoch), Assert.Single(CoreHarness.Records(result)));
        Assert.False(h.Broker(4).InControlledShutdown);
    }

    [Fact]
    public void A_broker_told_to_shut_down_may_come_back_as_a_new_incarnation_at_once()
    {
        var h = Harness();
        h.Heartbeat(3, wantShutDown: true); // it leads t-2: controlled shutdown first
        h.Heartbeat(1);
        h.Heartbeat(2);
        Assert.True(h.Heartbeat(3, wantShutDown: true).Response.ShouldShutDown);

        var restarted = h.Register(3, Guid.NewGuid());
        Assert.Equal(ControlError.None, restarted.Response.Error);
        Assert.False(h.Broker(3).InControlledShutdown);
    }

    [Fact]
    public void A_fenced_broker_that_wants_to_stop_may_at_once_and_nothing_is_written()
    {
        var h = Harness();
        h.Register(4);
        var result = h.Heartbeat(4, metadataOffset: -1, wantShutDown: true);
        Assert.Empty(result.Batches);
        Assert.True(result.Response.ShouldShutDown);
    }

    [Fact]
    public void A_heartbeat_restarts_the_session()
    {
        var h = Harness();
        h.Now += 5_000;
        h.Heartbeat(1);
        h.Now += CoreHarness.SessionTimeoutMs;
        var expired = h.FenceExpired();
        Assert.Equal([2, 3], expired.Response);
        Assert.False(h.Broker(1).Fenced);
        h.Now += 1;
        Assert.Equal([1], h.FenceExpired().Response);
    }
}
