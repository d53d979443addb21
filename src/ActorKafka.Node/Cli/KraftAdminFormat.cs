using System.Globalization;
using System.Text.Json.Nodes;
using ActorKafka.Metadata;

namespace ActorKafka.Node.Cli;

/// <summary>The active controller's view of a KRaft cluster: its committed image and its quorum's progress.</summary>
internal sealed record KraftClusterView(DescribeClusterResponse Cluster, DescribeQuorumResponse Quorum);

/// <summary>
/// KRaft-mode output of `cluster describe` and of the kraft demo's summary: readable sections of
/// indented tables by default, one JSON object with --json.
/// </summary>
internal static class KraftAdminFormat
{
    private const string Indent = "  ";

    public static IReadOnlyList<string> Cluster(KraftClusterView view)
    {
        var c = view.Cluster;
        var partitions = c.PartitionCount == 0 ? "none"
            : c.Partitions.Length < c.PartitionCount ? $"the first {c.Partitions.Length} of {c.PartitionCount} in {Topics(c.TopicCount)}"
            : $"{c.PartitionCount} in {Topics(c.TopicCount)}";
        return
        [
            $"Controller: {c.ControllerId}, epoch {c.ControllerEpoch} (its metadata image is at offset {c.MetadataOffset})",
            .. c.Brokers.Length == 0 ? ["Brokers: none registered"] : (IEnumerable<string>)["Brokers:", .. Indented(BrokerTable(c.Brokers))],
            .. Quorum(view.Quorum),
            $"Partitions: {partitions}",
            .. c.Partitions.Length == 0 ? [] : Indented(PartitionTable(c.Partitions)),
        ];
    }

    public static JsonObject ClusterJson(KraftClusterView view)
    {
        var c = view.Cluster;
        return new JsonObject
        {
            ["controller"] = new JsonObject { ["id"] = c.ControllerId, ["epoch"] = c.ControllerEpoch },
            ["metadataOffset"] = c.MetadataOffset,
            ["brokers"] = new JsonArray(c.Brokers.OrderBy(b => b.BrokerId).Select(b => (JsonNode)new JsonObject
            {
                ["id"] = b.BrokerId,
                ["brokerEpoch"] = b.BrokerEpoch,
                ["fenced"] = b.Fenced,
                ["inControlledShutdown"] = b.InControlledShutdown,
                ["address"] = b.ActorAddress,
                ["rack"] = b.Rack,
            }).ToArray()),
            ["quorum"] = QuorumJson(view.Quorum),
            ["topicCount"] = c.TopicCount,
            ["partitionCount"] = c.PartitionCount,
            ["partitions"] = PartitionsJson(c.Partitions),
        };
    }

    public static IReadOnlyList<string> BrokerTable(IEnumerable<BrokerState> brokers) =>
        AdminFormat.Table(["BROKER", "EPOCH", "STATE", "CONTROLLED SHUTDOWN", "ADDRESS", "RACK"],
            brokers.OrderBy(b => b.BrokerId).Select(b => (IReadOnlyList<string>)
            [
                Number(b.BrokerId), Number(b.BrokerEpoch), b.Fenced ? "fenced" : "unfenced", b.InControlledShutdown ? "yes" : "no",
                b.ActorAddress, b.Rack ?? "-",
            ]));

    /// <summary>The quorum line and its replicas' table: lag is how far a replica's log ends short of the high watermark.</summary>
    public static IReadOnlyList<string> Quorum(DescribeQuorumResponse q, string title = "Quorum")
    {
        var rows = Replicas(q).Select(r => (IReadOnlyList<string>)
        [
            Number(r.State.ReplicaId), r.Role, Number(r.State.LogEndOffset), Number(Lag(q, r.State)),
            r.Role == "leader" ? "-" : r.State.LastFetchAgoMs < 0 ? "never" : $"{Number(r.State.LastFetchAgoMs)} ms ago",
        ]);
        return
        [
            $"{title}: leader {q.LeaderId}, epoch {q.LeaderEpoch}, high watermark {q.HighWatermark}",
            .. Indented(AdminFormat.Table(["REPLICA", "ROLE", "LOG END OFFSET", "LAG", "LAST FETCH"], rows)),
        ];
    }

    public static JsonObject QuorumJson(DescribeQuorumResponse q)
    {
        JsonArray States(IEnumerable<QuorumReplicaState> states) => new(states.Select(s => (JsonNode)new JsonObject
        {
            ["id"] = s.ReplicaId,
            ["logEndOffset"] = s.LogEndOffset,
            ["lag"] = Lag(q, s),
            ["lastFetchAgoMs"] = s.LastFetchAgoMs < 0 ? null : s.LastFetchAgoMs,
        }).ToArray());
        return new JsonObject
        {
            ["leaderId"] = q.LeaderId,
            ["epoch"] = q.LeaderEpoch,
            ["highWatermark"] = q.HighWatermark,
            ["voters"] = States(q.Voters),
            ["observers"] = States(q.Observers),
        };
    }

    public static IReadOnlyList<string> PartitionTable(IEnumerable<PartitionStateInfo> partitions) =>
        AdminFormat.Table(["PARTITION", "LEADER", "LEADER EPOCH", "ISR", "REPLICAS"], partitions.Select(p => (IReadOnlyList<string>)
        [
            p.TopicPartition.ToString(), p.Leader == LeaderAndIsr.NoLeader ? AdminFormat.None : Number(p.Leader), Number(p.LeaderEpoch),
            AdminFormat.Ids(p.Isr), AdminFormat.Ids(p.Replicas),
        ]));

    /// <summary>As zk mode's partitions JSON, plus the partition epoch; leader is null while the partition has none.</summary>
    public static JsonArray PartitionsJson(IEnumerable<PartitionStateInfo> partitions) => new(partitions.Select(p => (JsonNode)new JsonObject
    {
        ["topic"] = p.Topic,
        ["partition"] = p.Partition,
        ["leader"] = p.Leader == LeaderAndIsr.NoLeader ? null : p.Leader,
        ["leaderEpoch"] = p.LeaderEpoch,
        ["isr"] = AdminFormat.IdsJson(p.Isr),
        ["replicas"] = AdminFormat.IdsJson(p.Replicas),
        ["partitionEpoch"] = p.PartitionEpoch,
    }).ToArray());

    /// <summary>A replica whose log reaches past the high watermark (the leader, ahead of a commit) lags by nothing.</summary>
    public static long Lag(DescribeQuorumResponse q, QuorumReplicaState s) => Math.Max(0, q.HighWatermark - s.LogEndOffset);

    /// <summary>The leader first, then the other voters, then the observers (brokers), each in id order.</summary>
    private static IEnumerable<(QuorumReplicaState State, string Role)> Replicas(DescribeQuorumResponse q) =>
        q.Voters.OrderBy(v => v.ReplicaId != q.LeaderId).ThenBy(v => v.ReplicaId).Select(v => (v, v.ReplicaId == q.LeaderId ? "leader" : "voter"))
            .Concat(q.Observers.OrderBy(o => o.ReplicaId).Select(o => (o, "observer")));

    private static IEnumerable<string> Indented(IEnumerable<string> lines) => lines.Select(line => Indent + line);

    private static string Topics(int count) => count == 1 ? "1 topic" : $"{count} topics";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
