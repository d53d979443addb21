using ActorKafka.Coordination.Tests.Infrastructure;
using ActorKafka.Coordination;
using ActorKafka.Raft.Tests.Infrastructure;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Raft.Tests.Actor;

/// <summary>
/// One real voter whose two peers are probes, so every RPC it sends can be inspected. The
/// voter runs under a supervisor that restarts it on any failure (Kill included): the restarted
/// incarnation must recover its vote from the journal and refuse a second candidate in the same epoch.
/// </summary>
public sealed class VoteDurabilityTests : TestKit
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly TempDataDir _dir;
    private readonly RaftSettings _settings;

    public VoteDurabilityTests() : this(new TempDataDir())
    {
    }

    private VoteDurabilityTests(TempDataDir dir) : base(ConfigurationFactory.ParseString($"""
            akka.loglevel = WARNING
            actorkafka.raft {"{"}
              node-id = 1
              voters = [ {"{"} id = 1, address = "akka://vote-spec" {"}"}, {"{"} id = 2, address = "akka://vote-spec" {"}"}, {"{"} id = 3, address = "akka://vote-spec" {"}"} ]
              election-timeout = 60s
              fetch-timeout = 120s
            {"}"}
            """).WithFallback(StorePersistence.Sqlite(dir.Path)).WithFallback(RaftSettings.Defaults), "vote-spec")
    {
        _dir = dir;
        _settings = RaftSettings.From(Sys.Settings.Config);
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }

    private sealed class RestartingParent : ReceiveActor
    {
        public RestartingParent(Props child, string name)
        {
            var voter = Context.ActorOf(child, name);
            ReceiveAny(m => voter.Forward(m));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Restart);
    }

    [Fact]
    public void A_supervisor_restart_remembers_the_vote_and_refuses_a_second_candidate_in_the_same_epoch()
    {
        var peer2 = CreateTestProbe();
        var peer3 = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Forwarder(peer2.Ref)), "raft-voter-2");
        Sys.ActorOf(Props.Create(() => new Forwarder(peer3.Ref)), "raft-voter-3");
        var voter = Sys.ActorOf(Props.Create(() => new RestartingParent(RaftVoter.Props(_settings), "raft-voter-1")), "supervisor");
        voter.Tell(GetRaftStatus.Instance, TestActor);
        ExpectMsg<RaftStatus>(Bound);
        var child = Sys.ActorSelection("/user/supervisor/raft-voter-1");

        child.Tell(new RaftPacket(2, new VoteRequest(5, 2, 0, 0, PreVote: false)), peer2.Ref);
        var granted = ReceiveVote(peer2);
        Assert.True(granted.Granted);
        Assert.Equal(5, granted.Epoch);

        // Kill makes the actor fail; this parent's strategy restarts it, which replays the journal.
        child.Tell(Kill.Instance);
        AwaitAssert(() =>
        {
            voter.Tell(GetRaftStatus.Instance, TestActor);
            var status = ExpectMsg<RaftStatus>(TimeSpan.FromSeconds(1));
            Assert.Equal((5, (int?)2), (status.Epoch, status.VotedFor));
        }, Bound);

        child.Tell(new RaftPacket(3, new VoteRequest(5, 3, 0, 0, PreVote: false)), peer3.Ref);
        var refused = ReceiveVote(peer3);
        Assert.False(refused.Granted);
        Assert.Equal(5, refused.Epoch);

        // A full stop and a fresh incarnation (a node restart) remembers it just the same.
        Watch(voter);
        Sys.Stop(voter);
        ExpectTerminated(voter, Bound);
        var fresh = Sys.ActorOf(RaftVoter.Props(_settings), "raft-voter-1");
        fresh.Tell(new RaftPacket(3, new VoteRequest(5, 3, 0, 0, PreVote: false)), peer3.Ref);
        Assert.False(ReceiveVote(peer3).Granted);
        fresh.Tell(new RaftPacket(3, new VoteRequest(6, 3, 0, 0, PreVote: false)), peer3.Ref);
        Assert.True(ReceiveVote(peer3).Granted);
    }

    [Fact]
    public void Stale_epochs_and_unknown_voters_get_typed_rejections_and_the_voter_keeps_running()
    {
        var peer2 = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Forwarder(peer2.Ref)), "raft-voter-2");
        Sys.ActorOf(Props.Create(() => new Forwarder(CreateTestProbe().Ref)), "raft-voter-3");
        var voter = Sys.ActorOf(RaftVoter.Props(_settings), "raft-voter-1");

        voter.Tell(new RaftPacket(2, new VoteRequest(4, 2, 0, 0, PreVote: false)), peer2.Ref);
        Assert.True(ReceiveVote(peer2).Granted);
        voter.Tell(new RaftPacket(2, new VoteRequest(3, 2, 0, 0, PreVote: false)), peer2.Ref);
        var stale = ReceiveVote(peer2);
        Assert.Equal((false, RaftError.FencedLeaderEpoch, 4), (stale.Granted, stale.Error, stale.Epoch));

        // An unknown id is an observer as far as transport goes: the answer goes straight back to the sender.
        var stranger = CreateTestProbe();
        voter.Tell(new RaftPacket(42, new VoteRequest(9, 42, 0, 0, PreVote: false)), stranger.Ref);
        var unknown = stranger.FishForMessage<RaftPacket>(m => m is RaftPacket { Rpc: VoteResponse }, Bound);
        Assert.Equal(RaftError.UnknownVoter, ((VoteResponse)unknown.Rpc).Error);

        voter.Tell(new RaftPacket(2, new FetchRequest(4, 2, 1, 0, 0, 0)), peer2.Ref);
        var fetch = (FetchResponse)peer2.FishForMessage<RaftPacket>(m => m is RaftPacket { Rpc: FetchResponse }, Bound).Rpc;
        Assert.Equal(RaftError.NotLeader, fetch.Error);

        voter.Tell(GetRaftStatus.Instance, TestActor);
        Assert.Equal(4, ExpectMsg<RaftStatus>(Bound).Epoch);
    }

    private static VoteResponse ReceiveVote(TestProbe peer) =>
        (VoteResponse)peer.FishForMessage<RaftPacket>(m => m is RaftPacket { Rpc: VoteResponse { PreVote: false } }, Bound).Rpc;

    protected override void AfterAll()
    {
        base.AfterAll();
        _dir.Dispose();
    }
}
