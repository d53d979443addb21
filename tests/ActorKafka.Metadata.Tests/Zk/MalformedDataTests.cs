using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Metadata.Tests.Zk;

public sealed class MalformedDataTests
{
    public static TheoryData<byte[]?, string> Garbage => new()
    {
        { null, "no data" },
        { [], "no data" },
        { Json.Bytes("not json"), "malformed JSON" },
        { Json.Bytes("{\"version\":"), "malformed JSON" },
        { [0xFF, 0xFE, 0x00], "malformed JSON" },
        { Json.Bytes("[1,2]"), "expected a JSON object, found an array" },
        { Json.Bytes("\"text\""), "expected a JSON object, found \"text\"" },
        { Json.Bytes("42"), "expected a JSON object, found 42" },
        { Json.Bytes("{} trailing"), "malformed JSON" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Every_decoder_turns_garbage_into_a_failure(byte[]? data, string problem)
    {
        string?[] errors =
        [
            ZkData.DecodeController(data).Error,
            ZkData.DecodeBroker(1, data, 0).Error,
            ZkData.DecodeTopic("t", data).Error,
            ZkData.DecodePartitionState(new TopicPartition("t", 0), data, 0).Error,
            ZkData.DecodePreferredReplicaElection(data).Error,
            ZkData.DecodeIsrChangeNotification(ZkPaths.IsrChange(0), data).Error,
            ZkData.DecodeReassignPartitions(data).Error,
            ZkData.DecodeTopicConfig("t", data).Error,
            ZkData.DecodeMigration(data).Error,
        ];

        Assert.All(errors, error => Assert.Contains(problem, error));
    }

    [Fact]
    public void A_failure_has_no_value_to_read()
    {
        var failure = ZkData.DecodeMigration(null);

        Assert.False(failure.TryGetValue(out _));
        var thrown = Assert.Throws<InvalidOperationException>(() => failure.Value);
        Assert.Contains("/migration: no data", thrown.Message);
    }

    [Fact]
    public void A_success_has_its_value_and_no_error()
    {
        var success = ZkData.DecodeControllerEpoch(ZkData.EncodeControllerEpoch(3));

        Assert.True(success.TryGetValue(out var epoch));
        Assert.Equal(3, epoch);
        Assert.Null(success.Error);
    }
}
