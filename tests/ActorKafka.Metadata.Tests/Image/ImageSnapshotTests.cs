using System.Buffers.Binary;
using System.Diagnostics;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using Xunit.Abstractions;
using static ActorKafka.Metadata.Tests.Image.Records;

namespace ActorKafka.Metadata.Tests.Image;

public class ImageSnapshotTests(ITestOutputHelper output)
{
    [Fact]
    public void The_empty_image_round_trips()
    {
        var back = ImageSnapshot.Read(ImageSnapshot.Write(MetadataImage.Empty));
        Assert.Equal(MetadataImage.Empty, back);
        Assert.True(back.IsEmpty);
        Assert.Null(back.Leader);
    }

    [Fact]
    public void An_image_without_records_keeps_its_offset_epoch_and_leader()
    {
        var image = MetadataImage.Empty with { Offset = 41, Epoch = 3, Leader = new LeaderAndEpoch(3001, 2) };
        Assert.Equal(image, ImageSnapshot.Read(ImageSnapshot.Write(image)));
    }

    [Fact]
    public void Unusual_states_round_trip()
    {
        var image = ReplayAll(
            Register(1, 0) with { Rack = null, IsMigratingZkBroker = true, InControlledShutdown = true, EndPoints = [] },
            Register(2, 1, fenced: false),
            new TopicRecord("empty", TopicId(1)),
            new TopicRecord("événements", TopicId(2)),
            new PartitionRecord(0, TopicId(2), [1, 2], [], PartitionChangeRecord.NoLeader, 7, 12),
            new PartitionRecord(5, TopicId(2), [2], [2], 2, int.MaxValue, int.MaxValue)) with { Leader = new LeaderAndEpoch(3000, 1) };
        AssertRoundTrips(image);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    [InlineData(1234)]
    public void A_random_image_round_trips(int seed)
    {
        var replayed = MetadataReplay.Replay(MetadataImage.Empty, new RandomLog(seed).Batches(400));
        Assert.True(replayed.IsOk, string.Join("; ", replayed.Errors));
        var image = replayed.Image with { Leader = new LeaderAndEpoch(3000 + seed % 3, Math.Max(0, replayed.Image.Epoch - 1)) };
        Assert.True(image.Topics.PartitionCount() > 0);
        AssertRoundTrips(image);
    }

    [Fact]
    public void The_records_are_the_logs_own_and_replay_to_the_same_image()
    {
        var image = MetadataReplay.Replay(MetadataImage.Empty, new RandomLog(99).Batches(400)).Image;
        var bytes = ImageSnapshot.Write(image);
        var records = ImageSnapshot.Records(bytes);
        Assert.Equal(image.Cluster.Brokers.Count, records.OfType<RegisterBrokerRecord>().Count());
        Assert.Equal(image.Topics.TopicsById.Count, records.OfType<TopicRecord>().Count());
        Assert.Equal(image.Topics.PartitionCount(), records.OfType<PartitionRecord>().Count());

        // Byte for byte what RecordCodec writes, each behind its length: the hand-written partition layout has not drifted.
        var body = records.SelectMany(r => { var e = RecordCodec.Encode(r); return BitConverter.GetBytes(e.Length).Concat(e); }).ToArray();
        Assert.True(bytes.AsSpan(bytes.Length - 8 - body.Length, body.Length).SequenceEqual(body));

        // Replay accepts every record and reaches the same brokers, topics and partition epochs.
        var replayed = MetadataReplay.Replay(MetadataImage.Empty, [new MetadataBatch(image.Offset, image.Epoch, records)]);
        Assert.True(replayed.IsOk, string.Join("; ", replayed.Errors));
        Assert.Equal(image, replayed.Image with { Leader = image.Leader });
    }

    [Fact]
    public void Truncated_snapshots_are_refused_wherever_they_are_cut()
    {
        var bytes = ImageSnapshot.Write(MetadataReplay.Replay(MetadataImage.Empty, new RandomLog(3).Batches(200)).Image);
        foreach (var length in new[] { 0, 1, 3, 4, 10, 50, 51, 52, 100, bytes.Length / 2, bytes.Length - 9, bytes.Length - 8, bytes.Length - 1 })
        {
            Assert.False(ImageSnapshot.TryRead(bytes[..length], out var image, out var code, out var error), $"cut at {length}");
            Assert.Null(image);
            Assert.Equal(SnapshotErrorCode.Truncated, code);
            Assert.Contains("truncated", error);
        }
        var ex = Assert.Throws<SnapshotFormatException>(() => ImageSnapshot.Read(bytes[..^1]));
        Assert.Equal(SnapshotErrorCode.Truncated, ex.Code);
    }

    [Fact]
    public void Foreign_bytes_and_other_versions_are_refused_by_name()
    {
        var bytes = ImageSnapshot.Write(MetadataReplay.Replay(MetadataImage.Empty, new RandomLog(4).Batches(50)).Image);

        var foreign = (byte[])bytes.Clone();
        foreign[0] ^= 0xFF;
        Assert.False(ImageSnapshot.TryRead(foreign, out _, out var code, out var error));
        Assert.Equal(SnapshotErrorCode.BadMagic, code);
        Assert.Contains("not a metadata image snapshot", error);

        var future = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(future.AsSpan(4), 99);
        Assert.False(ImageSnapshot.TryRead(future, out _, out code, out error));
        Assert.Equal(SnapshotErrorCode.UnsupportedVersion, code);
        Assert.Contains("unsupported snapshot version 99", error);

        Assert.False(ImageSnapshot.TryRead("{\"brokers\":[]}"u8.ToArray(), out _, out code, out _));
        Assert.Equal(SnapshotErrorCode.BadMagic, code);
    }

    [Fact]
    public void A_flipped_bit_anywhere_is_seen()
    {
        var bytes = ImageSnapshot.Write(MetadataReplay.Replay(MetadataImage.Empty, new RandomLog(5).Batches(100)).Image);
        // Past magic, version and length, whose damage has its own names.
        for (var i = 14; i < bytes.Length; i += 1 + i / 7)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= (byte)(1 << (i % 8));
            Assert.False(ImageSnapshot.TryRead(damaged, out _, out var code, out var error), $"bit flipped at byte {i}");
            Assert.Equal(SnapshotErrorCode.ChecksumMismatch, code);
            Assert.Contains("checksum", error);
        }
    }

