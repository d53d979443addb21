using ActorKafka.Metadata;

namespace ActorKafka.Metadata.Tests.Assignment;

public sealed class RackUnawareAssignmentTests
{
    private static (int BrokerId, string? Rack)[] Brokers(params int[] ids) => ids.Select(id => (id, (string?)null)).ToArray();

    private static IReadOnlyDictionary<int, IReadOnlyList<int>> Assign(int partitions, int rf, (int, string?)[] brokers, int startIndex, int shift, int startPartitionId = 0)
    {
        var result = ReplicaAssignment.Assign(partitions, rf, brokers, startIndex, shift, startPartitionId);
        Assert.True(result.IsSuccess, result.Error);
        return result.Assignment!;
    }

    [Fact]
    public void Matches_kafkas_example_for_five_brokers_from_index_zero()
    {
        // Kafka's AdminUtils test: brokers 0..4, 10 partitions, RF 3, fixed start index 0.
        // Partitions 0-4: leader p, followers at offsets 1 + (0 + j) % 4 = 1, 2.
        // Partition 5 wraps around the brokers, so the shift becomes 1: offsets 2, 3.
        var assignment = Assign(10, 3, Brokers(0, 1, 2, 3, 4), startIndex: 0, shift: 0);

        int[][] expected =
        [
            [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1],
            [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
        ];
        Assert.Equal(expected.Length, assignment.Count);
        for (var p = 0; p < expected.Length; p++)
            Assert.Equal(expected[p], assignment[p]);
    }

    [Fact]
    public void Matches_the_algorithm_worked_by_hand_with_a_start_index_and_shift()
    {
        // Brokers 10,20,30,40 (indices 0..3), start index 2, shift 3, RF 3. With n = 4 the
        // follower offset is 1 + (shift + j) % 3.
        // p0: first (0+2)%4 = 2 -> 30; offsets 1+(3%3)=1 -> 40, 1+(4%3)=2 -> 10.
        // p1: first 3 -> 40; followers 10, 20.   p2: first 0 -> 10; 20, 30.   p3: first 1 -> 20; 30, 40.
        // p4: 4 % 4 == 0 so shift 4; first 2 -> 30; offsets 1+(4%3)=2 -> 10, 1+(5%3)=3 -> 20.
        // p5: first 3 -> 40; offsets 2 -> 20, 3 -> 30.
        var assignment = Assign(6, 3, Brokers(10, 20, 30, 40), startIndex: 2, shift: 3);

        Assert.Equal([30, 40, 10], assignment[0]);
        Assert.Equal([40, 10, 20], assignment[1]);
        Assert.Equal([10, 20, 30], assignment[2]);
        Assert.Equal([20, 30, 40], assignment[3]);
        Assert.Equal([30, 10, 20], assignment[4]);
        Assert.Equal([40, 20, 30], assignment[5]);
    }

    [Fact]
    public void Brokers_are_taken_in_id_order_whatever_order_they_are_given_in()
    {
        Assert.Equal(
            Assign(7, 2, Brokers(0, 1, 2, 3), 1, 2),
            Assign(7, 2, Brokers(3, 1, 0, 2), 1, 2));
    }

    [Fact]
    public void Adding_partitions_numbers_them_from_the_start_partition_id()
    {
        // Partition 5 of 5 brokers wraps around, so the shift is bumped to 1 as in a full assignment.
        var assignment = Assign(3, 3, Brokers(0, 1, 2, 3, 4), startIndex: 0, shift: 0, startPartitionId: 5);

        Assert.Equal([5, 6, 7], assignment.Keys.Order());
        Assert.Equal([0, 2, 3], assignment[5]);
        Assert.Equal([1, 3, 4], assignment[6]);
        Assert.Equal([2, 4, 0], assignment[7]);
    }

    [Fact]
    public void Replication_factor_equal_to_the_broker_count_puts_a_replica_on_every_broker()
    {
        foreach (var replicas in Assign(9, 4, Brokers(1, 2, 3, 4), 3, 1).Values)
            Assert.Equal([1, 2, 3, 4], replicas.Order());
    }

    [Fact]
    public void A_single_broker_holds_every_partition()
    {
        var assignment = Assign(3, 1, Brokers(7), 0, 0);

        Assert.All(assignment.Values, replicas => Assert.Equal([7], replicas));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 3, 1)]
    [InlineData(5, 7, 3)]
    [InlineData(6, 12, 3)]
    [InlineData(9, 100, 2)]
    [InlineData(4, 3, 4)]
    public void Every_partition_has_distinct_replicas_and_leaders_are_spread_evenly(int brokerCount, int partitions, int rf)
    {
        var brokers = Brokers(Enumerable.Range(100, brokerCount).ToArray());
        for (var seed = 0; seed < 20; seed++)
        {
            var result = ReplicaAssignment.Assign(partitions, rf, brokers, new Random(seed));
            AssignmentChecks.DistinctReplicasAndEvenLeaders(result, partitions, rf, brokers.Select(b => b.BrokerId).ToArray());
        }
    }

