using System.Text.Json;

namespace ActorKafka.Metadata.Zk;

public static partial class ZkData
{
    public static byte[] EncodePreferredReplicaElection(IReadOnlyList<TopicPartition> partitions) => EncodePartitionList(partitions);

    /// <summary>Kafka reads this request as a set: a partition listed twice is elected once.</summary>
    public static ZkDataResult<IReadOnlyList<TopicPartition>> DecodePreferredReplicaElection(byte[]? data) =>
        DecodePartitionList(ZkPaths.AdminPreferredReplicaElection, data);

    public static byte[] EncodeIsrChangeNotification(IReadOnlyList<TopicPartition> partitions) => EncodePartitionList(partitions);

    /// <summary><paramref name="path"/> is the sequential znode's full path, named in any failure.</summary>
    public static ZkDataResult<IReadOnlyList<TopicPartition>> DecodeIsrChangeNotification(string path, byte[]? data) =>
        DecodePartitionList(path, data);

    /// <summary>The legacy reassignment request: {"version":1,"partitions":[{"topic","partition","replicas"}]}.</summary>
    public static byte[] EncodeReassignPartitions(IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>> reassignment) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", 1);
        writer.WriteStartArray("partitions");
        foreach (var (partition, replicas) in reassignment.OrderBy(entry => entry.Key.Topic, StringComparer.Ordinal).ThenBy(entry => entry.Key.Partition))
        {
            writer.WriteStartObject();
            WriteTopicPartition(writer, partition);
            ZkJson.WriteIntArray(writer, "replicas", replicas);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    });

    public static ZkDataResult<IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>>> DecodeReassignPartitions(byte[]? data) =>
        ZkJson.Decode<IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>>>(ZkPaths.AdminReassignPartitions, data, json =>
        {
            var result = new Dictionary<TopicPartition, IReadOnlyList<int>>();
            foreach (var item in ZkJson.Array(json, "partitions").EnumerateArray())
            {
                var partition = ReadTopicPartition(item);
                if (!result.TryAdd(partition, ZkJson.IntArray(ZkJson.Array(item, "replicas"), $"replicas of {partition}")))
                    throw new ZkDataFormatException($"partition {partition} is listed twice");
            }
            return result;
        });

    private static byte[] EncodePartitionList(IReadOnlyList<TopicPartition> partitions) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", 1);
        writer.WriteStartArray("partitions");
        foreach (var partition in partitions)
        {
            writer.WriteStartObject();
            WriteTopicPartition(writer, partition);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    });

    private static ZkDataResult<IReadOnlyList<TopicPartition>> DecodePartitionList(string path, byte[]? data) =>
        ZkJson.Decode<IReadOnlyList<TopicPartition>>(path, data, json =>
            ZkJson.Array(json, "partitions").EnumerateArray().Select(ReadTopicPartition).Distinct().ToArray());

    private static void WriteTopicPartition(Utf8JsonWriter writer, TopicPartition partition)
    {
        writer.WriteString("topic", partition.Topic);
        writer.WriteNumber("partition", partition.Partition);
    }

    private static TopicPartition ReadTopicPartition(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw new ZkDataFormatException("each entry of 'partitions' must be an object with 'topic' and 'partition'");
        return new TopicPartition(ZkJson.String(item, "topic"), ZkJson.Int(item, "partition"));
    }
}
