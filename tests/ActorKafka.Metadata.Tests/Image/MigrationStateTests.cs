using System.Buffers.Binary;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using static ActorKafka.Metadata.Tests.Image.Records;

namespace ActorKafka.Metadata.Tests.Image;

/// <summary>KIP-866's persisted migration state: replay only moves it forward, and snapshots keep it.</summary>
public class MigrationStateTests
{
    private static MetadataImage At(ZkMigrationState state) =>
        ReplayAll(Register(1, 0), new TopicRecord("t", TopicId(1)), new PartitionRecord(0, TopicId(1), [1], [1], 1)) with { MigrationState = state };

    public static TheoryData<ZkMigrationState, ZkMigrationState> Legal => new()
    {
        { ZkMigrationState.None, ZkMigrationState.PreMigration },
        { ZkMigrationState.PreMigration, ZkMigrationState.Migration },
        { ZkMigrationState.Migration, ZkMigrationState.PostMigration },
        { ZkMigrationState.None, ZkMigrationState.None },
        { ZkMigrationState.PreMigration, ZkMigrationState.PreMigration },
        { ZkMigrationState.Migration, ZkMigrationState.Migration },
        { ZkMigrationState.PostMigration, ZkMigrationState.PostMigration },
    };

    public static TheoryData<ZkMigrationState, ZkMigrationState> Illegal => new()
    {
        { ZkMigrationState.None, ZkMigrationState.Migration },
        { ZkMigrationState.None, ZkMigrationState.PostMigration },
        { ZkMigrationState.PreMigration, ZkMigrationState.None },
        { ZkMigrationState.PreMigration, ZkMigrationState.PostMigration },
        { ZkMigrationState.Migration, ZkMigrationState.None },
        { ZkMigrationState.Migration, ZkMigrationState.PreMigration },
        { ZkMigrationState.PostMigration, ZkMigrationState.None },
        { ZkMigrationState.PostMigration, ZkMigrationState.PreMigration },
        { ZkMigrationState.PostMigration, ZkMigrationState.Migration },
    };

    [Fact]
    public void An_image_starts_in_no_migration()
    {
        Assert.Equal(ZkMigrationState.None, MetadataImage.Empty.MigrationState);
        Assert.Equal(ZkMigrationState.None, ReplayAll(Register(1, 0)).MigrationState);
    }

    [Theory]
    [MemberData(nameof(Legal))]
    public void A_legal_transition_moves_the_state_and_the_offset(ZkMigrationState from, ZkMigrationState to)
    {
        var image = At(from);
        var result = MetadataReplay.Apply(image, new ZkMigrationStateRecord(to), image.Offset + 1, 1);
        Assert.True(result.IsOk, string.Join("; ", result.Errors));
        Assert.Equal(to, result.Image.MigrationState);
        Assert.Equal(image.Offset + 1, result.Image.Offset);
        // Nothing else changes.
        Assert.Equal(image with { Offset = image.Offset + 1, MigrationState = to }, result.Image);
    }

    [Theory]
    [MemberData(nameof(Illegal))]
    public void An_illegal_transition_is_a_replay_error_and_leaves_the_image_unchanged(ZkMigrationState from, ZkMigrationState to)
    {
        var image = At(from);
        var record = new ZkMigrationStateRecord(to);
        var result = MetadataReplay.Apply(image, record, image.Offset + 1, 1);
        Assert.False(result.IsOk);
        Assert.Equal(ReplayErrorCode.IllegalMigrationTransition, result.Error!.Code);
        Assert.Equal(image.Offset + 1, result.Error.Offset);
        Assert.Same(record, result.Error.Record);
        Assert.Contains($"from {from} to {to}", result.Error.Message);
        Assert.Equal(image, result.Image);
    }

    [Fact]
    public void The_whole_migration_replays_in_one_log_and_a_skipped_step_is_rejected_in_a_batch()
    {
        var image = ReplayAll(
            new ZkMigrationStateRecord(ZkMigrationState.PreMigration),
            new TopicRecord("t", TopicId(1)),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
            new ZkMigrationStateRecord(ZkMigrationState.PostMigration));
        Assert.Equal(ZkMigrationState.PostMigration, image.MigrationState);

        // A batch that jumps a step keeps its other records; the state stays where it was.
        var result = MetadataReplay.Apply(MetadataImage.Empty, new MetadataBatch(0, 1,
            [new ZkMigrationStateRecord(ZkMigrationState.Migration), new TopicRecord("t", TopicId(1))]));
        Assert.Equal([ReplayErrorCode.IllegalMigrationTransition], result.Errors.Select(e => e.Code));
        Assert.Equal(ZkMigrationState.None, result.Image.MigrationState);
        Assert.NotNull(result.Image.Topics.Topic("t"));
    }

