using System.Runtime.Serialization;
using System.Text.Json;
using ActorKafka.Broker.Replication;
using ActorKafka.Broker.Serialization;
using ActorKafka.Metadata;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Broker.Tests.Serialization;

public sealed class ReplicationSerializerTests() : TestKit(BrokerSettings.Defaults)
{
    private static readonly TopicPartition Tp = new("orders", 3);

    public static TheoryData<object> Messages()
    {
        var records = new[] { new ProducerRecord(null, [1, 2, 3], 17), new ProducerRecord([9], [], 18) };
        return new TheoryData<object>
        {
            new ProduceRequest(1, Tp, Acks.All, 5000, 4, records),
            new ProduceRequest(2, Tp, Acks.None, 0, -1, []),
            new ProduceResponse(1, Tp, ControlError.NotEnoughReplicas, -1, 4, 2, "isr [2] is below min.insync.replicas 2"),
            new FetchRecordsRequest(5, 2, 40, Tp, 100, 3, 4, 1 << 20, 500),
            new FetchRecordsResponse(5, Tp, ControlError.None, 90, 0, 101, 4, null, [new RecordBatch(100, 4, records)]),
            new FetchRecordsResponse(6, Tp, ControlError.None, 90, 0, 101, 4, new DivergingEpoch(3, 77), []),
            new ListOffsetsRequest(7, Tp, ListOffsetsRequest.Earliest, -1),
            new ListOffsetsResponse(7, Tp, ControlError.None, 12, 4),
            new ClientMetadataRequest(8, ["orders", "payments"]),
            new ClientMetadataResponse(8, [new BrokerEndpointInfo(1, "akka.tcp://actorkafka@127.0.0.1:1")],
                [new PartitionMetadata(Tp, ControlError.None, 1, 4, [1, 2, 3], [1, 2])], ["missing"]),
        };
    }

    [Theory, MemberData(nameof(Messages))]
    public void Every_message_round_trips(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ReplicationSerializer>(serializer);
        var s = (ReplicationSerializer)serializer;
        var back = s.FromBinary(s.ToBinary(message), s.Manifest(message));
        Assert.Equal(Json(message), Json(back));
    }

    [Fact]
    public void A_truncated_or_corrupt_message_is_a_serialization_error_not_a_huge_allocation()
    {
        var s = (ReplicationSerializer)Sys.Serialization.FindSerializerForType(typeof(ProduceRequest));
        var produce = new ProduceRequest(1, Tp, Acks.All, 5000, 4, [new ProducerRecord([1], new byte[100], 1)]);
        var bytes = s.ToBinary(produce);
        Assert.Throws<SerializationException>(() => s.FromBinary(bytes[..(bytes.Length - 10)], "PQ"));
        var corrupt = (byte[])bytes.Clone();
        // The record count follows the fixed header: make it absurd.
        var countAt = bytes.Length - (8 + 4 + 1 + 4 + 100) - 4;
        BitConverter.TryWriteBytes(corrupt.AsSpan(countAt, 4), int.MaxValue);
        Assert.Throws<SerializationException>(() => s.FromBinary(corrupt, "PQ"));
        Assert.Throws<SerializationException>(() => s.FromBinary(bytes, "??"));
    }

    private static string Json(object o) => JsonSerializer.Serialize(o, o.GetType());
}