    [Fact]
    public void A_well_sealed_snapshot_of_an_invalid_image_is_refused()
    {
        var image = ReplayAll(Register(1, 0), new TopicRecord("t1", TopicId(1)), new TopicRecord("t2", TopicId(2)),
            new PartitionRecord(0, TopicId(2), [1], [1], 1));
        var bytes = ImageSnapshot.Write(image);

        // Rename t2 to t1: a writer bug, not damage, so the checksum is right.
        var twice = (byte[])bytes.Clone();
        var at = twice.AsSpan().LastIndexOf("t2"u8);
        twice[at + 1] = (byte)'1';
        Reseal(twice);
        Assert.False(ImageSnapshot.TryRead(twice, out _, out var code, out var error));
        Assert.Equal(SnapshotErrorCode.InvalidImage, code);
        Assert.Contains("topic t1 appears twice", error);

        // Claim a partition more than the records hold: the snapshot ends early.
        var short_ = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(short_.AsSpan(43), 2);
        Reseal(short_);
        Assert.False(ImageSnapshot.TryRead(short_, out _, out code, out error));
        Assert.Equal(SnapshotErrorCode.Malformed, code);
        Assert.Contains("1 of 2 partitions", error);

        // The partition's leader (last id list entry before the epochs) becomes a broker outside its ISR.
        var badLeader = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(badLeader.AsSpan(badLeader.Length - 8 - 12), 7);
        Reseal(badLeader);
        Assert.False(ImageSnapshot.TryRead(badLeader, out _, out code, out error));
        Assert.Equal(SnapshotErrorCode.InvalidImage, code);
        Assert.Contains("leader 7 is not in ISR", error);
    }

