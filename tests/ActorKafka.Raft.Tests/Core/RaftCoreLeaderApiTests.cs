namespace ActorKafka.Raft.Tests.Core;

/// <summary>The leader-side API a state machine relies on: atomic appends at a required offset, byte-capped fetches, DescribeQuorum.</summary>
public sealed class RaftCoreLeaderApiTests
{
    private const int Leader = 1, Follower = 2, Observer = 9;
    private long _now;

    private RaftCore SingleVoterLeader(long maxFetchBytes = 1 << 20)
    {
        var config = new RaftCoreConfig(Leader, new[] { Leader }, 100, 200, 50, 100, 10, 512, maxFetchBytes);
        var core = new RaftCore(config, new PersistedState(), _now, new Random(1));
        for (var i = 0; i < 100 && core.Role != RaftRole.Leader; i++)
        {
            _now += 50;
            core.Tick(_now);
            Drain(core);
        }
        Assert.Equal(RaftRole.Leader, core.Role);
        return core;
    }

    /// <summary>Makes every persist durable at once and returns what the core wants sent.</summary>
    private static List<Outgoing> Drain(RaftCore core)
    {
        var sent = new List<Outgoing>();
        while (true)
        {
            var ready = core.TakeReady();
            if (ready.IsEmpty) return sent;
            sent.AddRange(ready.Messages);
            if (ready.Persist.Count > 0) core.OnDurable(ready.Seq);
        }
    }

    [Fact]
    public void A_proposal_lands_only_in_the_required_epoch_at_the_required_offset()
    {
        var core = SingleVoterLeader();
        var end = core.LogEndOffset;
        var wrongOffset = core.Propose(new[] { new byte[] { 1 } }, _now, core.Epoch, end + 1);
        Assert.IsType<ProposeResult.Unexpected>(wrongOffset);
        var wrongEpoch = core.Propose(new[] { new byte[] { 1 } }, _now, core.Epoch + 1, end);
        Assert.IsType<ProposeResult.Unexpected>(wrongEpoch);
        Assert.Equal(end, core.LogEndOffset);
        var appended = Assert.IsType<ProposeResult.Appended>(core.Propose(new[] { new byte[] { 1 } }, _now, core.Epoch, end));
        Assert.Equal(end, appended.Offset);
        Assert.Equal(end + 1, core.LogEndOffset);
    }

    [Fact]
    public void A_fetch_response_stops_at_the_byte_budget_but_always_carries_one_entry()
    {
        var core = SingleVoterLeader(maxFetchBytes: 250);
        var start = core.LogEndOffset;
        for (var i = 0; i < 5; i++) core.Propose(new[] { new byte[100] }, _now);
        core.Propose(new[] { new byte[1000] }, _now);
        Drain(core);
        var first = Fetch(core, Observer, start);
        Assert.Equal(2, first.Entries.Count);
        var big = Fetch(core, Observer, start + 5);
        Assert.Single(big.Entries);
        Assert.Equal(1000, big.Entries[0].Records[0].Length);
    }

    [Fact]
    public void The_leader_describes_voters_and_the_observers_that_fetched()
    {
        var core = SingleVoterLeader();
        core.Propose(new[] { new byte[] { 7 } }, _now);
        Drain(core);
        Fetch(core, Observer, 0);
        _now += 30;
        var progress = core.ReplicaProgress();
        var self = Assert.Single(progress, p => p.ReplicaId == Leader);
        Assert.True(self.IsVoter);
        Assert.Equal(core.LogEndOffset, self.LogEndOffset);
        var observer = Assert.Single(progress, p => p.ReplicaId == Observer);
        Assert.False(observer.IsVoter);
        Assert.Equal(0, observer.LogEndOffset);
    }

    [Fact]
    public void A_follower_describes_nothing()
    {
        var config = new RaftCoreConfig(Follower, new[] { Leader, Follower }, 100, 200, 50, 100, 10, 512);
        var core = new RaftCore(config, new PersistedState(), 0, new Random(1));
        Assert.Empty(core.ReplicaProgress());
    }

    private FetchResponse Fetch(RaftCore core, int replica, long offset)
    {
        var lastEpoch = offset == 0 ? 0 : core.Log.EpochAt(offset - 1) ?? 0;
        core.Handle(replica, new FetchRequest(core.Epoch, replica, 1, offset, lastEpoch, 0), _now);
        var sent = Drain(core);
        return Assert.IsType<FetchResponse>(Assert.Single(sent, m => m.To == replica).Message);
    }
}
