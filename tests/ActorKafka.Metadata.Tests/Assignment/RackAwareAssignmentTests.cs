using ActorKafka.Metadata;

namespace ActorKafka.Metadata.Tests.Assignment;

public sealed class RackAwareAssignmentTests
{
    private static (int BrokerId, string? Rack)[] Racked(params (int Id, string Rack)[] brokers) =>
        brokers.Select(b => (b.Id, (string?)b.Rack)).ToArray();

    [Fact]
    public void Rack_alternated_list_matches_kafkas_example()
    {
        // Kafka's AdminRackAwareTest: racks in name order, brokers in id order within a rack.
        var arranged = ReplicaAssignment.RackAlternatedBrokers(
            [(0, "rack1"), (1, "rack3"), (2, "rack3"), (3, "rack2"), (4, "rack2"), (5, "rack1")]);

        Assert.Equal([0, 3, 1, 5, 4, 2], arranged);
    }

    [Fact]
    public void Rack_alternated_list_skips_racks_that_have_run_out_of_brokers()
    {
        // a: 1,4,7  b: 2  c: 3,5  ->  a1 b2 c3 | a4 (b empty) c5 | a7
        var arranged = ReplicaAssignment.RackAlternatedBrokers(
            [(7, "a"), (5, "c"), (4, "a"), (3, "c"), (2, "b"), (1, "a")]);

        Assert.Equal([1, 2, 3, 4, 5, 7], arranged);
    }

    [Fact]
    public void Matches_kafkas_rack_aware_example_worked_by_hand()
    {
        // Kafka's AdminRackAwareTest.testAssignmentWithRackAware: 6 partitions, RF 3, fixed
        // start index 2 (so shift 2). Arranged list: 0(r1) 1(r2) 3(r3) 5(r1) 2(r2) 4(r3); n = 6,
        // 3 racks, so follower k sits at offset 1 + (2*3 + k) % 5 from the leader's index:
        // k = 0,1,2 -> offsets 2,3,4. A follower on a rack that already has a replica is skipped.
        // p0: leader idx 2 = 3(r3); idx 4 = 2(r2) ok; idx 5 = 4(r3) skip; idx 0 = 0(r1) ok -> [3,2,0]
        // p1: leader idx 3 = 5(r1); idx 5 = 4(r3) ok; idx 0 = 0(r1) skip; idx 1 = 1(r2) ok -> [5,4,1]
        // p2: leader idx 4 = 2(r2); idx 0 = 0(r1) ok; idx 1 = 1(r2) skip; idx 2 = 3(r3) ok -> [2,0,3]
        // p3: leader idx 5 = 4(r3); idx 1 = 1(r2) ok; idx 2 = 3(r3) skip; idx 3 = 5(r1) ok -> [4,1,5]
        // p4: leader idx 0 = 0(r1); idx 2 = 3(r3) ok; idx 3 = 5(r1) skip; idx 4 = 2(r2) ok -> [0,3,2]
        // p5: leader idx 1 = 1(r2); idx 3 = 5(r1) ok; idx 4 = 2(r2) skip; idx 5 = 4(r3) ok -> [1,5,4]
        var brokers = Racked((0, "rack1"), (1, "rack2"), (2, "rack2"), (3, "rack3"), (4, "rack3"), (5, "rack1"));

        var assignment = ReplicaAssignment.Assign(6, 3, brokers, startIndex: 2, replicaShift: 2).Assignment!;

        Assert.Equal([3, 2, 0], assignment[0]);
        Assert.Equal([5, 4, 1], assignment[1]);
        Assert.Equal([2, 0, 3], assignment[2]);
        Assert.Equal([4, 1, 5], assignment[3]);
        Assert.Equal([0, 3, 2], assignment[4]);
        Assert.Equal([1, 5, 4], assignment[5]);
    }

    [Theory]
    [InlineData(6, 3, 12, 3)]
    [InlineData(6, 3, 7, 2)]
    [InlineData(9, 3, 20, 3)]
    [InlineData(8, 4, 16, 3)]
    [InlineData(5, 5, 10, 5)]
    public void With_at_least_as_many_racks_as_replicas_every_replica_is_on_its_own_rack(int brokerCount, int rackCount, int partitions, int rf)
    {
        var brokers = Enumerable.Range(0, brokerCount).Select(id => (id, (string?)$"rack{id % rackCount}")).ToArray();
        for (var seed = 0; seed < 20; seed++)
        {
            var result = ReplicaAssignment.Assign(partitions, rf, brokers, new Random(seed));

            AssignmentChecks.DistinctReplicasAndEvenLeaders(result, partitions, rf, brokers.Select(b => b.id).ToArray());
            Assert.All(result.Assignment!.Values, replicas =>
                Assert.Equal(rf, replicas.Select(r => brokers[r].Item2).Distinct().Count()));
        }
    }

    [Theory]
    [InlineData(6, 2, 12, 3)]
    [InlineData(7, 3, 14, 5)]
    public void With_fewer_racks_than_replicas_every_rack_gets_a_replica(int brokerCount, int rackCount, int partitions, int rf)
    {
        var brokers = Enumerable.Range(0, brokerCount).Select(id => (id, (string?)$"rack{id % rackCount}")).ToArray();
        for (var seed = 0; seed < 20; seed++)
        {
            var result = ReplicaAssignment.Assign(partitions, rf, brokers, new Random(seed));

            AssignmentChecks.DistinctReplicasAndEvenLeaders(result, partitions, rf, brokers.Select(b => b.id).ToArray());
            Assert.All(result.Assignment!.Values, replicas =>
                Assert.Equal(rackCount, replicas.Select(r => brokers[r].Item2).Distinct().Count()));
        }
    }

    [Fact]
    public void Uneven_racks_still_spread_replicas_over_all_racks()
    {
        // rack a has four brokers, b and c one each: every partition still spans three racks.
        var brokers = Racked((0, "a"), (1, "a"), (2, "a"), (3, "a"), (4, "b"), (5, "c"));
        var result = ReplicaAssignment.Assign(12, 3, brokers, new Random(7));

        Assert.All(result.Assignment!.Values, replicas =>
            Assert.Equal(["a", "b", "c"], replicas.Select(r => brokers[r].Rack!).Order()));
    }

    [Fact]
    public void A_single_rack_degenerates_to_distinct_brokers()
    {
        var brokers = Racked((1, "only"), (2, "only"), (3, "only"));
        var result = ReplicaAssignment.Assign(6, 3, brokers, new Random(3));

        AssignmentChecks.DistinctReplicasAndEvenLeaders(result, 6, 3, [1, 2, 3]);
    }

    [Fact]
    public void Broker_order_does_not_matter()
    {
        var brokers = Racked((0, "r1"), (1, "r2"), (2, "r2"), (3, "r3"), (4, "r3"), (5, "r1"));
        var shuffled = brokers.Reverse().ToArray();

        Assert.Equal(
            ReplicaAssignment.Assign(9, 3, brokers, 1, 4).Assignment,
            ReplicaAssignment.Assign(9, 3, shuffled, 1, 4).Assignment);
    }

    [Fact]
    public void The_same_seed_gives_the_same_rack_aware_assignment()
    {
        var brokers = Racked((0, "r1"), (1, "r2"), (2, "r3"), (3, "r1"), (4, "r2"), (5, "r3"));

        Assert.Equal(
            ReplicaAssignment.Assign(20, 3, brokers, new Random(9)).Assignment,
            ReplicaAssignment.Assign(20, 3, brokers, new Random(9)).Assignment);
    }
}
