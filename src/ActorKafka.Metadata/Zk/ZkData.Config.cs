namespace ActorKafka.Metadata.Zk;

public static partial class ZkData
{
    /// <summary>A topic's config overrides; Kafka stores every value as a string, whatever its type.</summary>
    public static byte[] EncodeTopicConfig(IReadOnlyDictionary<string, string> config) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", 1);
        writer.WriteStartObject("config");
        foreach (var (key, value) in config.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            writer.WriteString(key, value);
        writer.WriteEndObject();
    });

    public static ZkDataResult<IReadOnlyDictionary<string, string>> DecodeTopicConfig(string topic, byte[]? data) =>
        ZkJson.Decode<IReadOnlyDictionary<string, string>>(ZkPaths.ConfigTopic(topic), data, json =>
            ZkJson.Object(json, "config").EnumerateObject().ToDictionary(
                entry => entry.Name,
                entry => ZkJson.AsString(entry.Value, $"config '{entry.Name}'"),
                StringComparer.Ordinal));
}
