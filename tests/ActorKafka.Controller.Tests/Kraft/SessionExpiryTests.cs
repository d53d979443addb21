using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>FenceExpiredBrokers: brokers whose session ran out are fenced and their partitions move.</summary>
public sealed class SessionExpiryTests
{
    private static CoreHarness Harness(bool unclean = false) =>
        new(new KraftImageBuilder()
            .Brokers(1, 2, 3, 4)
            .Partition("t", 0, [1, 2, 3], [1, 2, 3], 1, leaderEpoch: 4, partitionEpoch: 6)
            .Partition("t", 1, [2, 1, 3], [2, 1, 3], 2)
            .Partition("t", 2, [1, 4], [1], 1)
            .Partition("t", 3, [3, 4], [3, 4], 3)
            .Build(), unclean);

    /// <summary>Every broker but the given ones heartbeats, then the sessions of the given ones run out.</summary>
    private static void Expire(CoreHarness h, params int[] quiet)
    {
        h.Now += CoreHarness.SessionTimeoutMs + 1;
        foreach (var broker in h.Image.Cluster.Brokers.Values)
        {
            if (!broker.Fenced && !quiet.Contains(broker.Id)) h.Heartbeat(broker.Id);
        }
    }

    [Fact]
    public void Nothing_is_fenced_while_every_session_is_live()
    {
        var h = Harness();
        h.Now += CoreHarness.SessionTimeoutMs;
        var result = h.FenceExpired();
        Assert.Empty(result.Batches);
        Assert.Empty(result.Response);
    }

    [Fact]
    public void An_expired_broker_is_fenced_its_partitions_get_new_leaders_and_it_leaves_their_isrs()
    {
        var h = Harness();
        Expire(h, 1);
        var result = h.FenceExpired();

        Assert.Equal([1], result.Response);
        Assert.Equal(new FenceBrokerRecord(1, h.Broker(1).Epoch), CoreHarness.Records(result)[^1]);
        Assert.True(h.Broker(1).Fenced);
        var t0 = h.Partition("t", 0);
        Assert.Equal(2, t0.Leader);
        Assert.Equal([2, 3], t0.Isr.ToArray());
        Assert.Equal(5, t0.LeaderEpoch);
        Assert.Equal(7, t0.PartitionEpoch);
        var t1 = h.Partition("t", 1);
        Assert.Equal(2, t1.Leader);
        Assert.Equal([2, 3], t1.Isr.ToArray());
        Assert.Equal(1, t1.LeaderEpoch); // a shrinking ISR bumps the leader epoch, which fences the removed replica's fetches
        Assert.Equal(h.Start.Partition(new("t", 3)), h.Partition("t", 3));
    }

    [Fact]
    public void The_last_isr_member_stays_and_with_no_eligible_replica_the_partition_has_no_leader()
    {
        var h = Harness();
        Expire(h, 1);
        h.FenceExpired();
        var t2 = h.Partition("t", 2);
        Assert.Equal(PartitionChangeRecord.NoLeader, t2.Leader);
        Assert.Equal([1], t2.Isr.ToArray());
    }

    [Fact]
    public void With_unclean_election_enabled_a_live_replica_outside_the_isr_takes_over_alone()
    {
        var h = Harness(unclean: true);
        Expire(h, 1);
        h.FenceExpired();
        var t2 = h.Partition("t", 2);
        Assert.Equal(4, t2.Leader);
        Assert.Equal([4], t2.Isr.ToArray());
    }

    [Fact]
    public void Brokers_expiring_together_are_fenced_in_one_pass_and_none_of_them_is_elected()
    {
        var h = Harness();
        Expire(h, 1, 2);
        var result = h.FenceExpired();

        Assert.Equal([1, 2], result.Response);
        Assert.Equal(2, CoreHarness.Records(result).OfType<FenceBrokerRecord>().Count());
        // Each partition changes once, and 2 is not handed what 1 led.
        Assert.Equal(CoreHarness.Changes(result).Count, CoreHarness.Changes(result).Select(c => (c.TopicId, c.PartitionId)).Distinct().Count());
        Assert.Equal(3, h.Partition("t", 0).Leader);
        Assert.Equal([3], h.Partition("t", 0).Isr.ToArray());
        Assert.Equal(3, h.Partition("t", 1).Leader);
        Assert.Empty(h.FenceExpired().Batches);
    }

    [Fact]
    public void A_fenced_broker_is_never_elected_when_another_leader_is_lost()
    {
        var h = Harness();
        h.Heartbeat(2, wantFence: true);
        Expire(h, 1);
        h.FenceExpired();
        Assert.Equal(3, h.Partition("t", 0).Leader);
        Assert.Equal([3], h.Partition("t", 0).Isr.ToArray());
    }

    [Fact]
    public void A_new_active_controller_gives_every_broker_a_fresh_session()
    {
        var start = new KraftImageBuilder().Brokers(1, 2).Build();
        var h = new CoreHarness(start);
        h.Now += 100 * CoreHarness.SessionTimeoutMs;
        h.Core.Deactivate(start);
        h.Core.Activate(start, CoreHarness.ActiveEpoch + 1, h.Now);

        Assert.Empty(h.FenceExpired().Response);
        h.Now += CoreHarness.SessionTimeoutMs + 1;
        Assert.Equal([1, 2], h.FenceExpired().Response);
    }
}
