using ActorKafka.Metadata;

namespace ActorKafka.Controller.Tests;

/// <summary>The controller's partition and replica state machines as pure functions.</summary>
public sealed class ControllerContextTests
{
    private static ControllerContext Context(bool unclean = false, params int[] live)
    {
        var ctx = new ControllerContext(controllerId: 1, epoch: 7, epochZkVersion: 6, unclean);
        foreach (var id in live.Length == 0 ? new[] { 1, 2, 3 } : live)
            ctx.LiveBrokers[id] = new BrokerInfo(id, "127.0.0.1", 9090 + id, null, 100 + id, $"akka.tcp://actorkafka@127.0.0.1:{2550 + id}");
        ctx.Topics["t"] = new TopicState("id", new Dictionary<int, IReadOnlyList<int>>
        {
            [0] = new[] { 1, 2, 3 },
            [1] = new[] { 2, 3, 1 },
            [2] = new[] { 3, 1, 2 },
        }, unclean);
        return ctx;
    }

    private static TopicPartition Tp(int p) => new("t", p);

    private static void Online(ControllerContext ctx)
    {
        foreach (var change in ctx.InitializeNewPartitions(ctx.AllPartitions)) ctx.States[change.Partition] = change.After;
    }

    [Fact]
    public void New_partitions_are_led_by_their_first_live_replica_with_every_live_replica_in_sync()
    {
        var ctx = Context(false, 2, 3);
        var changes = ctx.InitializeNewPartitions(ctx.AllPartitions).ToDictionary(c => c.Partition);
        Assert.Equal(2, changes[Tp(0)].After.Leader);
        Assert.Equal(new[] { 2, 3 }, changes[Tp(0)].After.Isr);
        Assert.Equal(0, changes[Tp(0)].After.LeaderEpoch);
        Assert.Equal(7, changes[Tp(0)].After.ControllerEpoch);
        Assert.All(changes.Values, c => Assert.Null(c.Before));
    }

    [Fact]
    public void A_failed_leader_is_replaced_and_followers_leave_the_isr_with_a_bumped_leader_epoch()
    {
        var ctx = Context();
        Online(ctx);
        ctx.LiveBrokers.Remove(2);
        var changes = ctx.OnBrokersFailed(new HashSet<int> { 2 }).ToDictionary(c => c.Partition);
        Assert.Equal(3, changes.Count);
        Assert.Equal(3, changes[Tp(1)].After.Leader);
        Assert.Equal(1, changes[Tp(1)].After.LeaderEpoch);
        Assert.Equal(1, changes[Tp(0)].After.Leader);
        Assert.Equal(new[] { 1, 3 }, changes[Tp(0)].After.Isr);
        Assert.Equal(1, changes[Tp(0)].After.LeaderEpoch);
        Assert.All(changes.Values, c => Assert.DoesNotContain(2, c.After.Isr));
    }

    [Fact]
    public void With_no_live_isr_replica_the_partition_goes_offline_unless_unclean_election_is_on()
    {
        foreach (var unclean in new[] { false, true })
        {
            var ctx = Context(unclean);
            Online(ctx);
            ctx.States[Tp(0)] = ctx.States[Tp(0)] with { Isr = new[] { 1 } };
            ctx.LiveBrokers.Remove(1);
            var change = ctx.OnBrokersFailed(new HashSet<int> { 1 }).Single(c => c.Partition == Tp(0));
            if (unclean)
            {
                Assert.Equal(2, change.After.Leader);
                Assert.Equal(new[] { 2 }, change.After.Isr);
            }
            else
            {
                Assert.Equal(LeaderAndIsr.NoLeader, change.After.Leader);
                Assert.Equal(new[] { 1 }, change.After.Isr);
            }
        }
    }

    [Fact]
    public void An_offline_partition_is_led_again_when_its_last_isr_member_returns()
    {
        var ctx = Context();
        Online(ctx);
        ctx.States[Tp(0)] = ctx.States[Tp(0)] with { Leader = LeaderAndIsr.NoLeader, Isr = new[] { 1 }, LeaderEpoch = 3 };
        var change = Assert.Single(ctx.ElectOfflinePartitions());
        Assert.Equal((1, 4), (change.After.Leader, change.After.LeaderEpoch));
    }

