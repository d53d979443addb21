using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.InteropServices;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>
/// The Raft snapshot payload of the metadata log: a <see cref="MetadataImage"/> as the records
/// that rebuild it, as in Kafka's snapshots. The migration state as a ZkMigrationStateRecord when
/// it is not None, a RegisterBroker per broker (with its fenced and controlled-shutdown state),
/// then per topic its TopicRecord followed by a PartitionRecord per partition (with its current
/// epochs), each in the log's own encoding (<see cref="RecordCodec"/>).
/// <para>
/// Layout, little-endian: header (magic, version, total length, image offset and epoch, the Raft
/// leader if known, and the broker, topic and partition counts, so a cut at a record boundary is
/// seen), then the records, each prefixed by its length, then a checksum of everything before it
/// (Kafka's record batches carry a CRC for the same reason: a flipped bit must not become an epoch).
/// </para>
/// <para>
/// Reading builds the image directly rather than replaying the records through
/// <see cref="MetadataDelta"/>: the result is the same (the tests check it), but at a million
/// partitions replay's per-record checks and copies cost seconds. The checks that keep the image
/// valid (unique ids, partition state invariants) are still made. The migration state is taken as
/// written, not checked as a transition: a snapshot states where the migration stands, not how it got there.
/// </para>
/// <para>
/// Version 2 added the migration state record; version 1 snapshots (which cannot hold one) still
/// read, as images in the None state.
/// </para>
/// </summary>
public static class ImageSnapshot
{
    private const uint Magic = 0x53494B41; // "AKIS" read little-endian: ActorKafka image snapshot
    private const short Version = 2;
    private const short FirstVersionWithMigrationState = 2;
    private const short OldestReadableVersion = 1;
    private const int HeaderSize = 4 + 2 + 8 + 8 + 4 + 1 + 4 + 4 + 4 + 4 + 8;
    private const int TrailerSize = 8;

    // The PartitionRecord encoding of RecordCodec, written and read here without a record object
    // per partition. The tests decode these bytes with RecordCodec, so the two cannot drift apart.
    private const byte MetadataFrame = 0;
    private const byte PartitionRecordVersion = 0;
    private const int PartitionFixedSize = 1 + 2 + 1 + 4 + 16 + 4 + 4 + 4 + 4 + 4;

    public static byte[] Write(MetadataImage image)
    {
        // None is what a snapshot without the record reads as, so it is left out.
        var migration = image.MigrationState == ZkMigrationState.None ? null : RecordCodec.Encode(new ZkMigrationStateRecord(image.MigrationState));
        var brokers = image.Cluster.Brokers.Values.Select(b => RecordCodec.Encode(ToRecord(b))).ToArray();
        // By name, so that equal images give equal bytes on every node.
        var topics = image.Topics.TopicsById.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        var topicRecords = topics.Select(t => RecordCodec.Encode(new TopicRecord(t.Name, t.Id))).ToArray();

        // Sized exactly up front: one allocation, no copy, even at a million partitions.
        long size = HeaderSize + TrailerSize + (migration is null ? 0 : 4 + migration.Length), partitions = 0;
        foreach (var b in brokers) size += 4 + b.Length;
        foreach (var t in topicRecords) size += 4 + t.Length;
        foreach (var topic in topics)
        {
            foreach (var (_, p) in topic.Partitions) size += 4 + PartitionFixedSize + 4L * (p.Replicas.Count + p.Isr.Count);
            partitions += topic.Partitions.Count;
        }
        if (size > Array.MaxLength) throw new InvalidOperationException($"an image of {partitions} partitions needs {size} bytes, more than one snapshot holds");

        var data = new byte[size];
        var w = new SpanWriter(data);
        w.UInt32(Magic); w.Int16(Version); w.Int64(size);
        w.Int64(image.Offset); w.Int32(image.Epoch);
        w.Byte(image.Leader is null ? (byte)0 : (byte)1); w.Int32(image.Leader?.LeaderId ?? -1); w.Int32(image.Leader?.Epoch ?? -1);
        w.Int32(brokers.Length); w.Int32(topics.Length); w.Int64(partitions);
        if (migration is not null) w.Record(migration);
        foreach (var b in brokers) w.Record(b);
        for (var i = 0; i < topics.Length; i++)
        {
            w.Record(topicRecords[i]);
            foreach (var (id, p) in topics[i].Partitions) w.Partition(id, topics[i].Id, p);
        }
        w.UInt64(Checksum(data.AsSpan(0, data.Length - TrailerSize)));
        return data;
    }

