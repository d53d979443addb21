namespace ActorKafka.Metadata;

/// <summary>
/// Kafka's AdminUtils.assignReplicasToBrokers: spreads partition leaders round-robin over
/// the brokers from a start index, and places followers at a shift from the leader that grows
/// by one every time the partitions wrap around the brokers, so that the followers of one
/// broker's leaders do not all land on the same next broker. With racks on every broker the
/// broker list is first interleaved by rack and followers skip racks that already hold a
/// replica while some rack holds none.
/// </summary>
public static class ReplicaAssignment
{
    /// <summary>Assigns with a random start index and replica shift, drawn from <paramref name="random"/> in Kafka's order.</summary>
    public static AssignmentResult Assign(
        int partitions,
        int replicationFactor,
        IReadOnlyList<(int BrokerId, string? Rack)> brokers,
        Random random,
        int startPartitionId = 0)
    {
        var invalid = Validate(partitions, replicationFactor, brokers, startPartitionId);
        if (invalid is not null)
            return invalid;
        // Kafka draws the start index first, then the shift, both over the (arranged) broker count.
        var startIndex = random.Next(brokers.Count);
        var replicaShift = random.Next(brokers.Count);
        return AssignValidated(partitions, replicationFactor, brokers, startIndex, replicaShift, startPartitionId);
    }

    /// <summary>
    /// Assigns from a fixed start index and replica shift (Kafka uses the same value for both
    /// when given a fixed start index; adding partitions passes the position of partition 0's leader).
    /// </summary>
    public static AssignmentResult Assign(
        int partitions,
        int replicationFactor,
        IReadOnlyList<(int BrokerId, string? Rack)> brokers,
        int startIndex,
        int replicaShift,
        int startPartitionId = 0)
    {
        if (startIndex < 0 || replicaShift < 0)
            return AssignmentResult.Failure(AssignmentError.InvalidArgument, "Start index and replica shift must not be negative.");
        var invalid = Validate(partitions, replicationFactor, brokers, startPartitionId);
        if (invalid is not null)
            return invalid;
        return AssignValidated(partitions, replicationFactor, brokers, startIndex, replicaShift, startPartitionId);
    }

    /// <summary>
    /// Kafka's rack-alternated broker list: racks in name order, each rack's brokers in id
    /// order, taking one broker from each rack in turn until all are taken.
    /// </summary>
    public static IReadOnlyList<int> RackAlternatedBrokers(IReadOnlyList<(int BrokerId, string Rack)> brokers)
    {
        var byRack = brokers
            .GroupBy(broker => broker.Rack, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => new Queue<int>(group.Select(broker => broker.BrokerId).Order()))
            .ToArray();
        var result = new List<int>(brokers.Count);
        for (var rack = 0; result.Count < brokers.Count; rack = (rack + 1) % byRack.Length)
        {
            if (byRack[rack].TryDequeue(out var broker))
                result.Add(broker);
        }
        return result;
    }

    private static AssignmentResult? Validate(
        int partitions,
        int replicationFactor,
        IReadOnlyList<(int BrokerId, string? Rack)> brokers,
        int startPartitionId)
    {
        if (partitions <= 0)
            return AssignmentResult.Failure(AssignmentError.InvalidPartitions, "Number of partitions must be larger than 0.");
        if (replicationFactor <= 0)
            return AssignmentResult.Failure(AssignmentError.InvalidReplicationFactor, "Replication factor must be larger than 0.");
        if (replicationFactor > brokers.Count)
            return AssignmentResult.Failure(
                AssignmentError.InvalidReplicationFactor,
                $"Replication factor: {replicationFactor} larger than available brokers: {brokers.Count}.");
        if (startPartitionId < 0)
            return AssignmentResult.Failure(AssignmentError.InvalidArgument, "Start partition id must not be negative.");
        if (brokers.Select(broker => broker.BrokerId).Distinct().Count() != brokers.Count)
            return AssignmentResult.Failure(AssignmentError.InvalidBrokerList, "Broker ids must be distinct.");
        var withRack = brokers.Count(broker => broker.Rack is not null);
        if (withRack > 0 && withRack < brokers.Count)
            return AssignmentResult.Failure(
                AssignmentError.InvalidBrokerList,
                "Not all brokers have rack information for replica rack aware assignment.");
        return null;
    }