    [Theory]
    [InlineData(5, 10, 3)]
    [InlineData(3, 9, 2)]
    [InlineData(6, 18, 4)]
    public void When_partitions_are_a_multiple_of_brokers_every_broker_holds_the_same_number_of_replicas(int brokerCount, int partitions, int rf)
    {
        var brokers = Brokers(Enumerable.Range(0, brokerCount).ToArray());
        for (var seed = 0; seed < 20; seed++)
        {
            var assignment = ReplicaAssignment.Assign(partitions, rf, brokers, new Random(seed)).Assignment!;
            var perBroker = assignment.Values.SelectMany(r => r).CountBy(b => b).ToDictionary();
            Assert.All(brokers, b => Assert.Equal(partitions * rf / brokerCount, perBroker[b.BrokerId]));
        }
    }

    [Fact]
    public void The_followers_of_one_brokers_leaders_land_on_different_brokers()
    {
        // Without the growing shift, all four partitions led by a broker would share one follower.
        var assignment = Assign(20, 2, Brokers(0, 1, 2, 3, 4), startIndex: 0, shift: 0);

        for (var leader = 0; leader < 5; leader++)
        {
            var followers = assignment.Values.Where(r => r[0] == leader).Select(r => r[1]).ToArray();
            Assert.Equal(4, followers.Length);
            Assert.Equal(4, followers.Distinct().Count());
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_assignment()
    {
        var brokers = Brokers(1, 2, 3, 4, 5, 6);

        Assert.Equal(
            ReplicaAssignment.Assign(30, 3, brokers, new Random(42)).Assignment,
            ReplicaAssignment.Assign(30, 3, brokers, new Random(42)).Assignment);
    }

    [Fact]
    public void A_random_assignment_draws_the_start_index_then_the_shift()
    {
        var brokers = Brokers(1, 2, 3, 4, 5, 6, 7);
        for (var seed = 0; seed < 20; seed++)
        {
            var draws = new Random(seed);
            var startIndex = draws.Next(brokers.Length);
            var shift = draws.Next(brokers.Length);

            Assert.Equal(
                Assign(15, 3, brokers, startIndex, shift),
                ReplicaAssignment.Assign(15, 3, brokers, new Random(seed)).Assignment);
        }
    }

    [Fact]
    public void Different_seeds_start_leadership_on_different_brokers()
    {
        var brokers = Brokers(1, 2, 3, 4, 5, 6, 7, 8);
        var firstLeaders = Enumerable.Range(0, 50)
            .Select(seed => ReplicaAssignment.Assign(1, 1, brokers, new Random(seed)).Assignment![0][0])
            .Distinct()
            .Count();

        Assert.True(firstLeaders > 1, "partition 0's leader should depend on the random start index");
    }
}
