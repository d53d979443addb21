using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests;

/// <summary>Kafka's fencing rules for control requests, on the broker's pure state.</summary>
public sealed class BrokerControlStateTests
{
    private const int Me = 2;

    private static BrokerControlState Registered(long epoch = 100) => new(Me) { BrokerEpoch = epoch };

    private static PartitionStateInfo State(int partition, int leader, int leaderEpoch, int controllerEpoch = 5) =>
        new("t", partition, controllerEpoch, leader, leaderEpoch, [1, 2, 3], 0, [1, 2, 3]);

    private static LeaderAndIsrRequest LeaderAndIsr(int controllerEpoch, long brokerEpoch, params PartitionStateInfo[] states) =>
        new(1, controllerEpoch, brokerEpoch, states);

    [Fact]
    public void Applies_a_newer_leader_epoch_and_takes_the_role_it_names()
    {
        var broker = Registered();
        var outcome = broker.Handle(LeaderAndIsr(5, 100, State(0, leader: Me, leaderEpoch: 0), State(1, leader: 3, leaderEpoch: 0)));
        Assert.Equal(ControlError.None, outcome.Response.Error);
        Assert.Empty(outcome.Response.PartitionErrors);
        Assert.True(broker.Replicas[new TopicPartition("t", 0)].IsLeader);
        Assert.False(broker.Replicas[new TopicPartition("t", 1)].IsLeader);
        Assert.Equal(5, broker.ControllerEpoch);
        Assert.Contains(outcome.Events, e => e is ControlRequestApplied { ControllerEpoch: 5, Partitions: 2 });
    }

    [Fact]
    public void A_lower_controller_epoch_is_rejected_whole_and_changes_nothing()
    {
        var broker = Registered();
        broker.Handle(LeaderAndIsr(6, 100, State(0, leader: Me, leaderEpoch: 3, controllerEpoch: 6)));
        var before = broker.Replicas.Values.Single();

        var stale = broker.Handle(LeaderAndIsr(5, 100, State(0, leader: 3, leaderEpoch: 9)));
        Assert.Equal(ControlError.StaleControllerEpoch, stale.Response.Error);
        Assert.Same(before, broker.Replicas.Values.Single());
        Assert.Equal(6, broker.ControllerEpoch);
        var rejected = Assert.Single(stale.Events.OfType<StaleEpochRejected>());
        Assert.Equal((StaleEpochKind.Controller, 5L, 6L), (rejected.Kind, rejected.StaleEpoch, rejected.CurrentEpoch));

        var metadata = broker.Handle(new UpdateMetadataRequest(1, 5, 100, [State(0, 3, 9)], []));
        Assert.Equal(ControlError.StaleControllerEpoch, metadata.Response.Error);
        Assert.Empty(broker.MetadataCache);
        var stop = broker.Handle(new StopReplicaRequest(1, 5, 100, [new TopicPartition("t", 0)], DeletePartitions: true));
        Assert.Equal(ControlError.StaleControllerEpoch, stop.Response.Error);
        Assert.Single(broker.Replicas);
    }

    [Fact]
    public void Every_answer_carries_its_request_s_correlation_id_applied_or_refused()
    {
        var broker = Registered();
        Assert.Equal(11, broker.Handle(LeaderAndIsr(5, 100, State(0, leader: Me, leaderEpoch: 0)) with { CorrelationId = 11 }).Response.CorrelationId);
        // The same leader epoch again (a re-sent request) is refused per partition, and still answered with its id.
        var again = broker.Handle(LeaderAndIsr(5, 100, State(0, leader: Me, leaderEpoch: 0)) with { CorrelationId = 12 }).Response;
        Assert.Equal((ControlError.None, 12L), (again.Error, again.CorrelationId));
        Assert.Equal(13, broker.Handle(new UpdateMetadataRequest(1, 5, 100, [], [], CorrelationId: 13)).Response.CorrelationId);
        Assert.Equal(14, broker.Handle(new StopReplicaRequest(1, 5, 100, [], false, 14)).Response.CorrelationId);
        var stale = broker.Handle(LeaderAndIsr(4, 100) with { CorrelationId = 15 }).Response;
        Assert.Equal((ControlError.StaleControllerEpoch, 15L), (stale.Error, stale.CorrelationId));
        Assert.Equal(16, broker.Handle(new UpdateMetadataRequest(1, 5, 99, [], [], CorrelationId: 16)).Response.CorrelationId);
        Assert.Equal(17, broker.Handle(new StopReplicaRequest(1, 4, 100, [], false, 17)).Response.CorrelationId);
    }

