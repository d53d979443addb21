using ActorKafka.Metadata;

namespace ActorKafka.Metadata.Tests.Assignment;

internal static class AssignmentChecks
{
    public static void DistinctReplicasAndEvenLeaders(AssignmentResult result, int partitions, int rf, int[] brokerIds)
    {
        Assert.True(result.IsSuccess, result.Error);
        var assignment = result.Assignment!;
        Assert.Equal(Enumerable.Range(0, partitions), assignment.Keys.Order());
        foreach (var replicas in assignment.Values)
        {
            Assert.Equal(rf, replicas.Count);
            Assert.Equal(rf, replicas.Distinct().Count());
            Assert.All(replicas, r => Assert.Contains(r, brokerIds));
        }

        var leaders = assignment.Values.Select(r => r[0]).CountBy(b => b).ToDictionary();
        var low = partitions / brokerIds.Length;
        var high = low + (partitions % brokerIds.Length == 0 ? 0 : 1);
        foreach (var broker in brokerIds)
        {
            var led = leaders.GetValueOrDefault(broker);
            Assert.InRange(led, low, high);
        }
    }
}
