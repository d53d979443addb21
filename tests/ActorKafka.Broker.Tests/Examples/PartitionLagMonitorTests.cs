using ActorKafka.Broker.Examples;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Broker.Tests.Examples;

/// <summary>The lag monitor actor against a probe playing the broker's replica manager.</summary>
public sealed class PartitionLagMonitorTests : TestKit
{
    private const int Me = 2;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly TopicPartition Orders = new("orders", 0);

    private readonly TestProbe _replicaManager;
    private readonly TestProbe _events;

    public PartitionLagMonitorTests() : base("akka.loglevel = WARNING", "lag-monitor-test")
    {
        _replicaManager = CreateTestProbe();
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events.Ref, typeof(ReplicaHealthChanged));
    }

    private IActorRef Start(TimeSpan pollInterval, TimeSpan pollTimeout) =>
        Sys.ActorOf(PartitionLagMonitor.Props(new LagMonitorSettings(pollInterval, pollTimeout, ReportAfter: TimeSpan.Zero, MinInsyncReplicas: 1),
            _replicaManager.Ref));

    /// <summary>Waits for the next poll and answers it as a replica manager whose only replica follows broker 1 with this ISR.</summary>
    private void AnswerPoll(params int[] isr)
    {
        _replicaManager.ExpectMsg<GetReplicaStates>(Bound);
        _replicaManager.Reply(new ReplicaStates(Me, [new ReplicaStatus(Orders, ReplicaRole.Follower, 1, 4, 9, isr, 100, 0, 100, 100)]));
    }

    [Fact]
    public void It_polls_the_replica_manager_and_publishes_when_a_follower_leaves_the_isr_and_when_it_is_back()
    {
        var monitor = Start(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300));
        AnswerPoll(1, Me);
        AnswerPoll(1);
        var left = _events.ExpectMsg<ReplicaHealthChanged>(Bound);
        Assert.Equal((Me, Orders, ReplicaHealth.OutOfSync, ReplicaHealth.Healthy, 4, 9), (left.BrokerId, left.Partition, left.Health, left.Previous,
            left.LeaderEpoch, left.PartitionEpoch));

        monitor.Tell(GetLagReport.Instance);
        var report = ExpectMsg<LagReport>(Bound);
        Assert.Equal((Me, 0), (report.BrokerId, report.UnansweredPolls));
        Assert.Equal([new ReportedReplica(Orders, ReplicaHealth.OutOfSync)], report.Unhealthy);

        AnswerPoll(1);
        AnswerPoll(1, Me);
        var back = _events.ExpectMsg<ReplicaHealthChanged>(Bound);
        Assert.Equal((ReplicaHealth.Healthy, ReplicaHealth.OutOfSync), (back.Health, back.Previous));
    }

    [Fact]
    public void An_unanswered_poll_is_given_up_and_its_late_answer_is_dropped()
    {
        var monitor = Start(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
        _replicaManager.ExpectMsg<GetReplicaStates>(Bound);
        AwaitAssert(() =>
        {
            monitor.Tell(GetLagReport.Instance);
            Assert.Equal(1, ExpectMsg<LagReport>(Bound).UnansweredPolls);
        }, Bound);

        // The poll has timed out: an answer now is late, and judged by nobody.
        _replicaManager.Reply(new ReplicaStates(Me, [new ReplicaStatus(Orders, ReplicaRole.Follower, 1, 4, 9, [1], 100, 0, 100, 100)]));
        monitor.Tell(GetLagReport.Instance);
        var unchanged = ExpectMsg<LagReport>(Bound);
        Assert.Equal((-1, 1), (unchanged.BrokerId, unchanged.UnansweredPolls));
        _events.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The next poll, answered in time, is judged.
        AnswerPoll(1);
        Assert.Equal(ReplicaHealth.OutOfSync, _events.ExpectMsg<ReplicaHealthChanged>(Bound).Health);
    }

    [Fact]
    public void It_stops_when_the_replica_manager_stops()
    {
        var monitor = Start(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500));
        Watch(monitor);
        _replicaManager.ExpectMsg<GetReplicaStates>(Bound);
        Sys.Stop(_replicaManager.Ref);
        ExpectTerminated(monitor, Bound);
    }

    [Fact]
    public void Settings_come_from_the_example_section_and_the_replica_managers_min_isr_and_a_bad_value_names_its_key()
    {
        var defaults = LagMonitorSettings.From(ConfigurationFactory.Empty);
        Assert.Equal(new LagMonitorSettings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 1), defaults);

        var tuned = LagMonitorSettings.From(ConfigurationFactory.ParseString("""
            actorkafka.examples.lag-monitor { poll-interval = 1s, poll-timeout = 500ms, report-after = 0s }
            actorkafka.broker.replication.min-insync-replicas = 2
            """));
        Assert.Equal(new LagMonitorSettings(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), TimeSpan.Zero, 2), tuned);

        var bad = Assert.Throws<ConfigurationException>(() =>
            LagMonitorSettings.From(ConfigurationFactory.ParseString("actorkafka.examples.lag-monitor.poll-timeout = 10s")));
        Assert.StartsWith("actorkafka.examples.lag-monitor.poll-timeout", bad.Message);
    }
}
