using ActorKafka.Metadata;

namespace ActorKafka.Jepsen.Zk.Tests;

/// <summary>The end-of-run checks catch what they are there for: lost acknowledgements, disagreeing replicas, gaps, reordering.</summary>
public sealed class JepsenCheckerTests
{
    private static readonly TopicPartition Tp = new("t", 0);

    private static List<LoggedRecord> Log(params string[] values) => values.Select((v, i) => new LoggedRecord(i, 0, v)).ToList();

    private static Acknowledged Ack(long offset, string value) => new(Tp, offset, value, 0);

    private static PartitionCheck Check(List<LoggedRecord> leader, List<LoggedRecord> follower, params Acknowledged[] acks) =>
        JepsenChecker.Check(Tp, leader.Count, 1, leader, new Dictionary<int, IReadOnlyList<LoggedRecord>> { [1] = leader, [2] = follower }, acks);

    [Fact]
    public void Replicas_that_hold_every_acknowledged_record_pass()
    {
        var check = Check(Log("a", "b", "c"), Log("a", "b", "c"), Ack(0, "a"), Ack(2, "c"));
        Assert.True(check.Ok, check.ToString());
    }

    [Fact]
    public void An_acknowledged_record_overwritten_at_its_offset_is_lost()
    {
        var check = Check(Log("a", "x", "c"), Log("a", "x", "c"), Ack(0, "a"), Ack(1, "b"));
        Assert.Contains("'b' acknowledged at offset 1", Assert.Single(check.Lost));
        Assert.Empty(check.Violations);
    }

    [Fact]
    public void A_replica_missing_an_acknowledged_record_counts_as_a_loss_and_ends_below_the_high_watermark()
    {
        var check = Check(Log("a", "b", "c"), Log("a", "b"), Ack(2, "c"));
        Assert.Contains("broker 2 has nothing", Assert.Single(check.Lost));
        Assert.Contains(check.Violations, v => v.Contains("below high watermark 3"));
    }

    [Fact]
    public void Replicas_that_disagree_below_the_high_watermark_are_a_violation()
    {
        var follower = Log("a", "b", "c");
        follower[1] = follower[1] with { LeaderEpoch = 1 };
        var check = Check(Log("a", "b", "c"), follower);
        Assert.Contains(check.Violations, v => v.Contains("disagrees with leader 1 at offset 1"));
    }

    [Fact]
    public void A_gap_in_the_offsets_is_a_violation()
    {
        var leader = Log("a", "b", "c");
        leader[2] = leader[2] with { Offset = 3 };
        var check = Check(leader, Log("a", "b", "c"));
        Assert.Contains(check.Violations, v => v.Contains("read offset 3 at position 2"));
    }

    [Fact]
    public void Acknowledgements_out_of_offset_order_are_a_violation()
    {
        var check = Check(Log("a", "b", "c"), Log("a", "b", "c"), Ack(1, "b"), Ack(0, "a"));
        Assert.Contains("not after 'b' at 1", Assert.Single(check.Rewritten));
        Assert.False(check.Ok);
    }
}
