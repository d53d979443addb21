using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Metadata.Tests.Zk;

public sealed class TopicDataTests
{
    [Fact]
    public void Topic_is_written_in_kafkas_version_3_shape()
    {
        var topic = new TopicZNode("Ohg0_VgZQ4e2tTEtzYzl8Q", new Dictionary<int, IReadOnlyList<int>> { [1] = [2, 3], [0] = [1, 2] });

        Assert.Equal(
            """{"version":3,"partitions":{"0":[1,2],"1":[2,3]},"topic_id":"Ohg0_VgZQ4e2tTEtzYzl8Q","adding_replicas":{},"removing_replicas":{}}""",
            Json.Text(ZkData.EncodeTopic(topic)));
    }

    [Fact]
    public void Topic_round_trips_with_an_ongoing_reassignment()
    {
        var topic = new TopicZNode("0b7c2c2c-5b8e-4a63-9a55-3a4a4c1f1e2d", new Dictionary<int, IReadOnlyList<int>> { [0] = [1, 2, 4], [1] = [2, 3] })
        {
            AddingReplicas = new Dictionary<int, IReadOnlyList<int>> { [0] = [4] },
            RemovingReplicas = new Dictionary<int, IReadOnlyList<int>> { [0] = [1] },
        };

        var decoded = ZkData.DecodeTopic("orders", ZkData.EncodeTopic(topic)).Value;

        Assert.Equal(topic.TopicId, decoded.TopicId);
        Assert.Equal(topic.Partitions, decoded.Partitions);
        Assert.Equal(topic.AddingReplicas, decoded.AddingReplicas);
        Assert.Equal(topic.RemovingReplicas, decoded.RemovingReplicas);
    }

    [Fact]
    public void A_kafka_written_topic_is_read()
    {
        var data = Json.Bytes("""{"removing_replicas":{},"partitions":{"2":[3,1],"1":[2,3],"0":[1,2]},"topic_id":"Ohg0_VgZQ4e2tTEtzYzl8Q","adding_replicas":{},"version":3}""");

        var decoded = ZkData.DecodeTopic("orders", data).Value;

        Assert.Equal("Ohg0_VgZQ4e2tTEtzYzl8Q", decoded.TopicId);
        Assert.Equal([0, 1, 2], decoded.Partitions.Keys.Order());
        Assert.Equal([3, 1], decoded.Partitions[2]);
        Assert.Empty(decoded.AddingReplicas);
        Assert.Empty(decoded.RemovingReplicas);
    }

    [Fact]
    public void Reassignment_maps_are_optional()
    {
        var decoded = ZkData.DecodeTopic("t", Json.Bytes("""{"version":3,"partitions":{"0":[1]},"topic_id":"x"}""")).Value;

        Assert.Empty(decoded.AddingReplicas);
        Assert.Empty(decoded.RemovingReplicas);
    }

    [Theory]
    [InlineData("""{"version":1,"partitions":{"0":[1,2]}}""", "missing field 'topic_id'")]
    [InlineData("""{"version":3,"topic_id":"x"}""", "missing field 'partitions'")]
    [InlineData("""{"version":3,"partitions":{"zero":[1]},"topic_id":"x"}""", "field 'partitions' key 'zero' is not a partition id")]
    [InlineData("""{"version":3,"partitions":{"-1":[1]},"topic_id":"x"}""", "key '-1' is not a partition id")]
    [InlineData("""{"version":3,"partitions":{"0":[1,"2"]},"topic_id":"x"}""", "field 'partitions' partition 0 element must be a 32-bit integer")]
    [InlineData("""{"version":3,"partitions":{"0":1},"topic_id":"x"}""", "must be an array of integers")]
    [InlineData("""{"version":3,"partitions":{"0":[1],"0":[2]},"topic_id":"x"}""", "lists partition 0 twice")]
    [InlineData("""{"version":3,"partitions":{"0":[1]},"topic_id":"x","adding_replicas":[]}""", "field 'adding_replicas' must be an object")]
    public void Malformed_topics_are_failures_naming_the_topic(string json, string problem)
    {
        var decoded = ZkData.DecodeTopic("orders", Json.Bytes(json));

        Assert.False(decoded.IsSuccess);
        Assert.StartsWith("/brokers/topics/orders: ", decoded.Error);
        Assert.Contains(problem, decoded.Error);
    }

    [Fact]
    public void Partition_state_is_written_in_kafkas_shape()
    {
        var state = new LeaderAndIsr(2, 4, [2, 3, 1], ControllerEpoch: 7, PartitionEpoch: 11);

        Assert.Equal(
            """{"version":1,"leader":2,"leader_epoch":4,"controller_epoch":7,"isr":[2,3,1]}""",
            Json.Text(ZkData.EncodePartitionState(state)));
    }

    [Fact]
    public void Partition_state_round_trips_with_its_epoch_taken_from_the_znode_version()
    {
        var state = new LeaderAndIsr(LeaderAndIsr.NoLeader, 9, [3], ControllerEpoch: 2, PartitionEpoch: 15);

        var decoded = ZkData.DecodePartitionState(new TopicPartition("t", 0), ZkData.EncodePartitionState(state), partitionEpoch: 15).Value;

        Assert.Equal(state.Leader, decoded.Leader);
        Assert.Equal(state.LeaderEpoch, decoded.LeaderEpoch);
        Assert.Equal(state.Isr, decoded.Isr);
        Assert.Equal(state.ControllerEpoch, decoded.ControllerEpoch);
        Assert.Equal(15, decoded.PartitionEpoch);
    }

    [Fact]
    public void A_kafka_written_partition_state_with_a_recovery_state_is_read()
    {
        var data = Json.Bytes("""{"controller_epoch":7,"leader":2,"version":1,"leader_epoch":4,"isr":[2],"leader_recovery_state":1}""");

        var decoded = ZkData.DecodePartitionState(new TopicPartition("t", 3), data, partitionEpoch: 1).Value;

        Assert.Equal((2, 4, 7, 1), (decoded.Leader, decoded.LeaderEpoch, decoded.ControllerEpoch, decoded.PartitionEpoch));
        Assert.Equal([2], decoded.Isr);
    }

    [Theory]
    [InlineData("""{"version":1,"leader":2,"leader_epoch":4,"controller_epoch":7}""", "missing field 'isr'")]
    [InlineData("""{"version":1,"leader":2,"leader_epoch":4,"controller_epoch":7,"isr":"2,3"}""", "field 'isr' must be an array")]
    [InlineData("""{"version":1,"leader":2.5,"leader_epoch":4,"controller_epoch":7,"isr":[2]}""", "field 'leader' must be a 32-bit integer, found 2.5")]
    [InlineData("""{"version":1,"leader":2,"leader_epoch":null,"controller_epoch":7,"isr":[2]}""", "missing field 'leader_epoch'")]
    public void Malformed_partition_states_are_failures_naming_the_partition(string json, string problem)
    {
        var decoded = ZkData.DecodePartitionState(new TopicPartition("orders", 5), Json.Bytes(json), 0);

        Assert.False(decoded.IsSuccess);
        Assert.StartsWith("/brokers/topics/orders/partitions/5/state: ", decoded.Error);
        Assert.Contains(problem, decoded.Error);
    }
}