    /// <exception cref="SnapshotFormatException">The bytes are not a snapshot this codec wrote, or one that was damaged.</exception>
    public static MetadataImage Read(ReadOnlySpan<byte> data)
    {
        var loader = new Loader(ReadHeader(data));
        var body = data[HeaderSize..^TrailerSize];
        var index = 0L;
        while (!body.IsEmpty)
        {
            var record = NextRecord(ref body, index);
            try
            {
                loader.Add(record, index);
            }
            catch (FormatException e) when (e is not SnapshotFormatException)
            {
                throw Malformed($"record {index}: {e.Message}");
            }
            index++;
        }
        return loader.Image();
    }

    /// <summary>Reads a snapshot; a damaged or foreign one is an answer (false and why), never an exception.</summary>
    public static bool TryRead(byte[] data, [NotNullWhen(true)] out MetadataImage? image, out string error) =>
        TryRead(data, out image, out _, out error);

    /// <summary>As <see cref="TryRead(byte[], out MetadataImage?, out string)"/>, with the kind of damage.</summary>
    public static bool TryRead(byte[] data, [NotNullWhen(true)] out MetadataImage? image, out SnapshotErrorCode code, out string error)
    {
        try
        {
            image = Read(data);
            code = default;
            error = "";
            return true;
        }
        catch (SnapshotFormatException e)
        {
            (image, code, error) = (null, e.Code, e.Message);
            return false;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            // Not expected: every check above throws a SnapshotFormatException; kept so that nothing escapes.
            (image, code, error) = (null, SnapshotErrorCode.Malformed, $"malformed snapshot: {e.Message}");
            return false;
        }
    }

    /// <summary>The records the snapshot holds, each decoded by the log's codec: for tools and tests, slower than <see cref="Read"/>.</summary>
    internal static List<MetadataRecord> Records(ReadOnlySpan<byte> data)
    {
        _ = ReadHeader(data);
        var body = data[HeaderSize..^TrailerSize];
        var records = new List<MetadataRecord>();
        while (!body.IsEmpty) records.Add(RecordCodec.Decode(NextRecord(ref body, records.Count)));
        return records;
    }

