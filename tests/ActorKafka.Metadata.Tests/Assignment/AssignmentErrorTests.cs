using ActorKafka.Metadata;

namespace ActorKafka.Metadata.Tests.Assignment;

public sealed class AssignmentErrorTests
{
    private static readonly (int BrokerId, string? Rack)[] ThreeBrokers = [(1, null), (2, null), (3, null)];

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void No_partitions_is_invalid_partitions(int partitions)
    {
        var result = ReplicaAssignment.Assign(partitions, 1, ThreeBrokers, new Random(0));

        Assert.False(result.IsSuccess);
        Assert.Null(result.Assignment);
        Assert.Equal(AssignmentError.InvalidPartitions, result.ErrorCode);
        Assert.Equal("Number of partitions must be larger than 0.", result.Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void No_replicas_is_an_invalid_replication_factor(int rf)
    {
        var result = ReplicaAssignment.Assign(3, rf, ThreeBrokers, new Random(0));

        Assert.Equal(AssignmentError.InvalidReplicationFactor, result.ErrorCode);
        Assert.Equal("Replication factor must be larger than 0.", result.Error);
    }

    [Fact]
    public void More_replicas_than_brokers_is_kafkas_invalid_replication_factor_error()
    {
        var result = ReplicaAssignment.Assign(3, 4, ThreeBrokers, new Random(0));

        Assert.Equal(AssignmentError.InvalidReplicationFactor, result.ErrorCode);
        Assert.Equal("Replication factor: 4 larger than available brokers: 3.", result.Error);
    }

    [Fact]
    public void No_brokers_at_all_is_an_invalid_replication_factor()
    {
        var result = ReplicaAssignment.Assign(1, 1, [], new Random(0));

        Assert.Equal("Replication factor: 1 larger than available brokers: 0.", result.Error);
    }

    [Fact]
    public void Some_brokers_with_a_rack_and_some_without_is_refused()
    {
        var result = ReplicaAssignment.Assign(3, 2, [(1, "a"), (2, null), (3, "b")], new Random(0));

        Assert.Equal(AssignmentError.InvalidBrokerList, result.ErrorCode);
        Assert.Equal("Not all brokers have rack information for replica rack aware assignment.", result.Error);
    }

    [Fact]
    public void Duplicate_broker_ids_are_refused()
    {
        var result = ReplicaAssignment.Assign(3, 2, [(1, null), (1, null), (3, null)], new Random(0));

        Assert.Equal(AssignmentError.InvalidBrokerList, result.ErrorCode);
    }

    [Theory]
    [InlineData(-1, 0, 0)]
    [InlineData(0, -1, 0)]
    [InlineData(0, 0, -1)]
    public void Negative_start_index_shift_or_start_partition_is_refused(int startIndex, int shift, int startPartitionId)
    {
        var result = ReplicaAssignment.Assign(3, 2, ThreeBrokers, startIndex, shift, startPartitionId);

        Assert.Equal(AssignmentError.InvalidArgument, result.ErrorCode);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void A_success_carries_no_error()
    {
        var result = ReplicaAssignment.Assign(3, 2, ThreeBrokers, new Random(0));

        Assert.True(result.IsSuccess);
        Assert.Null(result.Error);
        Assert.Null(result.ErrorCode);
    }
}