    [Fact]
    public void Controlled_shutdown_moves_leadership_to_an_isr_replica_and_removes_the_broker_from_every_isr()
    {
        var ctx = Context();
        Online(ctx);
        var (changes, remaining) = ctx.ControlledShutdown(2);
        Assert.Empty(remaining);
        Assert.Equal(3, changes.Count);
        var moved = changes.Single(c => c.Partition == Tp(1));
        Assert.Equal(3, moved.After.Leader);
        Assert.All(changes, c => Assert.DoesNotContain(2, c.After.Isr));
        Assert.Contains(2, ctx.ShuttingDown);
        Assert.DoesNotContain(2, ctx.LiveBrokerIds);
    }

    [Fact]
    public void Controlled_shutdown_of_the_only_isr_member_leaves_the_partition_where_it_is()
    {
        var ctx = Context();
        Online(ctx);
        ctx.States[Tp(1)] = ctx.States[Tp(1)] with { Isr = new[] { 2 } };
        var (changes, remaining) = ctx.ControlledShutdown(2);
        Assert.Equal(new[] { Tp(1) }, remaining);
        Assert.DoesNotContain(changes, c => c.Partition == Tp(1));
    }

    [Fact]
    public void Preferred_election_and_the_imbalance_check_move_leadership_back()
    {
        var ctx = Context();
        Online(ctx);
        ctx.States[Tp(0)] = ctx.States[Tp(0)] with { Leader = 2, LeaderEpoch = 2 };
        var imbalanced = ctx.ImbalancedPartitions(10);
        Assert.Equal(new[] { Tp(0) }, imbalanced);
        var change = Assert.Single(ctx.ElectPreferred(imbalanced));
        Assert.Equal((1, 3), (change.After.Leader, change.After.LeaderEpoch));
        ctx.States[Tp(0)] = change.After;
        Assert.Empty(ctx.ImbalancedPartitions(10));
        Assert.Empty(ctx.ElectPreferred(ctx.AllPartitions));
    }

    [Fact]
    public void A_returning_replica_is_led_again_but_does_not_rejoin_an_isr_by_itself()
    {
        var ctx = Context();
        Online(ctx);
        ctx.LiveBrokers.Remove(2);
        foreach (var change in ctx.OnBrokersFailed(new HashSet<int> { 2 })) ctx.States[change.Partition] = change.After;
        ctx.LiveBrokers[2] = new BrokerInfo(2, "127.0.0.1", 9092, null, 200, "akka.tcp://actorkafka@127.0.0.1:2552");

        // Its leaders are live, so nothing is elected; only its leaders add it back to their ISRs, when it has caught up.
        Assert.Empty(ctx.ElectOfflinePartitions());
        Assert.All(ctx.States.Values, s => Assert.DoesNotContain(2, s.Isr));
        Assert.Empty(ctx.ElectPreferred(new[] { Tp(1) }));
    }

    [Fact]
    public void A_leaders_isr_change_read_back_from_the_store_replaces_the_cached_state_and_its_version()
    {
        var ctx = Context();
        Online(ctx);
        ctx.States[Tp(0)] = ctx.States[Tp(0)] with { PartitionEpoch = 4 };
        var cached = ctx.States[Tp(0)];
        var grown = cached with { Isr = new[] { 1, 2 }, PartitionEpoch = 5 };

        var changed = ctx.Refresh(new[] { (Tp(0), grown), (Tp(1), ctx.States[Tp(1)]), (new TopicPartition("gone", 0), grown) });
        Assert.Equal(new[] { Tp(0) }, changed);
        Assert.Equal(new[] { 1, 2 }, ctx.States[Tp(0)].Isr);
        Assert.Equal((5, cached.LeaderEpoch), (ctx.States[Tp(0)].PartitionEpoch, ctx.States[Tp(0)].LeaderEpoch));
        Assert.False(ctx.States.ContainsKey(new TopicPartition("gone", 0)));

        // An older read never moves the cache back, so the next conditional write expects the newest version.
        Assert.Empty(ctx.Refresh(new[] { (Tp(0), cached) }));
        Assert.Equal(5, ctx.States[Tp(0)].PartitionEpoch);
        var moved = Assert.Single(ctx.ElectPreferred(new[] { Tp(0) }).Concat(ctx.ControlledShutdown(1).Changes), c => c.Partition == Tp(0));
        Assert.Equal(5, moved.Before!.PartitionEpoch);
        Assert.Equal(2, moved.After.Leader);
    }
}
