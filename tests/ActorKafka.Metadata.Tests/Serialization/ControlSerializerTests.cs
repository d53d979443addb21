using ActorKafka.Metadata.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ActorKafka.Metadata.Tests.Serialization;

public sealed class ControlSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("control-serializer", MetadataConfig.Defaults);

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private static readonly PartitionStateInfo State = new("orders", 3, 7, 2, 4, [2, 3, 1], 9, [1, 2, 3]);
    private static readonly BrokerInfo Broker = new(2, "127.0.0.1", 9093, "rack-a", 42, "akka.tcp://actorkafka@127.0.0.1:4000");

    public static IEnumerable<object[]> Messages() =>
    [
        [new LeaderAndIsrRequest(1, 7, 42, [State, State with { Partition = 4 }], CorrelationId: 9001)],
        [new LeaderAndIsrResponse(2, 7, ControlError.None, [new PartitionError("orders", 3, ControlError.StaleControllerEpoch)], 9001)],
        [new UpdateMetadataRequest(1, 7, 42, [State], [Broker, Broker with { BrokerId = 3, Rack = null }], IsKRaftController: true, CorrelationId: long.MaxValue)],
        [new UpdateMetadataResponse(2, 7, ControlError.StaleBrokerEpoch, long.MaxValue)],
        [new StopReplicaRequest(1, 7, 42, [new TopicPartition("orders", 3)], true, 12)],
        [new StopReplicaResponse(2, 7, ControlError.None, 12)],
        [new ControlledShutdownRequest(2, 42)],
        [new ControlledShutdownResponse(ControlError.NotController, [new TopicPartition("orders", 1)], "broker 3 is not the controller")],
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Round_trips_through_the_bound_serializer(object message)
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<ControlSerializer>(serializer);
        var manifest = ((SerializerWithStringManifest)serializer).Manifest(message);
        var back = _system.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.Equal(Render(message), Render(back));
    }

    [Fact]
    public void Unknown_manifest_is_a_clear_error()
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new ControlledShutdownRequest(1, 1));
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "??"));
        Assert.Contains("unknown control manifest", error.Message);
    }

    private static string Render(object? o) => o switch
    {
        null => "null",
        string s => s,
        System.Collections.IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Render)) + "]",
        _ when o.GetType().IsPrimitive || o is Enum => o.ToString()!,
        _ => o.GetType().Name + "{" + string.Join(",", o.GetType().GetProperties()
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => p.Name + "=" + Render(p.GetValue(o)))) + "}",
    };
}