    [Fact]
    public void A_request_for_an_older_incarnation_of_this_broker_is_rejected()
    {
        var broker = Registered(epoch: 100);
        var outcome = broker.Handle(LeaderAndIsr(5, 99, State(0, leader: Me, leaderEpoch: 0)));
        Assert.Equal(ControlError.StaleBrokerEpoch, outcome.Response.Error);
        Assert.Empty(broker.Replicas);
        Assert.Equal(-1, broker.ControllerEpoch);
        Assert.Contains(outcome.Events, e => e is StaleEpochRejected { Kind: StaleEpochKind.Broker, StaleEpoch: 99, CurrentEpoch: 100 });
        // -1 means the sender does not know the epoch: accepted, as Kafka does for old request versions.
        Assert.Equal(ControlError.None, broker.Handle(LeaderAndIsr(5, -1, State(0, leader: Me, leaderEpoch: 0))).Response.Error);
    }

    [Fact]
    public void A_leader_epoch_that_is_not_newer_is_refused_per_partition()
    {
        var broker = Registered();
        broker.Handle(LeaderAndIsr(5, 100, State(0, leader: Me, leaderEpoch: 4), State(1, leader: Me, leaderEpoch: 4)));
        var outcome = broker.Handle(LeaderAndIsr(5, 100, State(0, leader: 3, leaderEpoch: 3), State(1, leader: 3, leaderEpoch: 5)));
        Assert.Equal(ControlError.None, outcome.Response.Error);
        var error = Assert.Single(outcome.Response.PartitionErrors);
        Assert.Equal((0, ControlError.StaleControllerEpoch), (error.Partition, error.Error));
        Assert.True(broker.Replicas[new TopicPartition("t", 0)].IsLeader);
        Assert.False(broker.Replicas[new TopicPartition("t", 1)].IsLeader);
        Assert.Contains(outcome.Events, e => e is StaleEpochRejected { Kind: StaleEpochKind.Leader, StaleEpoch: 3, CurrentEpoch: 4 });

        var same = broker.Handle(LeaderAndIsr(5, 100, State(1, leader: 3, leaderEpoch: 5)));
        Assert.Equal(ControlError.StaleControllerEpoch, Assert.Single(same.Response.PartitionErrors).Error);
        Assert.DoesNotContain(same.Events, e => e is StaleEpochRejected);
    }

    [Fact]
    public void A_partition_not_replicated_here_is_unknown()
    {
        var broker = Registered();
        var outcome = broker.Handle(LeaderAndIsr(5, 100, new PartitionStateInfo("t", 0, 5, 1, 0, [1], 0, [1, 3])));
        Assert.Equal(ControlError.UnknownTopicOrPartition, Assert.Single(outcome.Response.PartitionErrors).Error);
        Assert.Empty(broker.Replicas);
    }

    [Fact]
    public void Update_metadata_replaces_live_brokers_and_updates_partitions()
    {
        var broker = Registered();
        var b1 = new BrokerInfo(1, "h", 9092, null, 10, "akka.tcp://a@h:1");
        var b3 = new BrokerInfo(3, "h", 9094, "r1", 30, "akka.tcp://a@h:3");
        broker.Handle(new UpdateMetadataRequest(1, 5, 100, [State(0, 1, 0)], [b1, b3]));
        broker.Handle(new UpdateMetadataRequest(1, 6, 100, [State(1, 3, 0, controllerEpoch: 6)], [b3]));
        Assert.Equal(new[] { 3 }, broker.LiveBrokers.Keys);
        Assert.Equal(2, broker.MetadataCache.Count);
        Assert.Equal(6, broker.ControllerEpoch);
    }

    [Fact]
    public void Stop_replica_without_delete_keeps_the_replica_but_not_its_leadership()
    {
        var broker = Registered();
        broker.Handle(LeaderAndIsr(5, 100, State(0, leader: Me, leaderEpoch: 1)));
        broker.Handle(new StopReplicaRequest(1, 5, 100, [new TopicPartition("t", 0)], DeletePartitions: false));
        var replica = broker.Replicas[new TopicPartition("t", 0)];
        Assert.False(replica.IsLeader);
        Assert.Equal(Metadata.LeaderAndIsr.NoLeader, replica.Leader);
        Assert.Empty(broker.LeaderPartitions());
        broker.Handle(new StopReplicaRequest(1, 5, 100, [new TopicPartition("t", 0)], DeletePartitions: true));
        Assert.Empty(broker.Replicas);
    }
}
