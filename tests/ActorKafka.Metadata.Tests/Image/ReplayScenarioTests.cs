using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using static ActorKafka.Metadata.Tests.Image.Records;

namespace ActorKafka.Metadata.Tests.Image;

public class ReplayScenarioTests
{
    private static readonly Guid Orders = TopicId(1);

    [Fact]
    public void A_cluster_lifecycle_replays_into_the_expected_image()
    {
        var image = ReplayAll(
            new LeaderChangeRecord(3000, [3000, 3001, 3002]),
            Register(1, 1), Register(2, 2), Register(3, 3),
            new UnfenceBrokerRecord(1, 1), new UnfenceBrokerRecord(2, 2), new UnfenceBrokerRecord(3, 3),
            new TopicRecord("orders", Orders),
            new PartitionRecord(0, Orders, [1, 2, 3], [1, 2, 3], 1),
            new PartitionRecord(1, Orders, [2, 3, 1], [2, 3, 1], 2));
        Assert.Equal(9, image.Offset);
        Assert.Equal(new LeaderAndEpoch(3000, 1), image.Leader);
        Assert.All(image.Cluster.Brokers.Values, b => Assert.False(b.Fenced));
        Assert.Equal(new PartitionRegistration([1, 2, 3], [1, 2, 3], 1, 0, 0), image.Partition(new("orders", 0)));

        // Broker 1 dies: its leadership moves to 2 and it leaves the ISRs.
        image = Replay(image, 10,
            new FenceBrokerRecord(1, 1),
            new PartitionChangeRecord(0, Orders, Isr: [2, 3], Leader: 2),
            new PartitionChangeRecord(1, Orders, Isr: [2, 3]));
        Assert.True(image.Cluster.Broker(1)!.Fenced);
        Assert.Equal(new PartitionRegistration([1, 2, 3], [2, 3], 2, 1, 1), image.Partition(new("orders", 0)));
        // An ISR-only record keeps the leader epoch; the partition epoch moves regardless.
        Assert.Equal(new PartitionRegistration([2, 3, 1], [2, 3], 2, 0, 1), image.Partition(new("orders", 1)));

        image = Replay(image, 13, new RemoveTopicRecord(Orders), new NoOpRecord());
        Assert.Empty(image.Topics.TopicsById);
        Assert.Empty(image.Topics.TopicsByName);
        Assert.Equal(14, image.Offset);
        Assert.Equal(3, image.Cluster.Brokers.Count);
    }

    [Fact]
    public void Topics_are_found_by_name_and_by_id_as_the_same_topic()
    {
        var image = ReplayAll(new TopicRecord("a", TopicId(1)), new PartitionRecord(0, TopicId(1), [1], [1], 1));
        Assert.Same(image.Topics.Topic("a"), image.Topics.Topic(TopicId(1)));
        Assert.Equal(1, image.Topics.PartitionCount());
    }

    [Fact]
    public void Broker_registration_changes_and_unregistration_follow_the_registration()
    {
        var image = ReplayAll(Register(1, 5), new BrokerRegistrationChangeRecord(1, 5, Fenced: false));
        Assert.False(image.Cluster.Broker(1)!.Fenced);
        image = Replay(image, 2, new BrokerRegistrationChangeRecord(1, 5, InControlledShutdown: true));
        Assert.True(image.Cluster.Broker(1)!.InControlledShutdown);
        Assert.False(image.Cluster.Broker(1)!.Fenced);
        Assert.Equal([1], image.Cluster.ShuttingDownBrokerIds());

        // A re-registration replaces the incarnation: a fresh broker starts fenced and not shutting down.
        image = Replay(image, 3, Register(1, 6));
        Assert.Equal(6, image.Cluster.Broker(1)!.Epoch);
        Assert.True(image.Cluster.Broker(1)!.Fenced);
        Assert.False(image.Cluster.Broker(1)!.InControlledShutdown);

        image = Replay(image, 4, new UnregisterBrokerRecord(1, 6));
        Assert.Null(image.Cluster.Broker(1));
    }

    [Fact]
    public void Partition_and_broker_views_reuse_the_zk_mode_control_types()
    {
        var image = ReplayAll(Register(1, 0), new TopicRecord("t", TopicId(1)), new PartitionRecord(0, TopicId(1), [1, 2], [1, 2], 1, 4, 7));
        var state = image.PartitionState(new("t", 0), controllerEpoch: 9)!;
        Assert.Equal(("t", 0, 9, 1, 4, 7), (state.Topic, state.Partition, state.ControllerEpoch, state.Leader, state.LeaderEpoch, state.PartitionEpoch));
        Assert.Equal([1, 2], state.Isr);
        Assert.Equal([1, 2], state.Replicas);
        Assert.Null(image.PartitionState(new("t", 1), 9));
        Assert.Single(image.PartitionStates(9));

        var info = image.Cluster.Broker(1)!.ToBrokerInfo();
        Assert.Equal(new BrokerInfo(1, "broker1", 9093, "rack1", 0, "akka.tcp://ak@broker1:2552"), info);
    }

    [Fact]
    public void Unfenced_brokers_feed_the_shared_election_rules()
    {
        var image = ReplayAll(Register(1, 0), Register(2, 1), new UnfenceBrokerRecord(2, 1),
            new TopicRecord("t", TopicId(1)), new PartitionRecord(0, TopicId(1), [1, 2], [1, 2], 1));
        var partition = image.Partition(new("t", 0))!;
        var election = PartitionLeaderElection.Offline(partition.Replicas, partition.Isr, image.Cluster.UnfencedBrokerIds(), false);
        var change = PartitionChanges.FromElection(TopicId(1), 0, partition, election)!;
        image = Replay(image, 5, change);
        Assert.Equal(new PartitionRegistration([1, 2], [2], 2, 1, 1), image.Partition(new("t", 0)));
    }
}