    /// <summary>
    /// A 64-bit checksum: every step is a bijection of the state, so any one damaged word always
    /// changes the result. Hand-rolled because the BCL has no CRC64 or xxHash without a package.
    /// </summary>
    internal static ulong Checksum(ReadOnlySpan<byte> data)
    {
        const ulong Prime = 0x9E3779B97F4A7C15;
        var hash = (ulong)data.Length * Prime;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var raw in words)
        {
            var word = BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
            hash = BitOperations.RotateLeft((hash ^ word) * Prime, 31);
        }
        ulong tail = 0;
        var rest = data[(words.Length * 8)..];
        for (var i = 0; i < rest.Length; i++) tail |= (ulong)rest[i] << (8 * i);
        hash = BitOperations.RotateLeft((hash ^ tail) * Prime, 31);
        hash ^= hash >> 33; hash *= 0xFF51AFD7ED558CCD; hash ^= hash >> 33; hash *= 0xC4CEB9FE1A85EC53; hash ^= hash >> 33;
        return hash;
    }

    private static RegisterBrokerRecord ToRecord(BrokerRegistration b) =>
        new(b.Id, b.IncarnationId, b.Epoch, b.EndPoints, b.Rack, b.Fenced, b.InControlledShutdown, b.IsMigratingZkBroker);

    private sealed record Header(short Version, long Offset, int Epoch, LeaderAndEpoch? Leader, int Brokers, int Topics, long Partitions);

    /// <summary>Checks, in this order, that the bytes are a snapshot, of this version, whole, and undamaged.</summary>
    private static Header ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4) throw new SnapshotFormatException(SnapshotErrorCode.Truncated, $"snapshot truncated: {data.Length} bytes, not even a header");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (magic != Magic) throw new SnapshotFormatException(SnapshotErrorCode.BadMagic, $"not a metadata image snapshot: magic 0x{magic:X8}, expected 0x{Magic:X8}");
        if (data.Length < HeaderSize)
            throw new SnapshotFormatException(SnapshotErrorCode.Truncated, $"snapshot truncated: {data.Length} bytes, the header alone is {HeaderSize}");
        var version = BinaryPrimitives.ReadInt16LittleEndian(data[4..]);
        if (version is < OldestReadableVersion or > Version)
            throw new SnapshotFormatException(SnapshotErrorCode.UnsupportedVersion,
                $"unsupported snapshot version {version}, this node reads versions {OldestReadableVersion} to {Version}");
        var length = BinaryPrimitives.ReadInt64LittleEndian(data[6..]);
        if (length > data.Length)
            throw new SnapshotFormatException(SnapshotErrorCode.Truncated, $"snapshot truncated: {data.Length} of its {length} bytes");
        if (length != data.Length)
            throw Malformed($"snapshot of {data.Length} bytes says it has {length}");
        var expected = BinaryPrimitives.ReadUInt64LittleEndian(data[^TrailerSize..]);
        var actual = Checksum(data[..^TrailerSize]);
        if (expected != actual)
            throw new SnapshotFormatException(SnapshotErrorCode.ChecksumMismatch, $"snapshot damaged: checksum 0x{actual:X16}, expected 0x{expected:X16}");

        var h = data[14..];
        var offset = BinaryPrimitives.ReadInt64LittleEndian(h);
        var epoch = BinaryPrimitives.ReadInt32LittleEndian(h[8..]);
        LeaderAndEpoch? leader = h[12] switch
        {
            0 => null,
            1 => new LeaderAndEpoch(BinaryPrimitives.ReadInt32LittleEndian(h[13..]), BinaryPrimitives.ReadInt32LittleEndian(h[17..])),
            var b => throw Malformed($"bad leader flag {b}"),
        };
        var brokers = BinaryPrimitives.ReadInt32LittleEndian(h[21..]);
        var topics = BinaryPrimitives.ReadInt32LittleEndian(h[25..]);
        var partitions = BinaryPrimitives.ReadInt64LittleEndian(h[29..]);
        if (brokers < 0 || topics < 0 || partitions < 0) throw Malformed($"bad counts: {brokers} brokers, {topics} topics, {partitions} partitions");
        return new Header(version, offset, epoch, leader, brokers, topics, partitions);
    }

    private static ReadOnlySpan<byte> NextRecord(ref ReadOnlySpan<byte> body, long index)
    {
        if (body.Length < 4) throw Malformed($"record {index}: {body.Length} bytes left, no room for its length");
        var length = BinaryPrimitives.ReadInt32LittleEndian(body);
        if (length < 4 || length > body.Length - 4) throw Malformed($"record {index}: bad length {length} with {body.Length - 4} bytes left");
        var record = body.Slice(4, length);
        body = body[(4 + length)..];
        return record;
    }

    private static SnapshotFormatException Malformed(string message) => new(SnapshotErrorCode.Malformed, $"malformed snapshot: {message}");

    private static SnapshotFormatException Invalid(string message) => new(SnapshotErrorCode.InvalidImage, $"snapshot holds an invalid image: {message}");

    /// <summary>Builds the image from the records in one pass, with builders; checks what replay would.</summary>
    private sealed class Loader(Header header)
    {
        private readonly ImmutableSortedDictionary<int, BrokerRegistration>.Builder _brokers = ClusterImage.Empty.Brokers.ToBuilder();
        // Capacities from the header, bounded: the counts are only checked against the records at the end.
        private readonly List<PendingTopic> _topics = new(Math.Min(header.Topics, 1 << 16));
        private readonly Dictionary<Guid, PendingTopic> _topicsById = new(Math.Min(header.Topics, 1 << 16));
        private readonly HashSet<string> _names = new(Math.Min(header.Topics, 1 << 16), StringComparer.Ordinal);
        private readonly IdListInterner _ids = new();
        private readonly Dictionary<(int Replicas, int Isr, int Leader), string?> _validity = new();
        private PendingTopic? _current;
        private long _partitions;
        private ZkMigrationState? _migrationState;

        public void Add(ReadOnlySpan<byte> record, long index)
        {
            if (record[0] == MetadataFrame && BinaryPrimitives.ReadInt16LittleEndian(record[1..]) == (short)MetadataRecordType.Partition)
            {
                AddPartition(record);
                return;
            }
            switch (RecordCodec.Decode(record))
            {
                case ZkMigrationStateRecord r:
                    if (header.Version < FirstVersionWithMigrationState) throw Malformed($"record {index}: a version {header.Version} snapshot holds no migration state");
                    if (_migrationState is not null || _brokers.Count > 0 || _topics.Count > 0)
                        throw Malformed($"record {index}: the migration state comes once, before the brokers and topics");
                    _migrationState = r.State;
                    break;
                case RegisterBrokerRecord r:
                    if (_topics.Count > 0) throw Malformed($"record {index}: broker {r.BrokerId} after the topics");
                    if (_brokers.Count == header.Brokers) throw Malformed($"record {index}: more than the {header.Brokers} brokers the header counts");
                    if (_brokers.ContainsKey(r.BrokerId)) throw Invalid($"broker {r.BrokerId} registered twice");
                    _brokers.Add(r.BrokerId, BrokerRegistration.From(r));
                    break;
                case TopicRecord r:
                    if (_topics.Count == header.Topics) throw Malformed($"record {index}: more than the {header.Topics} topics the header counts");
                    if (!_names.Add(r.Name)) throw Invalid($"topic {r.Name} appears twice");
                    _current = new PendingTopic(r.Name, r.TopicId);
                    if (!_topicsById.TryAdd(r.TopicId, _current)) throw Invalid($"topic id {r.TopicId} belongs to {_topicsById[r.TopicId].Name} and {r.Name}");
                    _topics.Add(_current);
                    break;
                case var r:
                    throw Malformed($"record {index}: a snapshot holds no {r.GetType().Name}");
            }
        }

        private void AddPartition(ReadOnlySpan<byte> bytes)
        {
            var r = new RecordReader(bytes[3..]);
            if (r.Byte() != PartitionRecordVersion) throw new FormatException($"unknown PartitionRecord version {bytes[3]}");
            var partitionId = r.Int32();
            var topicId = r.Uuid();
            var (replicas, replicasKey) = _ids.Read(ref r, bytes.Length);
            var (isr, isrKey) = _ids.Read(ref r, bytes.Length);
            var leader = r.Int32();
            var leaderEpoch = r.Int32();
            var partitionEpoch = r.Int32();
            if (!r.AtEnd) throw new FormatException("trailing bytes after a PartitionRecord");

            if (++_partitions > header.Partitions) throw Malformed($"more than the {header.Partitions} partitions the header counts");
            var topic = _current is not null && _current.Id == topicId ? _current
                : _topicsById.GetValueOrDefault(topicId) ?? throw Invalid($"partition {partitionId} of unknown topic id {topicId}");
            if (partitionId < 0) throw Invalid($"bad partition id {partitionId} in topic {topic.Name}");
            // Partitions come in ascending order from Write, so the duplicate check is usually a comparison.
            if (partitionId <= topic.LastPartition && topic.Partitions.ContainsKey(partitionId))
                throw Invalid($"partition {partitionId} of topic {topic.Name} appears twice");
            topic.LastPartition = Math.Max(topic.LastPartition, partitionId);

            var registration = new PartitionRegistration(replicas, isr, leader, leaderEpoch, partitionEpoch);
            if (Invalidity(registration, replicasKey, isrKey) is { } why) throw Invalid($"partition {partitionId} of topic {topic.Name}: {why}");
            topic.Partitions.Add(partitionId, registration);
        }

        // PartitionRegistration.Invalidity is the rule, but costs two LINQ passes per partition. With
        // interned lists it is computed once per (replicas, ISR, leader) at epoch 0, and again in full
        // only when an epoch is negative, the one check that depends on the epochs.
        private string? Invalidity(PartitionRegistration p, int replicasKey, int isrKey)
        {
            if (p.LeaderEpoch < 0 || p.PartitionEpoch < 0 || replicasKey < 0 || isrKey < 0) return p.Invalidity();
            var key = (replicasKey, isrKey, p.Leader);
            if (!_validity.TryGetValue(key, out var why))
            {
                why = (p with { LeaderEpoch = 0, PartitionEpoch = 0 }).Invalidity();
                _validity[key] = why;
            }
            return why;
        }

        public MetadataImage Image()
        {
            if (_brokers.Count != header.Brokers || _topics.Count != header.Topics || _partitions != header.Partitions)
                throw Malformed($"records end early: {_brokers.Count} of {header.Brokers} brokers, {_topics.Count} of {header.Topics} topics, "
                    + $"{_partitions} of {header.Partitions} partitions");
            var byId = TopicsImage.Empty.TopicsById.ToBuilder();
            var byName = TopicsImage.Empty.TopicsByName.ToBuilder();
            foreach (var pending in _topics)
            {
                var topic = new TopicImage(pending.Name, pending.Id, pending.Partitions.ToImmutable());
                byId.Add(topic.Id, topic);
                byName.Add(topic.Name, topic);
            }
            return new MetadataImage(header.Offset, header.Epoch, header.Leader, new ClusterImage(_brokers.ToImmutable()),
                new TopicsImage(byId.ToImmutable(), byName.ToImmutable())) { MigrationState = _migrationState ?? ZkMigrationState.None };
        }
    }

    private sealed class PendingTopic(string name, Guid id)
    {
        public string Name { get; } = name;
        public Guid Id { get; } = id;
        public ImmutableSortedDictionary<int, PartitionRegistration>.Builder Partitions { get; } =
            ImmutableSortedDictionary<int, PartitionRegistration>.Empty.ToBuilder();
        public int LastPartition { get; set; } = -1;
    }

    /// <summary>
    /// Shares one <see cref="BrokerIdList"/> between the partitions with the same replicas or ISR:
    /// a cluster of a few brokers has few distinct lists, so a million partitions hold a few
    /// hundred arrays instead of two million. Each list gets a key, for the validity cache.
    /// </summary>
    private sealed class IdListInterner
    {
        // Past this many distinct lists, sharing saves little; stop growing the table.
        private const int MaxLists = 1 << 16;
        private readonly Dictionary<BrokerIdList, int> _lists;
        private readonly Dictionary<BrokerIdList, int>.AlternateLookup<ReadOnlySpan<int>> _bySpan;

        public IdListInterner()
        {
            _lists = new Dictionary<BrokerIdList, int>(IdListComparer.Instance);
            _bySpan = _lists.GetAlternateLookup<ReadOnlySpan<int>>();
        }

        public (BrokerIdList List, int Key) Read(ref RecordReader r, int recordLength)
        {
            var count = r.Int32();
            if (count < 0 || count > recordLength / 4) throw new FormatException($"bad id count {count}");
            Span<int> ids = count <= 64 ? stackalloc int[count] : new int[count];
            for (var i = 0; i < count; i++) ids[i] = r.Int32();
            if (_bySpan.TryGetValue(ids, out var list, out var key)) return (list, key);
            list = BrokerIdList.Create(ids);
            if (_lists.Count >= MaxLists) return (list, -1);
            key = _lists.Count;
            _lists.Add(list, key);
            return (list, key);
        }
    }

    private sealed class IdListComparer : IEqualityComparer<BrokerIdList>, IAlternateEqualityComparer<ReadOnlySpan<int>, BrokerIdList>
    {
        public static readonly IdListComparer Instance = new();

        public bool Equals(BrokerIdList x, BrokerIdList y) => x.Equals(y);

        public int GetHashCode(BrokerIdList list)
        {
            var hash = new HashCode();
            foreach (var id in list) hash.Add(id);
            return hash.ToHashCode();
        }

        public bool Equals(ReadOnlySpan<int> ids, BrokerIdList list)
        {
            if (ids.Length != list.Count) return false;
            for (var i = 0; i < ids.Length; i++)
            {
                if (ids[i] != list[i]) return false;
            }
            return true;
        }

        public int GetHashCode(ReadOnlySpan<int> ids)
        {
            var hash = new HashCode();
            foreach (var id in ids) hash.Add(id);
            return hash.ToHashCode();
        }

        public BrokerIdList Create(ReadOnlySpan<int> ids) => BrokerIdList.Create(ids);
    }

    /// <summary>Writes into the exactly sized snapshot array.</summary>
    private ref struct SpanWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _position;

        public void Byte(byte value) => _buffer[_position++] = value;

        public void Int16(short value) { BinaryPrimitives.WriteInt16LittleEndian(_buffer[_position..], value); _position += 2; }

        public void Int32(int value) { BinaryPrimitives.WriteInt32LittleEndian(_buffer[_position..], value); _position += 4; }

        public void UInt32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_position..], value); _position += 4; }

        public void Int64(long value) { BinaryPrimitives.WriteInt64LittleEndian(_buffer[_position..], value); _position += 8; }

        public void UInt64(ulong value) { BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_position..], value); _position += 8; }

        public void Record(byte[] encoded)
        {
            Int32(encoded.Length);
            encoded.CopyTo(_buffer[_position..]);
            _position += encoded.Length;
        }

        /// <summary>A PartitionRecord exactly as <see cref="RecordCodec.Encode"/> lays it out, with its length first.</summary>
        public void Partition(int partitionId, Guid topicId, PartitionRegistration p)
        {
            Int32(PartitionFixedSize + 4 * (p.Replicas.Count + p.Isr.Count));
            Byte(MetadataFrame); Int16((short)MetadataRecordType.Partition); Byte(PartitionRecordVersion);
            Int32(partitionId);
            topicId.TryWriteBytes(_buffer[_position..]);
            _position += 16;
            Ids(p.Replicas); Ids(p.Isr);
            Int32(p.Leader); Int32(p.LeaderEpoch); Int32(p.PartitionEpoch);
        }

        private void Ids(BrokerIdList ids)
        {
            Int32(ids.Count);
            foreach (var id in ids) Int32(id);
        }
    }
}

/// <summary>What is wrong with bytes that were meant to be a snapshot.</summary>
public enum SnapshotErrorCode
{
    /// <summary>Shorter than the header says: a partial write or transfer.</summary>
    Truncated,
    /// <summary>Not a metadata image snapshot at all.</summary>
    BadMagic,
    /// <summary>A snapshot of a version this node cannot read.</summary>
    UnsupportedVersion,
    /// <summary>Whole, but some bytes changed.</summary>
    ChecksumMismatch,
    /// <summary>Undamaged, but not laid out as a snapshot is.</summary>
    Malformed,
    /// <summary>Well formed, but the image it describes breaks a rule replay enforces (duplicate ids, bad partition state).</summary>
    InvalidImage,
}

public sealed class SnapshotFormatException(SnapshotErrorCode code, string message) : FormatException(message)
{
    public SnapshotErrorCode Code { get; } = code;
}
