using System.Globalization;
using System.Text.Json;

namespace ActorKafka.Metadata.Zk;

public static partial class ZkData
{
    /// <summary>Kafka's version 3 topic znode; Kafka always writes both reassignment maps, empty when idle.</summary>
    public static byte[] EncodeTopic(TopicZNode topic) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", 3);
        WritePartitionMap(writer, "partitions", topic.Partitions);
        writer.WriteString("topic_id", topic.TopicId);
        WritePartitionMap(writer, "adding_replicas", topic.AddingReplicas);
        WritePartitionMap(writer, "removing_replicas", topic.RemovingReplicas);
    });

    /// <summary>
    /// Reads a topic znode. The reassignment maps are optional (older versions lack them);
    /// the topic id is required, since every topic this cluster creates has one (version 3).
    /// </summary>
    public static ZkDataResult<TopicZNode> DecodeTopic(string topic, byte[]? data) =>
        ZkJson.Decode(ZkPaths.Topic(topic), data, json =>
            new TopicZNode(ZkJson.String(json, "topic_id"), ReadPartitionMap(ZkJson.Object(json, "partitions"), "partitions"))
            {
                AddingReplicas = OptionalPartitionMap(json, "adding_replicas"),
                RemovingReplicas = OptionalPartitionMap(json, "removing_replicas"),
            });

    /// <summary>Kafka's partition state znode. Its version (the partition epoch) is the znode's, not part of the JSON.</summary>
    public static byte[] EncodePartitionState(LeaderAndIsr state) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", 1);
        writer.WriteNumber("leader", state.Leader);
        writer.WriteNumber("leader_epoch", state.LeaderEpoch);
        writer.WriteNumber("controller_epoch", state.ControllerEpoch);
        ZkJson.WriteIntArray(writer, "isr", state.Isr);
    });

    /// <summary>
    /// Reads a partition state; <paramref name="partitionEpoch"/> is the znode's Stat.Version.
    /// Kafka's optional leader_recovery_state is ignored: this model has no recovering leaders.
    /// </summary>
    public static ZkDataResult<LeaderAndIsr> DecodePartitionState(TopicPartition partition, byte[]? data, int partitionEpoch) =>
        ZkJson.Decode(ZkPaths.PartitionState(partition), data, json => new LeaderAndIsr(
            ZkJson.Int(json, "leader"),
            ZkJson.Int(json, "leader_epoch"),
            ZkJson.IntArray(ZkJson.Array(json, "isr"), "field 'isr'"),
            ZkJson.Int(json, "controller_epoch"),
            partitionEpoch));

    private static void WritePartitionMap(Utf8JsonWriter writer, string name, IReadOnlyDictionary<int, IReadOnlyList<int>> map)
    {
        writer.WriteStartObject(name);
        foreach (var (partition, replicas) in map.OrderBy(entry => entry.Key))
            ZkJson.WriteIntArray(writer, partition.ToString(CultureInfo.InvariantCulture), replicas);
        writer.WriteEndObject();
    }

    private static IReadOnlyDictionary<int, IReadOnlyList<int>> OptionalPartitionMap(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? ReadPartitionMap(ZkJson.Object(json, name), name)
            : new Dictionary<int, IReadOnlyList<int>>();

    private static Dictionary<int, IReadOnlyList<int>> ReadPartitionMap(JsonElement map, string name)
    {
        var result = new Dictionary<int, IReadOnlyList<int>>();
        foreach (var entry in map.EnumerateObject())
        {
            var partition = ZkJson.PartitionKey(entry.Name, $"field '{name}'");
            if (!result.TryAdd(partition, ZkJson.IntArray(entry.Value, $"field '{name}' partition {entry.Name}")))
                throw new ZkDataFormatException($"field '{name}' lists partition {partition} twice");
        }
        return result;
    }
}
