using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Testing.Jepsen;

/// <summary>
/// The deterministic schedule of Jepsen's 2013 Kafka analysis, on one partition with RF 3 and an
/// acks=all producer: the followers die so the leader shrinks its ISR to itself and goes on
/// acknowledging alone; the leader dies; a stale follower comes back first; then the old leader
/// and the last follower come back. With unclean election and min.insync.replicas 1 the stale
/// follower is elected, takes new writes, and the old leader truncates what only it had: the
/// writes it acknowledged alone are lost. With clean election and min.insync.replicas 2 the lone
/// leader acknowledges nothing, the stale follower is never elected, and nothing is lost.
/// </summary>
public static class Jepsen2013Scenario
{
    /// <summary>Acknowledgements awaited in each phase that can take writes.</summary>
    public const int PhaseAcks = 30;

    public static readonly TimeSpan PhaseBound = TimeSpan.FromSeconds(30);

    public static string Description(bool unclean) =>
        $"the 2013 schedule ({(unclean ? "unclean election, min.insync.replicas 1" : "clean election, min.insync.replicas 2")}): " +
        "writes; kill both followers; the leader's ISR shrinks to itself; writes; kill the leader; restart the follower killed first; " +
        "writes; restart the old leader, then the other follower";

    public static Task<JepsenOutcome> RunAsync(IJepsenCluster cluster, ActorSystem client, bool unclean, string topic)
    {
        var runner = new JepsenRunner(cluster, client, partitions: 1);
        var tp = new TopicPartition(topic, 0);
        return runner.RunAsync(Description(unclean), topic, async workload =>
        {
            await AwaitAcknowledgedAsync(cluster, workload, PhaseAcks, "the first writes");
            var leader = (await JepsenChecker.StatesAsync(cluster, topic)).Single(r => r.Status.Role == ReplicaRole.Leader).BrokerId;
            var followers = cluster.BrokerIds.Where(id => id != leader).Order().ToArray();
            runner.Note($"{workload.AcknowledgedCount} acknowledged with every replica in the ISR");

            foreach (var follower in followers) runner.Kill(follower, $"follower {follower} of {tp} (leader {leader})");
            await cluster.Kit.AwaitAssertAsync(async () =>
            {
                var state = (await JepsenChecker.StatesAsync(cluster, topic)).Single(r => r.BrokerId == leader).Status;
                Assert.True(state.Role == ReplicaRole.Leader && state.Isr.SequenceEqual([leader]), $"broker {leader}: {state}");
            }, PhaseBound, TimeSpan.FromMilliseconds(50));
            var alone = workload.AcknowledgedCount;
            runner.Note($"the ISR of {tp} is [{leader}]; {alone} acknowledged so far");
            if (unclean) await AwaitAcknowledgedAsync(cluster, workload, alone + PhaseAcks, $"writes acknowledged by {leader} alone");
            else await JepsenRunner.PaceAsync(1000);
            runner.Note($"{workload.AcknowledgedCount - alone} acknowledged by the lone leader");

            runner.Kill(leader, $"the lone leader of {tp}");
            var stale = followers[0];
            await runner.RestartAsync(stale);
            if (unclean)
            {
                await cluster.Kit.AwaitAssertAsync(async () =>
                {
                    var state = (await JepsenChecker.StatesAsync(cluster, topic)).Single(r => r.BrokerId == stale).Status;
                    Assert.True(state.Role == ReplicaRole.Leader, $"broker {stale}: {state}");
                }, PhaseBound, TimeSpan.FromMilliseconds(50));
                runner.Note($"broker {stale} was elected uncleanly");
                await AwaitAcknowledgedAsync(cluster, workload, workload.AcknowledgedCount + PhaseAcks, $"writes to the uncleanly elected {stale}");
            }
            else
            {
                // Clean election never picks a replica outside the ISR: the partition waits for its last ISR member.
                var elected = cluster.Kit.AwaitConditionNoThrow(() => Leads(cluster, topic, stale), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
                Assert.False(elected, $"broker {stale}, outside the ISR, was elected although unclean election is disabled");
                runner.Note($"broker {stale} was not elected");
            }

            await runner.RestartAsync(leader);
            await runner.RestartAsync(followers[1]);
        });
    }

    private static bool Leads(IJepsenCluster cluster, string topic, int brokerId) =>
        JepsenChecker.StatesAsync(cluster, topic).GetAwaiter().GetResult().Any(r => r.BrokerId == brokerId && r.Status.Role == ReplicaRole.Leader);

    private static Task AwaitAcknowledgedAsync(IJepsenCluster cluster, JepsenWorkload workload, int atLeast, string what) =>
        cluster.Kit.AwaitAssertAsync(() =>
            Assert.True(workload.AcknowledgedCount >= atLeast, $"{what}: {workload.AcknowledgedCount} of {atLeast} acknowledged ({workload.Summary()})"),
            PhaseBound, TimeSpan.FromMilliseconds(20));
}