    [Fact]
    public void Images_that_differ_only_in_migration_state_are_not_equal()
    {
        Assert.NotEqual(At(ZkMigrationState.None), At(ZkMigrationState.PreMigration));
        Assert.Equal(At(ZkMigrationState.Migration), At(ZkMigrationState.Migration));
    }

    [Theory]
    [InlineData(ZkMigrationState.None)]
    [InlineData(ZkMigrationState.PreMigration)]
    [InlineData(ZkMigrationState.Migration)]
    [InlineData(ZkMigrationState.PostMigration)]
    public void A_snapshot_keeps_the_migration_state(ZkMigrationState state)
    {
        var image = At(state) with { Leader = new LeaderAndEpoch(3000, 1) };
        var bytes = ImageSnapshot.Write(image);
        Assert.True(ImageSnapshot.TryRead(bytes, out var back, out var error), error);
        Assert.Equal(state, back.MigrationState);
        Assert.Equal(image, back);
        Assert.Equal(bytes, ImageSnapshot.Write(back));

        // The state is the first record, in the log's encoding; None is left out (it is what its absence reads as).
        var records = ImageSnapshot.Records(bytes);
        if (state == ZkMigrationState.None) Assert.Empty(records.OfType<ZkMigrationStateRecord>());
        else Assert.Equal(new ZkMigrationStateRecord(state), records[0]);
    }

    [Fact]
    public void A_version_1_snapshot_still_reads_as_an_image_without_migration()
    {
        var image = At(ZkMigrationState.None);
        var bytes = ImageSnapshot.Write(image);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(4), 1);
        Reseal(bytes);
        Assert.True(ImageSnapshot.TryRead(bytes, out var back, out var error), error);
        Assert.Equal(image, back);
    }

    [Fact]
    public void A_version_1_snapshot_cannot_hold_a_migration_state()
    {
        var bytes = ImageSnapshot.Write(At(ZkMigrationState.Migration));
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(4), 1);
        Reseal(bytes);
        Assert.False(ImageSnapshot.TryRead(bytes, out _, out var code, out var error));
        Assert.Equal(SnapshotErrorCode.Malformed, code);
        Assert.Contains("version 1 snapshot holds no migration state", error);
    }

    [Fact]
    public void A_migration_state_after_the_brokers_or_twice_is_malformed()
    {
        // Header of 47 bytes, then the migration record (length 5), then the broker record: swap the two.
        var bytes = ImageSnapshot.Write(ReplayAll(Register(1, 0)) with { MigrationState = ZkMigrationState.PreMigration });
        const int Body = 4 + 2 + 8 + 8 + 4 + 1 + 4 + 4 + 4 + 4 + 8;
        var migration = bytes.AsSpan(Body, 9).ToArray();
        var broker = bytes.AsSpan(Body + 9, bytes.Length - 8 - Body - 9).ToArray();
        var swapped = (byte[])bytes.Clone();
        broker.CopyTo(swapped.AsSpan(Body));
        migration.CopyTo(swapped.AsSpan(Body + broker.Length));
        Reseal(swapped);
        Assert.False(ImageSnapshot.TryRead(swapped, out _, out var code, out var error));
        Assert.Equal(SnapshotErrorCode.Malformed, code);
        Assert.Contains("the migration state comes once, before the brokers and topics", error);

        var twice = (byte[])bytes.Clone();
        migration.CopyTo(twice.AsSpan(Body + 9));
        Reseal(twice);
        Assert.False(ImageSnapshot.TryRead(twice, out _, out code, out error));
        Assert.Equal(SnapshotErrorCode.Malformed, code);
    }

    private static void Reseal(byte[] bytes) =>
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), ImageSnapshot.Checksum(bytes.AsSpan(0, bytes.Length - 8)));
}
