using System.Buffers.Text;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Controller.Migration;

/// <summary>One topic as the store holds it: its znode and each partition's state znode (null when it has none yet).</summary>
public sealed record ZkTopicData(string Name, TopicZNode Topic, IReadOnlyDictionary<int, LeaderAndIsr?> States);

/// <summary>
/// The batch that copies the zk metadata into the log, ending with ZkMigrationStateRecord(Migration).
/// Problems: partitions whose state had to be repaired to be valid in KRaft, and topics left out.
/// </summary>
public sealed record ZkMigrationBatch(IReadOnlyList<MetadataRecord> Records, int Topics, int Partitions, IReadOnlyList<string> Problems);

/// <summary>
/// Kafka's ZkMigrationClient.readAllMetadata as a pure translation: zk topics and partition
/// states -> TopicRecord and PartitionRecords. Topics the image already has are skipped (a copy
/// retried after its commit went unanswered must not add them twice).
/// </summary>
public static class ZkMetadataMigration
{
    public static ZkMigrationBatch Translate(IReadOnlyList<ZkTopicData> topics, MetadataImage image, Func<Guid> newTopicId)
    {
        var records = new List<MetadataRecord>();
        var problems = new List<string>();
        var ids = new HashSet<Guid>(image.Topics.TopicsById.Keys);
        var topicCount = 0;
        var partitionCount = 0;
        foreach (var topic in topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (image.Topics.Topic(topic.Name) is { } copied)
            {
                // An earlier copy committed part of this topic before a failover: add only what it lacks.
                foreach (var (partition, replicas) in topic.Topic.Partitions.OrderBy(p => p.Key))
                {
                        if (copied.Partition(partition) is not null) continue;
                    topic.States.TryGetValue(partition, out var state);
                    records.Add(PartitionRecordFor(new TopicPartition(topic.Name, partition), copied.Id, replicas, state, problems));
                    partitionCount++;
                }
                continue;
            }
            var id = ParseTopicId(topic.Topic.TopicId);
            if (id is null || !ids.Add(id.Value))
            {
                // Kafka gives a topic without a usable id a new one; the dual write puts it back into the store.
                problems.Add($"topic {topic.Name}: topic id '{topic.Topic.TopicId}' is {(id is null ? "not a topic id" : "already taken")}; a new one is assigned");
                do id = newTopicId(); while (!ids.Add(id.Value));
            }
            records.Add(new TopicRecord(topic.Name, id.Value));
            topicCount++;
            foreach (var (partition, replicas) in topic.Topic.Partitions.OrderBy(p => p.Key))
            {
                topic.States.TryGetValue(partition, out var state);
                records.Add(PartitionRecordFor(new TopicPartition(topic.Name, partition), id.Value, replicas, state, problems));
                partitionCount++;
            }
        }
        records.Add(new ZkMigrationStateRecord(ZkMigrationState.Migration));
        return new ZkMigrationBatch(records, topicCount, partitionCount, problems);
    }

    /// <summary>This cluster writes Guid strings; Kafka writes its Uuid as 22 characters of url-safe base64 (two big-endian longs).</summary>
    /// <summary>
    /// The copy split into Raft entries of at most <paramref name="maxRecords"/> records, in order,
    /// the Migration record ending the last. One entry for everything would have to cross the
    /// network whole in a fetch response, beyond the remoting frame for large clusters. A failover
    /// between entries is safe without Kafka's metadata transactions: the log is still
    /// PreMigration, and the next copy adds only the topics and partitions not yet committed.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<MetadataRecord>> Chunk(IReadOnlyList<MetadataRecord> records, int maxRecords)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        return records.Chunk(maxRecords).Select(chunk => (IReadOnlyList<MetadataRecord>)chunk).ToArray();
    }

    public static Guid? ParseTopicId(string text)
    {
        if (Guid.TryParse(text, out var guid)) return guid == Guid.Empty ? null : guid;
        Span<byte> bytes = stackalloc byte[16];
        if (text.Length != 22 || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != 16) return null;
        var id = new Guid(bytes, bigEndian: true);
        return id == Guid.Empty ? null : id;
    }

    private static PartitionRecord PartitionRecordFor(TopicPartition tp, Guid topicId, IReadOnlyList<int> replicas, LeaderAndIsr? state,
        List<string> problems)
    {
        var replicaList = new BrokerIdList(replicas);
        if (state is null)
        {
            // Kafka's migration initializes a partition without a state znode as offline: no leader, the replicas as ISR.
            problems.Add($"{tp}: no partition state in the store; migrated without a leader");
            return new PartitionRecord(tp.Partition, topicId, replicaList, replicaList, PartitionChangeRecord.NoLeader);
        }
        var isr = new BrokerIdList(state.Isr);
        var leader = state.Leader;
        var candidate = new PartitionRegistration(replicaList, isr, leader, state.LeaderEpoch, state.PartitionEpoch);
        if (candidate.Invalidity() is { } why)
        {
            // The log's replay rejects an invalid partition, and with it the whole batch: keep what is consistent.
            isr = new BrokerIdList(state.Isr.Where(replicas.Contains).Distinct());
            if (!isr.Contains(leader)) leader = PartitionChangeRecord.NoLeader;
            problems.Add($"{tp}: {why} in the store; migrated with isr {isr} and leader {leader}");
        }
        return new PartitionRecord(tp.Partition, topicId, replicaList, isr, leader, Math.Max(0, state.LeaderEpoch), Math.Max(0, state.PartitionEpoch));
    }
}
