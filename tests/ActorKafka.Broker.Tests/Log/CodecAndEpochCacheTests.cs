using System.Text;
using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using static ActorKafka.Broker.Tests.Log.LogTestKit;

namespace ActorKafka.Broker.Tests.Log;

public sealed class Crc32CTests
{
    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        // The CRC-32C check value (RFC 3720 / iSCSI): "123456789" -> 0xE3069283.
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0xE3069283u, Crc32C.ComputeSoftware(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Crc32C_hardware_and_table_agree_on_every_length()
    {
        var random = new Random(7);
        for (var length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Crc32C.ComputeSoftware(data), Crc32C.Compute(data));
        }
    }
}

public sealed class RecordBatchCodecTests
{
    [Fact]
    public void Codec_round_trips_keys_values_timestamps_and_null_keys()
    {
        var batch = new RecordBatch(42, 7, [new ProducerRecord(null, [1, 2, 3], -5), new ProducerRecord([], [], 0), new ProducerRecord([9], new byte[300], long.MaxValue)]);
        var frame = new byte[RecordBatchCodec.FrameSize(batch.Records)];
        RecordBatchCodec.Encode(batch, frame);
        var back = RecordBatchCodec.Decode(frame);
        Assert.Equal(42, back.BaseOffset);
        Assert.Equal(7, back.LeaderEpoch);
        Assert.Equal(3, back.Records.Count);
        Assert.Null(back.Records[0].Key);
        Assert.Equal([1, 2, 3], back.Records[0].Value);
        Assert.Equal(-5, back.Records[0].Timestamp);
        Assert.Equal([], back.Records[1].Key!);
        Assert.Equal(300, back.Records[2].Value.Length);
        Assert.Equal(long.MaxValue, back.Records[2].Timestamp);
        var header = RecordBatchCodec.ReadHeader(frame);
        Assert.Equal(frame.Length, header.FrameSize);
        Assert.Equal(45, header.NextOffset);
    }

    [Fact]
    public void Codec_detects_a_flipped_bit_anywhere_in_the_payload()
    {
        var batch = Batch(0, 1, 5);
        var frame = new byte[RecordBatchCodec.FrameSize(batch.Records)];
        RecordBatchCodec.Encode(batch, frame);
        for (var i = RecordBatchCodec.FrameHeaderSize; i < frame.Length; i += 7)
        {
            var copy = (byte[])frame.Clone();
            copy[i] ^= 0x10;
            Assert.False(RecordBatchCodec.CrcMatches(copy));
            Assert.Throws<CorruptLogException>(() => RecordBatchCodec.Decode(copy));
        }
    }

    [Fact]
    public void FrameSize_is_minus_one_for_a_record_without_value()
    {
        Assert.Equal(-1, RecordBatchCodec.FrameSize([new ProducerRecord(null, null!, 0)]));
        Assert.Equal(RecordBatchCodec.HeaderSize + RecordBatchCodec.RecordOverhead + 100, RecordBatchCodec.FrameSize([new ProducerRecord(null, new byte[100], 0)]));
    }
}

public sealed class LeaderEpochCacheTests
{
    [Fact]
    public void Assign_keeps_epochs_and_offsets_increasing()
    {
        var cache = new LeaderEpochCache();
        Assert.Equal(-1, cache.LatestEpoch);
        Assert.True(cache.Assign(1, 0));
        Assert.False(cache.Assign(1, 10)); // same epoch later: nothing new
        Assert.True(cache.Assign(3, 10));
        Assert.True(cache.Assign(4, 20));
        Assert.Equal(4, cache.LatestEpoch);
        // A lower epoch at a later offset wipes the entries it contradicts (Kafka's assign).
        Assert.True(cache.Assign(2, 15));
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(2, 15)], cache.Entries);
        // An entry at the same start offset replaces the one there.
        Assert.True(cache.Assign(5, 15));
        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(5, 15)], cache.Entries);
    }

    [Fact]
    public void EndOffsetFor_answers_as_OffsetsForLeaderEpoch()
    {
        var cache = new LeaderEpochCache([new EpochEntry(2, 0), new EpochEntry(4, 10), new EpochEntry(7, 30)]);
        Assert.Equal((7, 50L), cache.EndOffsetFor(7, 50)); // latest: the log end
        Assert.Equal((4, 30L), cache.EndOffsetFor(4, 50)); // the next epoch's start
        Assert.Equal((4, 30L), cache.EndOffsetFor(5, 50)); // unknown epoch: the largest below it, ending where the next starts
        Assert.Equal((2, 10L), cache.EndOffsetFor(3, 50));
        Assert.Equal((1, 0L), cache.EndOffsetFor(1, 50)); // older than everything: the first start
        Assert.Equal((-1, -1L), cache.EndOffsetFor(8, 50)); // newer than everything: undefined
        Assert.Equal((-1, -1L), cache.EndOffsetFor(-1, 50));
        Assert.Equal((-1, -1L), new LeaderEpochCache().EndOffsetFor(0, 0));
    }

    [Fact]
    public void TruncateFromEnd_drops_entries_starting_at_or_after_the_offset()
    {
        var cache = new LeaderEpochCache([new EpochEntry(2, 0), new EpochEntry(4, 10), new EpochEntry(7, 30)]);
        Assert.False(cache.TruncateFromEnd(31));
        Assert.True(cache.TruncateFromEnd(30));
        Assert.Equal(4, cache.LatestEpoch);
        Assert.True(cache.TruncateFromEnd(5));
        Assert.Equal([new EpochEntry(2, 0)], cache.Entries);
        Assert.Equal(10L, new LeaderEpochCache([new EpochEntry(2, 0), new EpochEntry(4, 10)]).StartOffsetOf(4));
        Assert.Null(cache.StartOffsetOf(4));
    }
}
