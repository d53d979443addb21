using System.Collections;
using System.Reflection;
using ActorKafka.Metadata.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ActorKafka.Metadata.Tests.Serialization;

public sealed class QuorumControllerSerializationTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("quorum-serializer", MetadataConfig.Defaults);

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private static readonly Guid Incarnation = Guid.Parse("0b8e3c1a-5d2f-4e6a-9c7b-1f2e3d4c5b6a");
    private static readonly PartitionStateInfo State = new("orders", 3, 7, 2, 4, [2, 3, 1], 9, [1, 2, 3]);

    public static IEnumerable<object[]> Messages() =>
    [
        [new BrokerRegistrationRequest(1, 2, Incarnation, "akka.tcp://actorkafka@10.0.0.2:4000", "rack-a", 41)],
        [new BrokerRegistrationRequest(long.MaxValue, 2, Guid.Empty, "", null)],
        [new BrokerRegistrationResponse(1, ControlError.None, 42, 3000, 5)],
        [new BrokerRegistrationResponse(-1, ControlError.DuplicateBrokerRegistration, -1, -1, 0, "broker 2 is registered by another incarnation")],
        [new BrokerHeartbeatRequest(7, 2, 42, 1234, WantFence: false, WantShutDown: true)],
        [new BrokerHeartbeatResponse(7, ControlError.StaleBrokerEpoch, IsCaughtUp: true, IsFenced: false, ShouldShutDown: true, 3000, 5)],
        [new CreateTopicsRequest(8, [new CreatableTopic("orders", 12, 3), new CreatableTopic("événements", 1, -1)])],
        [new CreateTopicsRequest(8, [])],
        [new CreateTopicsResponse(8, ControlError.None,
            [new CreatableTopicResult("orders", Incarnation, ControlError.None, "", 12, 3),
             new CreatableTopicResult("bad name", Guid.Empty, ControlError.InvalidTopic, "illegal character ' '", 0, 0)], 3000, 5)],
        [new CreateTopicsResponse(8, ControlError.NotController, [], 3001, 5)],
        [new AlterPartitionRequest(9, 2, 42, [new AlterPartitionItem("orders", 3, 4, 9, [2, 3]), new AlterPartitionItem("orders", 4, 1, 1, [])])],
        [new AlterPartitionResponse(9, ControlError.None,
            [new AlterPartitionResult("orders", 3, ControlError.None, 2, 4, [2, 3], 10),
             new AlterPartitionResult("orders", 4, ControlError.InvalidUpdateVersion, 1, 1, [1], 2)], 3000, 5)],
        [new AlterPartitionResponse(9, ControlError.NotController, [], -1, 5)],
        [new ElectLeadersRequest(10, ElectionType.Preferred, null)],
        [new ElectLeadersRequest(10, ElectionType.Unclean, [])],
        [new ElectLeadersRequest(10, ElectionType.Unclean, [new TopicPartition("orders", 3), new TopicPartition("audit", 0)])],
        [new ElectLeadersResponse(10, ControlError.None,
            [new ElectLeaderResult("orders", 3, ControlError.None, 2, ""),
             new ElectLeaderResult("audit", 0, ControlError.ElectionNotNeeded, 1, "leader 1 is already the preferred replica")], 3000, 5)],
        [new ElectLeadersResponse(10, ControlError.NotController, [], 3002, 6)],
        [new DescribeQuorumRequest(11)],
        [new DescribeQuorumResponse(11, ControlError.None, 3000, 5, 987_654_321_000,
            [new QuorumReplicaState(3000, 100, 0), new QuorumReplicaState(3001, 99, 12)], [new QuorumReplicaState(1, 80, -1)], 3000, 5)],
        [new DescribeQuorumResponse(11, ControlError.NotController, -1, 0, -1, [], [], -1, 0)],
        [new DescribeClusterRequest(12, 0)],
        [new DescribeClusterRequest(12, int.MaxValue)],
        [new DescribeClusterResponse(12, ControlError.None, 5000,
            [new BrokerState(1, 40, false, false, "akka.tcp://actorkafka@10.0.0.1:4000", "rack-a"),
             new BrokerState(2, 42, true, true, "akka.tcp://actorkafka@10.0.0.2:4000", null)],
            2, 3_000_000_000, [State, State with { Topic = "audit", Partition = 0, Isr = [] }], 3000, 5)],
        [new DescribeClusterResponse(12, ControlError.NotController, -1, [], 0, 0, [], 3001, 5)],
        [new BrokerRegistrationRequest(13, 4, Incarnation, "akka.tcp://actorkafka@10.0.0.4:4000", null, -1, IsMigratingZkBroker: true)],
        [new DescribeMigrationRequest(14)],
        [new MigrationDescription(14, ControlError.None, 3000, 6, Metadata.Records.ZkMigrationState.Migration, "DualWrite", 1234, 9,
            [new MigrationBrokerView(1, "zk", false), new MigrationBrokerView(2, "kraft", true)])],
        [new MigrationDescription(14, ControlError.NotController, 3001, 6, Metadata.Records.ZkMigrationState.PreMigration, "Inactive", -1, -1, [],
            "not the active controller")],
        [new FinalizeMigrationRequest(15)],
        [new FinalizeMigrationResponse(15, ControlError.None, 3000, 6, 1300)],
        [new FinalizeMigrationResponse(15, ControlError.InvalidRequest, 3000, 6, -1, "brokers 1, 2 still run in zk mode")],
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Round_trips_through_the_bound_serializer(object message)
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<ControlSerializer>(serializer);
        var manifest = ((SerializerWithStringManifest)serializer).Manifest(message);
        var back = _system.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        AssertStructurallyEqual(message, back, message.GetType().Name);
    }

    [Fact]
    public void Every_message_of_the_controller_api_has_its_own_manifest()
    {
        var types = typeof(IQuorumControllerRequest).Assembly.GetTypes()
            .Where(t => t.IsClass && (typeof(IQuorumControllerRequest).IsAssignableFrom(t) || typeof(IQuorumControllerResponse).IsAssignableFrom(t)))
            .ToHashSet();
        var covered = Messages().Select(m => m[0].GetType()).ToHashSet();
        Assert.Empty(types.Except(covered).Select(t => t.Name));

        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new DescribeQuorumRequest(1));
        var manifests = Messages().GroupBy(m => m[0].GetType()).Select(g => serializer.Manifest(g.First()[0])).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
    }

    [Fact]
    public void A_large_describe_cluster_response_round_trips()
    {
        var states = Enumerable.Range(0, 100_000)
            .Select(i => new PartitionStateInfo($"topic-{i / 1000}", i % 1000, 5, 1 + i % 3, i, [1 + i % 3, 1 + (i + 1) % 3], i + 1, [1, 2, 3]))
            .ToArray();
        var message = new DescribeClusterResponse(1, ControlError.None, 10, [], 100, states.Length, states, 3000, 5);
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(message);
        var back = serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
        AssertStructurallyEqual(message, back, nameof(DescribeClusterResponse));
    }

    [Fact]
    public void A_truncated_message_fails_rather_than_inventing_fields()
    {
        var message = new AlterPartitionRequest(9, 2, 42, [new AlterPartitionItem("orders", 3, 4, 9, [2, 3])]);
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes[..^1], serializer.Manifest(message)));
    }

    [Fact]
    public void A_corrupt_count_is_a_serialization_error_not_a_huge_allocation()
    {
        var message = new CreateTopicsRequest(8, [new CreatableTopic("orders", 12, 3)]);
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), int.MaxValue);
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(bytes, "CTQ"));
        Assert.Contains("bad element count", error.Message);
    }

    [Fact]
    public void The_comparison_sees_differences_inside_arrays_and_null_against_empty()
    {
        var request = new AlterPartitionRequest(9, 2, 42, [new AlterPartitionItem("orders", 3, 4, 9, [2, 3])]);
        AssertStructurallyEqual(request, request with { Partitions = [request.Partitions[0] with { NewIsr = [2, 3] }] }, "copy");
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            AssertStructurallyEqual(request, request with { Partitions = [request.Partitions[0] with { NewIsr = [2, 4] }] }, "changed"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() =>
            AssertStructurallyEqual(new ElectLeadersRequest(1, ElectionType.Preferred, null), new ElectLeadersRequest(1, ElectionType.Preferred, []), "null"));
    }

    /// <summary>
    /// Records compare arrays by reference, so equality of the messages would be vacuous: this
    /// walks the properties and compares sequences element by element, naming the first difference.
    /// </summary>
    private static void AssertStructurallyEqual(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }
        Assert.True(expected.GetType() == actual.GetType(), $"{path}: expected a {expected.GetType().Name}, got a {actual.GetType().Name}");
        switch (expected)
        {
            case string or ValueType:
                Assert.True(expected.Equals(actual), $"{path}: expected {expected}, got {actual}");
                return;
            case IEnumerable sequence:
                var a = sequence.Cast<object?>().ToList();
                var b = ((IEnumerable)actual).Cast<object?>().ToList();
                Assert.True(a.Count == b.Count, $"{path}: expected {a.Count} elements, got {b.Count}");
                for (var i = 0; i < a.Count; i++) AssertStructurallyEqual(a[i], b[i], $"{path}[{i}]");
                return;
        }
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract") continue;
            AssertStructurallyEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }
}
