using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Replication;

/// <summary>
/// Kyle Kingsbury's 2013 Jepsen analysis of Kafka, at the level of the replica cores: the ISR
/// shrinks to the leader alone, the leader keeps acknowledging acks=all writes, dies, and a
/// replica outside the ISR is elected (unclean). Its log lacks the acknowledged tail; when the old
/// leader returns as a follower, the divergence check makes it truncate that tail: acknowledged
/// writes are gone from every replica. min.insync.replicas=2 closes the hole: with the ISR down to
/// one, acks=all writes are refused instead of acknowledged.
/// </summary>
public sealed class JepsenScenarioTests
{
    private sealed record Outcome(List<long> Acknowledged, List<long> Refused, ReplicaHarness Harness);

    private static Outcome Run(int minInsync)
    {
        var h = new ReplicaHarness(new ReplicaConfig(ReplicaLagTimeMaxMs: 1_000, MinInsyncReplicas: minInsync), 1, 2, 3);
        var acknowledged = new List<long>();
        var refused = new List<long>();
        void Record(Sent sent)
        {
            var values = sent.Request.Records.Select(ReplicaHarness.ValueOf);
            var answer = h.Answer(sent);
            if (answer?.Error == ControlError.None) acknowledged.AddRange(values);
            else if (answer is not null) refused.AddRange(values);
        }

        // A healthy start: leader 1, every replica in sync, 5 acknowledged records.
        h.Elect(1, 1, 1, [1, 2, 3]);
        var healthy = h.Produce(1, 5);
        h.Flush(1);
        h.CatchUp(2, 3);
        Record(healthy);
        Assert.Equal(5, acknowledged.Count);

        // 2 and 3 are cut off from 1: they stop fetching. After the lag time, 1 shrinks the ISR to itself.
        var inFlight = h.Produce(1, 2);
        h.Flush(1);
        h.Now = 2_000;
        h.Tick(1);
        var shrink = Assert.Single(h.Proposals);
        Assert.Equal([1], shrink.NewIsr);
        Assert.True(h[1].OnIsrChangeCommitted(shrink.NewIsr, 2, 1, h.Now)); // the controller accepts
        h.Collect();
        Record(inFlight);

        // The leader alone keeps taking acks=all writes.
        var alone = h.Produce(1, 5);
        h.Flush(1);
        Record(alone);

        // 1 dies. The controller, with unclean election on, makes 2 (outside the ISR) the leader.
        h.Elect(2, 2, 3, [2], alive: [2, 3]);
        var after = h.Produce(2, 3);
        h.Flush(2);
        h.CatchUp(3);
        Record(after);

        // 1 comes back (after a restart) and follows 2: its log diverges at the end of epoch 1 on 2.
        h.CrashAndRestart(1);
        Assert.Equal(RoleChangeOutcome.BecameFollower, h[1].BecomeFollower(2, 2, 3, [2], [1, 2, 3]));
        h.CatchUp(1);
        return new Outcome(acknowledged, refused, h);
    }

    [Fact]
    public void Jepsen_2013_min_insync_1_with_unclean_election_loses_acknowledged_writes()
    {
        var outcome = Run(minInsync: 1);
        var h = outcome.Harness;
        // The replicas agree with each other...
        Assert.Equal(h.Values(2), h.Values(1));
        Assert.Equal(h.Values(2), h.Values(3));
        // ...on a history without the writes acknowledged while the ISR was the leader alone.
        var lost = outcome.Acknowledged.Except(h.Values(1)).ToList();
        Assert.Equal(7, lost.Count); // the 2 in flight at the shrink and the 5 written alone
        Assert.Empty(outcome.Refused);
        Assert.All(new[] { 1, 2, 3 }, id => Assert.True(lost.All(v => !h.Values(id).Contains(v))));
    }

    [Fact]
    public void Jepsen_2013_min_insync_2_loses_no_acknowledged_write_even_with_the_unclean_election()
    {
        var outcome = Run(minInsync: 2);
        var h = outcome.Harness;
        Assert.Equal(h.Values(2), h.Values(1));
        Assert.Equal(h.Values(2), h.Values(3));
        // Only the healthy start was acknowledged; everything else was refused: the two waiting at
        // the shrink with NotEnoughReplicasAfterAppend, the leader alone's and the unclean
        // leader's writes with NotEnoughReplicas, up front.
        Assert.Equal(5, outcome.Acknowledged.Count);
        Assert.Equal(10, outcome.Refused.Count);
        Assert.All(new[] { 1, 2, 3 }, id => Assert.True(outcome.Acknowledged.All(v => h.Values(id).Contains(v))));
    }
}
