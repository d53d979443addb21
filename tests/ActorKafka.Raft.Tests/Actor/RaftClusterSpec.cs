using System.Text;
using ActorKafka.Raft.Tests.Infrastructure;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Raft.Tests.Actor;

/// <summary>A TestKit whose own system is remote-enabled, so its probes can subscribe to voters in other systems.</summary>
public abstract class RaftClusterSpec() : TestKit(ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        """).WithFallback(RaftSettings.Defaults), "raft-spec")
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private long _requestId;

    protected RaftStatus Status(RaftTestCluster cluster, int id)
    {
        var probe = CreateTestProbe();
        cluster.Voters[id].Tell(GetRaftStatus.Instance, probe.Ref);
        return probe.ExpectMsg<RaftStatus>(Bound);
    }

    /// <summary>Waits until every running voter agrees on one leader in one epoch, and returns it.</summary>
    protected int AwaitLeader(RaftTestCluster cluster, int? not = null)
    {
        var leader = -1;
        AwaitAssert(() =>
        {
            var statuses = cluster.Voters.Keys.Where(id => id <= cluster.VoterCount).Select(id => Status(cluster, id)).ToList();
            var leaders = statuses.Where(s => s.Role == RaftRole.Leader).ToList();
            Assert.Single(leaders);
            Assert.NotEqual(not, leaders[0].NodeId);
            Assert.All(statuses, s => Assert.Equal((leaders[0].Epoch, leaders[0].NodeId), (s.Epoch, s.LeaderId ?? -1)));
            leader = leaders[0].NodeId;
        }, Bound, TimeSpan.FromMilliseconds(50));
        return leader;
    }

    protected object Propose(RaftTestCluster cluster, int id, string text)
    {
        var probe = CreateTestProbe();
        var requestId = ++_requestId;
        cluster.Voters[id].Tell(new Propose(requestId, new[] { Encoding.UTF8.GetBytes(text) }), probe.Ref);
        var answer = probe.FishForMessage(m => m is Proposed p && p.RequestId == requestId || m is ProposalRejected r && r.RequestId == requestId, Bound);
        return answer;
    }

    protected Proposed Commit(RaftTestCluster cluster, int id, string text) => Propose(cluster, id, text) switch
    {
        Proposed proposed => proposed,
        ProposalRejected r => throw new Xunit.Sdk.XunitException($"'{text}' to voter {id} was rejected: {r.Error} (epoch {r.Epoch}, leader {r.LeaderId}): {r.Reason}"),
        var other => throw new Xunit.Sdk.XunitException($"unexpected answer {other}"),
    };

    /// <summary>Subscribes a probe and collects the data batches it receives until <paramref name="count"/> have arrived.</summary>
    protected static List<string> Collect(Akka.TestKit.TestProbe probe, int count)
    {
        var texts = new List<string>();
        while (texts.Count < count)
        {
            var batch = probe.FishForMessage<CommittedBatch>(m => m is CommittedBatch { Type: EntryType.Data }, Bound);
            texts.Add(Encoding.UTF8.GetString(batch.Records[0]));
        }
        return texts;
    }
}