    private static AssignmentResult AssignValidated(
        int partitions,
        int replicationFactor,
        IReadOnlyList<(int BrokerId, string? Rack)> brokers,
        int startIndex,
        int replicaShift,
        int startPartitionId)
    {
        var assignment = brokers.All(broker => broker.Rack is null)
            ? RackUnaware(partitions, replicationFactor, brokers, startIndex, replicaShift, startPartitionId)
            : RackAware(partitions, replicationFactor, brokers, startIndex, replicaShift, startPartitionId);
        return AssignmentResult.Success(assignment);
    }

    private static Dictionary<int, IReadOnlyList<int>> RackUnaware(
        int partitions,
        int replicationFactor,
        IReadOnlyList<(int BrokerId, string? Rack)> brokers,
        int startIndex,
        int replicaShift,
        int startPartitionId)
    {
        // Kafka's callers list brokers sorted by id; sorting here makes the result independent of the caller's order.
        var brokerArray = brokers.Select(broker => broker.BrokerId).Order().ToArray();
        var n = brokerArray.Length;
        var result = new Dictionary<int, IReadOnlyList<int>>(partitions);
        var nextReplicaShift = replicaShift;
        for (var partition = startPartitionId; partition < startPartitionId + partitions; partition++)
        {
            if (partition > 0 && partition % n == 0)
                nextReplicaShift++;
            var firstReplicaIndex = (partition + startIndex) % n;
            var replicas = new int[replicationFactor];
            replicas[0] = brokerArray[firstReplicaIndex];
            for (var j = 0; j < replicationFactor - 1; j++)
                replicas[j + 1] = brokerArray[ReplicaIndex(firstReplicaIndex, nextReplicaShift, j, n)];
            result[partition] = replicas;
        }
        return result;
    }

    private static Dictionary<int, IReadOnlyList<int>> RackAware(
        int partitions,
        int replicationFactor,
        IReadOnlyList<(int BrokerId, string? Rack)> brokers,
        int startIndex,
        int replicaShift,
        int startPartitionId)
    {
        var rackOf = brokers.ToDictionary(broker => broker.BrokerId, broker => broker.Rack!);
        var numRacks = rackOf.Values.Distinct(StringComparer.Ordinal).Count();
        var arranged = RackAlternatedBrokers(brokers.Select(broker => (broker.BrokerId, broker.Rack!)).ToArray());
        var n = arranged.Count;
        var result = new Dictionary<int, IReadOnlyList<int>>(partitions);
        var nextReplicaShift = replicaShift;
        for (var partition = startPartitionId; partition < startPartitionId + partitions; partition++)
        {
            if (partition > 0 && partition % n == 0)
                nextReplicaShift++;
            var firstReplicaIndex = (partition + startIndex) % n;
            var leader = arranged[firstReplicaIndex];
            var replicas = new List<int>(replicationFactor) { leader };
            var racksWithReplicas = new HashSet<string>(StringComparer.Ordinal) { rackOf[leader] };
            var brokersWithReplicas = new HashSet<int> { leader };
            var k = 0;
            for (var follower = 0; follower < replicationFactor - 1; follower++)
            {
                while (true)
                {
                    var broker = arranged[ReplicaIndex(firstReplicaIndex, nextReplicaShift * numRacks, k, n)];
                    var rack = rackOf[broker];
                    k++;
                    // Skip a broker whose rack already has a replica while some rack has none,
                    // and a broker that already has a replica while some broker has none.
                    if ((!racksWithReplicas.Contains(rack) || racksWithReplicas.Count == numRacks)
                        && (!brokersWithReplicas.Contains(broker) || brokersWithReplicas.Count == n))
                    {
                        replicas.Add(broker);
                        racksWithReplicas.Add(rack);
                        brokersWithReplicas.Add(broker);
                        break;
                    }
                }
            }
            result[partition] = replicas.ToArray();
        }
        return result;
    }

    // The shift is taken modulo n - 1 and then offset by one so that a follower never lands on the leader.
    private static int ReplicaIndex(int firstReplicaIndex, int secondReplicaShift, int replicaIndex, int brokerCount)
    {
        var shift = 1 + (secondReplicaShift + replicaIndex) % (brokerCount - 1);
        return (firstReplicaIndex + shift) % brokerCount;
    }
}
