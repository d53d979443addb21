using System.Globalization;
using System.Text.Json.Nodes;
using ActorKafka.Controller;

namespace ActorKafka.Node.Cli;

/// <summary>The admin commands' output: readable tables by default, one JSON object with --json.</summary>
internal static class AdminFormat
{
    public const string None = "none";

    /// <summary>kafka-topics.sh --describe's layout (tab separated), with the leader epoch added to every partition line.</summary>
    public static IReadOnlyList<string> Topics(IEnumerable<TopicView> topics)
    {
        var lines = new List<string>();
        foreach (var topic in topics)
        {
            lines.Add(string.Join('\t', $"Topic: {topic.Name}", $"TopicId: {topic.TopicId ?? None}", $"PartitionCount: {topic.Partitions.Count}",
                $"ReplicationFactor: {topic.ReplicationFactor}", $"Configs: {string.Join(",", topic.Config.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"))}"));
            foreach (var p in topic.Partitions)
            {
                var state = p.State;
                lines.Add("\t" + string.Join('\t', $"Topic: {topic.Name}", $"Partition: {p.Partition.Partition}",
                    $"Leader: {(state is { HasLeader: true } ? Number(state.Leader) : None)}", $"Replicas: {Ids(p.Replicas)}",
                    $"Isr: {(state is null ? "" : Ids(state.Isr))}", $"LeaderEpoch: {(state is null ? None : Number(state.LeaderEpoch))}"));
            }
        }
        return lines;
    }

    public static JsonObject TopicsJson(IEnumerable<TopicView> topics) => new() { ["topics"] = new JsonArray(topics.Select(TopicJson).ToArray()) };

    public static JsonNode TopicJson(TopicView topic) => new JsonObject
    {
        ["topic"] = topic.Name,
        ["topicId"] = topic.TopicId,
        ["partitionCount"] = topic.Partitions.Count,
        ["replicationFactor"] = topic.ReplicationFactor,
        ["configs"] = ConfigJson(topic.Config),
        ["partitions"] = PartitionsJson(topic.Partitions),
    };

    /// <summary>One object per partition; leader, leaderEpoch and isr are null while the partition has no state znode yet.</summary>
    public static JsonArray PartitionsJson(IEnumerable<PartitionDescription> partitions) => new(partitions.Select(p => (JsonNode)new JsonObject
    {
        ["topic"] = p.Partition.Topic,
        ["partition"] = p.Partition.Partition,
        ["leader"] = p.State?.Leader,
        ["leaderEpoch"] = p.State?.LeaderEpoch,
        ["isr"] = p.State is null ? null : IdsJson(p.State.Isr),
        ["replicas"] = IdsJson(p.Replicas),
    }).ToArray());

    public static JsonObject ConfigJson(IReadOnlyDictionary<string, string> config)
    {
        var json = new JsonObject();
        foreach (var (key, value) in config.OrderBy(c => c.Key, StringComparer.Ordinal)) json[key] = value;
        return json;
    }

    public static JsonArray IdsJson(IEnumerable<int> ids) => new(ids.Select(id => (JsonNode)id).ToArray());

    public static IReadOnlyList<string> Cluster(ClusterView cluster)
    {
        var controller = cluster.ControllerId is { } id
            ? $"Controller: broker {id}, epoch {cluster.ControllerEpoch}"
            : $"Controller: {None} (last controller epoch {cluster.ControllerEpoch})";
        if (cluster.Brokers.Count == 0) return [controller, "Brokers: none registered"];
        var rows = cluster.Brokers.Select(b => new[]
        {
            Number(b.BrokerId),
            b.Live ? "yes" : "no",
            b.BrokerEpoch is { } epoch ? epoch.ToString(CultureInfo.InvariantCulture) : "-",
            b.Host is null ? "-" : $"{b.Host}:{b.Port}",
            b.Rack ?? "-",
            b.BrokerId == cluster.ControllerId ? "controller" : "",
        });
        return [controller, .. Table(["BROKER", "LIVE", "EPOCH", "ENDPOINT", "RACK", "ROLE"], rows)];
    }

    public static JsonObject ClusterJson(ClusterView cluster) => new()
    {
        ["controller"] = cluster.ControllerId is { } id ? new JsonObject { ["id"] = id, ["epoch"] = cluster.ControllerEpoch } : null,
        ["controllerEpoch"] = cluster.ControllerEpoch,
        ["brokers"] = new JsonArray(cluster.Brokers.Select(b => (JsonNode)new JsonObject
        {
            ["id"] = b.BrokerId,
            ["live"] = b.Live,
            ["brokerEpoch"] = b.BrokerEpoch,
            ["host"] = b.Host,
            ["port"] = b.Port,
            ["rack"] = b.Rack,
            ["controller"] = b.BrokerId == cluster.ControllerId,
        }).ToArray()),
    };

    /// <summary>Left-aligned columns two spaces apart; trailing blanks trimmed.</summary>
    public static IReadOnlyList<string> Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = headers.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        return all.Select(r => string.Join("  ", r.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).ToArray();
    }

    public static string Ids(IEnumerable<int> ids) => string.Join(",", ids.Select(Number));

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
