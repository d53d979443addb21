using ActorKafka.Metadata.Records;
using static ActorKafka.Metadata.Tests.Image.Records;

namespace ActorKafka.Metadata.Tests.Image;

public class RecordCodecTests
{
    public static IEnumerable<object[]> Every() =>
        new MetadataRecord[]
        {
            Register(3, 42),
            new RegisterBrokerRecord(4, Guid.NewGuid(), 7, [], null, Fenced: false, InControlledShutdown: true, IsMigratingZkBroker: true),
            new UnregisterBrokerRecord(3, 42),
            new TopicRecord("orders-é", TopicId(1)),
            new PartitionRecord(2, TopicId(1), [1, 2, 3], [1, 3], 3, 5, 9),
            new PartitionChangeRecord(2, TopicId(1)),
            new PartitionChangeRecord(2, TopicId(1), Isr: [], Leader: PartitionChangeRecord.NoLeader, Replicas: [4, 5]),
            new FenceBrokerRecord(1, 2),
            new UnfenceBrokerRecord(1, 2),
            new RemoveTopicRecord(TopicId(1)),
            new BrokerRegistrationChangeRecord(1, 2),
            new BrokerRegistrationChangeRecord(1, 2, Fenced: true, InControlledShutdown: true),
            new BrokerRegistrationChangeRecord(1, 2, Fenced: false),
            new NoOpRecord(),
            new ZkMigrationStateRecord(ZkMigrationState.None),
            new ZkMigrationStateRecord(ZkMigrationState.PreMigration),
            new ZkMigrationStateRecord(ZkMigrationState.Migration),
            new ZkMigrationStateRecord(ZkMigrationState.PostMigration),
            new LeaderChangeRecord(3000, [3000, 3001, 3002]),
        }.Select(r => new object[] { r });

    [Theory]
    [MemberData(nameof(Every))]
    public void Every_record_round_trips(MetadataRecord record)
    {
        var bytes = RecordCodec.Encode(record);
        Assert.Equal(record, RecordCodec.Decode(bytes));
        Assert.Equal(record.IsControl ? 1 : 0, bytes[0]);
        Assert.Equal(record.TypeId, BitConverter.ToInt16(bytes, 1));
    }

    [Fact]
    public void Records_carry_kafkas_type_ids()
    {
        Assert.Equal(
            new short[] { 0, 1, 2, 3, 5, 7, 8, 9, 17, 20, 21, 2 },
            new MetadataRecord[]
            {
                Register(1, 0), new UnregisterBrokerRecord(1, 0), new TopicRecord("t", TopicId(1)), new PartitionRecord(0, TopicId(1), [1], [1], 1),
                new PartitionChangeRecord(0, TopicId(1)), new FenceBrokerRecord(1, 0), new UnfenceBrokerRecord(1, 0), new RemoveTopicRecord(TopicId(1)),
                new BrokerRegistrationChangeRecord(1, 0), new NoOpRecord(), new ZkMigrationStateRecord(ZkMigrationState.Migration),
                new LeaderChangeRecord(1, [1]),
            }.Select(r => r.TypeId));
    }

    [Fact]
    public void Malformed_bytes_are_an_answer_not_an_exception()
    {
        var bytes = RecordCodec.Encode(new PartitionRecord(2, TopicId(1), [1, 2, 3], [1, 3], 3));
        for (var length = 0; length < bytes.Length; length++)
            Assert.False(RecordCodec.TryDecode(bytes.AsSpan(0, length), out _, out var error), $"length {length}: {error}");
        Assert.False(RecordCodec.TryDecode([.. bytes, 0], out _, out var trailing));
        Assert.Contains("trailing", trailing);
        Assert.False(RecordCodec.TryDecode([0, 99, 0, 0], out _, out var unknown));
        Assert.Contains("unknown", unknown);
        Assert.True(RecordCodec.TryDecode(bytes, out var record, out _));
        Assert.IsType<PartitionRecord>(record);
    }

    [Fact]
    public void A_migration_state_record_carries_kafkas_state_id_and_an_unknown_state_does_not_decode()
    {
        var bytes = RecordCodec.Encode(new ZkMigrationStateRecord(ZkMigrationState.PreMigration));
        Assert.Equal(new byte[] { 0, 21, 0, 0, 3 }, bytes);
        bytes[^1] = 4;
        Assert.False(RecordCodec.TryDecode(bytes, out var record, out var error));
        Assert.Null(record);
        Assert.Contains("unknown migration state 4", error);
    }

    [Fact]
    public void The_raft_logs_own_leader_change_payload_reads_as_a_leader_change_record()
    {
        var payload = new byte[12];
        BitConverter.TryWriteBytes(payload.AsSpan(0, 4), 2);
        BitConverter.TryWriteBytes(payload.AsSpan(4, 4), 1);
        BitConverter.TryWriteBytes(payload.AsSpan(8, 4), 2);
        Assert.True(RecordCodec.TryDecodeRaftLeaderChange(payload, out var record));
        Assert.Equal(new LeaderChangeRecord(2, [1, 2]), record);
        Assert.False(RecordCodec.TryDecodeRaftLeaderChange(payload.AsSpan(0, 5), out _));
    }
}
