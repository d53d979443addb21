using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Metadata.Tests.Zk;

public sealed class AdminDataTests
{
    private static readonly TopicPartition[] Partitions = [new("orders", 0), new("payments", 3)];

    [Fact]
    public void Preferred_replica_election_is_written_in_kafkas_shape()
    {
        Assert.Equal(
            """{"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"payments","partition":3}]}""",
            Json.Text(ZkData.EncodePreferredReplicaElection(Partitions)));
    }

    [Fact]
    public void Preferred_replica_election_round_trips()
    {
        Assert.Equal(Partitions, ZkData.DecodePreferredReplicaElection(ZkData.EncodePreferredReplicaElection(Partitions)).Value);
    }

    [Fact]
    public void A_kafka_written_election_request_is_read_as_a_set()
    {
        var data = Json.Bytes("""{"partitions":[{"partition":0,"topic":"orders"},{"topic":"orders","partition":0},{"topic":"t","partition":1}],"version":1}""");

        Assert.Equal([new("orders", 0), new TopicPartition("t", 1)], ZkData.DecodePreferredReplicaElection(data).Value);
    }

    [Fact]
    public void Isr_change_notification_is_written_in_kafkas_shape_and_round_trips()
    {
        var data = ZkData.EncodeIsrChangeNotification(Partitions);

        Assert.Equal(
            """{"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"payments","partition":3}]}""",
            Json.Text(data));
        Assert.Equal(Partitions, ZkData.DecodeIsrChangeNotification(ZkPaths.IsrChange(1), data).Value);
    }

    [Theory]
    [InlineData("""{"version":1}""", "missing field 'partitions'")]
    [InlineData("""{"version":1,"partitions":[{"topic":"t"}]}""", "missing field 'partition'")]
    [InlineData("""{"version":1,"partitions":[{"topic":1,"partition":0}]}""", "field 'topic' must be a string")]
    [InlineData("""{"version":1,"partitions":["t-0"]}""", "each entry of 'partitions' must be an object")]
    public void Malformed_isr_change_notifications_are_failures_naming_the_sequence_node(string json, string problem)
    {
        var path = ZkPaths.IsrChange(12);
        var decoded = ZkData.DecodeIsrChangeNotification(path, Json.Bytes(json));

        Assert.False(decoded.IsSuccess);
        Assert.StartsWith("/isr_change_notification/isr_change_0000000012: ", decoded.Error);
        Assert.Contains(problem, decoded.Error);
    }

    [Fact]
    public void Malformed_election_requests_name_their_path()
    {
        var decoded = ZkData.DecodePreferredReplicaElection(Json.Bytes("""{"version":1,"partitions":{}}"""));

        Assert.Equal("/admin/preferred_replica_election: field 'partitions' must be an array", decoded.Error);
    }

    [Fact]
    public void Reassignment_request_is_written_in_kafkas_shape_and_round_trips()
    {
        var request = new Dictionary<TopicPartition, IReadOnlyList<int>> { [new("b", 1)] = [3, 4], [new("a", 0)] = [1, 2] };
        var data = ZkData.EncodeReassignPartitions(request);

        Assert.Equal(
            """{"version":1,"partitions":[{"topic":"a","partition":0,"replicas":[1,2]},{"topic":"b","partition":1,"replicas":[3,4]}]}""",
            Json.Text(data));
        Assert.Equal(request, ZkData.DecodeReassignPartitions(data).Value);
    }

    [Fact]
    public void A_reassignment_listing_a_partition_twice_is_refused()
    {
        var data = Json.Bytes("""{"version":1,"partitions":[{"topic":"a","partition":0,"replicas":[1]},{"topic":"a","partition":0,"replicas":[2]}]}""");

        Assert.Equal("/admin/reassign_partitions: partition a-0 is listed twice", ZkData.DecodeReassignPartitions(data).Error);
    }

    [Fact]
    public void Topic_config_is_written_in_kafkas_shape_and_round_trips()
    {
        var config = new Dictionary<string, string> { ["unclean.leader.election.enable"] = "true", ["min.insync.replicas"] = "2" };
        var data = ZkData.EncodeTopicConfig(config);

        Assert.Equal(
            """{"version":1,"config":{"min.insync.replicas":"2","unclean.leader.election.enable":"true"}}""",
            Json.Text(data));
        Assert.Equal(config, ZkData.DecodeTopicConfig("orders", data).Value);
    }

    [Fact]
    public void Empty_topic_config_round_trips()
    {
        var data = ZkData.EncodeTopicConfig(new Dictionary<string, string>());

        Assert.Equal("""{"version":1,"config":{}}""", Json.Text(data));
        Assert.Empty(ZkData.DecodeTopicConfig("t", data).Value);
    }

    [Fact]
    public void A_topic_config_value_that_is_not_a_string_is_refused()
    {
        var decoded = ZkData.DecodeTopicConfig("orders", Json.Bytes("""{"version":1,"config":{"retention.ms":86400000}}"""));

        Assert.Equal("/config/topics/orders: config 'retention.ms' must be a string, found 86400000", decoded.Error);
    }

    [Fact]
    public void Migration_state_is_written_in_kafkas_shape_and_round_trips()
    {
        var migration = new MigrationZNode(3000, 5, 1234567890123, 4);
        var data = ZkData.EncodeMigration(migration);

        Assert.Equal(
            """{"version":0,"kraft_controller_id":3000,"kraft_controller_epoch":5,"kraft_metadata_offset":1234567890123,"kraft_metadata_epoch":4}""",
            Json.Text(data));
        Assert.Equal(migration, ZkData.DecodeMigration(data).Value);
    }

    [Fact]
    public void Kafkas_initial_migration_state_is_read()
    {
        var data = Json.Bytes("""{"kraft_metadata_epoch":-1,"kraft_controller_id":-1,"kraft_metadata_offset":-1,"kraft_controller_epoch":-1,"version":0}""");

        Assert.Equal(new MigrationZNode(-1, -1, -1, -1), ZkData.DecodeMigration(data).Value);
    }

    [Fact]
    public void A_migration_offset_that_is_not_an_integer_is_refused()
    {
        var decoded = ZkData.DecodeMigration(Json.Bytes("""{"version":0,"kraft_controller_id":1,"kraft_controller_epoch":1,"kraft_metadata_offset":"5","kraft_metadata_epoch":1}"""));

        Assert.Equal("/migration: field 'kraft_metadata_offset' must be a 64-bit integer", decoded.Error);
    }
}