    [Fact]
    public void Resealed_random_damage_is_always_an_answer_never_an_exception()
    {
        var bytes = ImageSnapshot.Write(MetadataReplay.Replay(MetadataImage.Empty, new RandomLog(6).Batches(200)).Image with
        {
            Leader = new LeaderAndEpoch(1, 1),
        });
        var random = new Random(6);
        var outcomes = new Dictionary<string, int>();
        for (var round = 0; round < 3000; round++)
        {
            var damaged = (byte[])bytes.Clone();
            for (var n = 1 + random.Next(3); n > 0; n--) damaged[14 + random.Next(damaged.Length - 22)] = (byte)random.Next(256);
            Reseal(damaged);
            var ok = ImageSnapshot.TryRead(damaged, out var image, out var code, out var error);
            Assert.Equal(ok, image is not null);
            Assert.Equal(ok, error == "");
            var outcome = ok ? "read" : code.ToString();
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine(string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
    }

    [Fact]
    public void A_large_image_round_trips()
    {
        // ACTORKAFKA_SNAPSHOT_PARTITIONS=1000000 for the full-size run (1000 topics of 1000 partitions).
        var partitions = int.TryParse(Environment.GetEnvironmentVariable("ACTORKAFKA_SNAPSHOT_PARTITIONS"), out var n) ? n : 100_000;
        var image = LargeImage(partitions, brokers: 6);
        Assert.Equal(partitions, image.Topics.PartitionCount());

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var bytes = ImageSnapshot.Write(image);
        var written = clock.Elapsed;
        clock.Restart();
        var back = ImageSnapshot.Read(bytes);
        var read = clock.Elapsed;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"{partitions} partitions: {bytes.Length:N0} bytes ({(double)bytes.Length / partitions:F1} per partition), "
            + $"write {written.TotalMilliseconds:F0} ms, read {read.TotalMilliseconds:F0} ms, "
            + $"retained by snapshot and image read {(after - before) / 1e6:F1} MB");

        clock.Restart();
        Assert.Equal(image, back);
        output.WriteLine($"equality check {clock.ElapsedMilliseconds} ms");
        GC.KeepAlive(bytes);
    }

    /// <summary>Topics of up to 1000 partitions, replication factor 3 over the brokers, some ISRs shrunk and epochs moved.</summary>
    private static MetadataImage LargeImage(int partitions, int brokers)
    {
        var delta = new MetadataDelta(MetadataImage.Empty);
        for (var b = 1; b <= brokers; b++) Check(delta.Replay(Register(b, b, fenced: b == brokers), b, 1));
        var offset = brokers + 1L;
        var perTopic = Math.Min(partitions, 1000);
        for (var t = 0; t * perTopic < partitions; t++)
        {
            Check(delta.Replay(new TopicRecord($"topic-{t:D4}", TopicId(t)), offset, 1));
            for (var p = 0; p < perTopic && t * perTopic + p < partitions; p++)
            {
                var i = t * perTopic + p;
                int[] replicas = [1 + i % brokers, 1 + (i + 1) % brokers, 1 + (i + 2) % brokers];
                var isr = i % 10 == 0 ? replicas[..2] : replicas;
                Check(delta.Replay(new PartitionRecord(p, TopicId(t), replicas, isr, isr[i % isr.Length], i % 7, i % 13), offset, 1));
            }
            offset++;
        }
        return delta.Image() with { Leader = new LeaderAndEpoch(3000, 1) };
    }

    private static void Check(ReplayError? error) => Assert.Null(error);

    private static void AssertRoundTrips(MetadataImage image)
    {
        var bytes = ImageSnapshot.Write(image);
        Assert.True(ImageSnapshot.TryRead(bytes, out var back, out var error), error);
        Assert.Equal(image, back);
        Assert.Equal(image.Offset, back.Offset);
        Assert.Equal(image.Epoch, back.Epoch);
        Assert.Equal(image.Leader, back.Leader);
        // Both name maps hold the same topic objects as the id maps, as replay's do.
        foreach (var topic in back.Topics.TopicsById.Values) Assert.Same(topic, back.Topics.TopicsByName[topic.Name]);
        // Equal images give equal bytes, so every node's snapshot of the same offset is the same.
        Assert.Equal(bytes, ImageSnapshot.Write(back));
    }

    private static void Reseal(byte[] bytes) =>
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), ImageSnapshot.Checksum(bytes.AsSpan(0, bytes.Length - 8)));
}
