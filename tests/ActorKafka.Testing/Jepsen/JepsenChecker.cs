using System.Text;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Testing.Jepsen;

/// <summary>One record as a replica's log holds it.</summary>
public sealed record LoggedRecord(long Offset, int LeaderEpoch, string Value);

/// <summary>A broker's replica of a partition as its replica manager reports it.</summary>
public sealed record HostedReplica(int BrokerId, ReplicaStatus Status)
{
    public override string ToString() =>
        $"broker {BrokerId}: {Status.Role} in epoch {Status.LeaderEpoch} (leader {Status.LeaderId}, isr [{string.Join(",", Status.Isr)}]) " +
        $"hw {Status.HighWatermark} leo {Status.LogEndOffset} durable {Status.DurableEndOffset}";
}

/// <summary>
/// What the checks found for one partition: acknowledged records that are not where they were
/// acknowledged (lost), acknowledgements whose offsets go backwards (an acknowledged stretch of
/// the log was written over), and violations of agreement or contiguity among the replicas.
/// </summary>
public sealed record PartitionCheck(TopicPartition Partition, long HighWatermark, int Acknowledged, IReadOnlyList<string> Lost,
    IReadOnlyList<string> Rewritten, IReadOnlyList<string> Violations)
{
    private const int Shown = 10;

    public bool Ok => Lost.Count == 0 && Rewritten.Count == 0 && Violations.Count == 0;

    public override string ToString()
    {
        var text = new StringBuilder($"{Partition}: high watermark {HighWatermark}, {Acknowledged} acknowledged, {Lost.Count} lost");
        Append(text, "lost", Lost);
        Append(text, "rewritten", Rewritten);
        Append(text, "violation", Violations);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string label, IReadOnlyList<string> lines)
    {
        foreach (var line in lines.Take(Shown)) text.Append($"\n    {label}: ").Append(line);
        if (lines.Count > Shown) text.Append($"\n    ... and {lines.Count - Shown} more {label}");
    }
}

/// <summary>
/// The end-of-run checks. First the cluster must settle (bounded): every broker alive, each
/// partition led by one broker whose ISR holds every replica, every replica at the same durable
/// log end with its high watermark there. Then each replica's log is read as it stands on disk
/// (its segment files copied and opened as a log, so nothing in the broker is touched) and the
/// leader's through a consumer, and the properties are checked:
/// (a) every acknowledged record is at its acknowledged offset on every in-sync replica;
/// (b) the replicas agree below the high watermark (same records, same batch epochs), and no log
/// ends below it; (c) offsets run from 0 without a gap, and acknowledged offsets increase in the
/// order the producer got them.
/// </summary>
public static class JepsenChecker
{
    /// <summary>Waits (bounded) until the topic's partitions are fully replicated and quiet; returns each partition's replica states.</summary>
    public static async Task<IReadOnlyDictionary<TopicPartition, HostedReplica[]>> AwaitConvergedAsync(IJepsenCluster cluster, string topic, int partitions,
        TimeSpan bound, int? replicationFactor = null)
    {
        var replicas = replicationFactor ?? cluster.BrokerIds.Count;
        IReadOnlyDictionary<TopicPartition, HostedReplica[]>? converged = null;
        await cluster.Kit.AwaitAssertAsync(async () =>
        {
            var states = await StatesAsync(cluster, topic);
            var byPartition = new Dictionary<TopicPartition, HostedReplica[]>();
            for (var p = 0; p < partitions; p++)
            {
                var tp = new TopicPartition(topic, p);
                var hosted = states.Where(s => s.Status.Partition == tp).ToArray();
                Assert.True(cluster.BrokerIds.All(cluster.IsAlive), "not every broker is alive");
                Assert.True(Converged(hosted.Select(r => r.Status).ToArray(), replicas, out var why),
                    $"{tp} has not converged ({why}): {string.Join("; ", hosted.AsEnumerable())}");
                byPartition[tp] = hosted;
            }
            converged = byPartition;
        }, bound, TimeSpan.FromMilliseconds(100));
        return converged!;
    }

    private static bool Converged(ReplicaStatus[] replicas, int replicationFactor, out string why)
    {
        why = "";
        if (replicas.Length != replicationFactor) why = $"{replicas.Length} of {replicationFactor} replicas hosted";
        else if (replicas.Count(r => r.Role == ReplicaRole.Leader) != 1) why = "not exactly one leader";
        else
        {
            var leader = replicas.Single(r => r.Role == ReplicaRole.Leader);
            if (replicas.Any(r => r.LeaderEpoch != leader.LeaderEpoch || r.LeaderId != leader.LeaderId)) why = "replicas disagree on the leadership";
            else if (leader.Isr.Length != replicationFactor) why = "the ISR is not full";
            else if (replicas.Any(r => r.LogEndOffset != leader.LogEndOffset || r.DurableEndOffset != r.LogEndOffset)) why = "log ends differ";
            else if (replicas.Any(r => r.HighWatermark != leader.LogEndOffset)) why = "high watermarks are not at the log end";
        }
        return why.Length == 0;
    }

    /// <summary>The topic's replicas on every live broker that answers.</summary>
    public static async Task<IReadOnlyList<HostedReplica>> StatesAsync(IJepsenCluster cluster, string topic)
    {
        var states = new List<HostedReplica>();
        foreach (var id in cluster.BrokerIds)
        {
            if (!cluster.IsAlive(id) || await cluster.ReplicaStatesAsync(id) is not { } answer) continue;
            states.AddRange(answer.Replicas.Where(r => r.Partition.Topic == topic).Select(r => new HostedReplica(id, r)));
        }
        return states;
    }

    /// <summary>Reads every replica and the leader (through a consumer) and checks (a), (b), (c) for each partition.</summary>
    public static async Task<IReadOnlyList<PartitionCheck>> CheckAsync(IJepsenCluster cluster, ActorSystem client,
        IReadOnlyDictionary<TopicPartition, HostedReplica[]> converged, IReadOnlyList<Acknowledged> acknowledged)
    {
        var consumer = new KafkaConsumer(client, JepsenWorkload.ClientSettings(cluster.BootstrapAddresses));
        var checks = new List<PartitionCheck>();
        foreach (var (tp, states) in converged.OrderBy(kv => kv.Key.Partition))
        {
            var leaderState = states.Single(s => s.Status.Role == ReplicaRole.Leader).Status;
            var hw = leaderState.HighWatermark;
            var consumed = (await consumer.ReadToEndAsync(tp))
                .Select(r => new LoggedRecord(r.Offset, r.LeaderEpoch, Encoding.UTF8.GetString(r.Record.Value))).ToList();
            var logs = states.Select(s => s.BrokerId).ToDictionary(id => id, id => ReadReplicaCopy(cluster.LogDir(id), tp));
            var acks = acknowledged.Where(a => a.Partition == tp).ToList();
            checks.Add(Check(tp, hw, leaderState.LeaderId, consumed, logs, acks));
        }
        return checks;
    }

    /// <summary>The properties over what was read; pure, so the checks themselves can be tested.</summary>
    public static PartitionCheck Check(TopicPartition tp, long hw, int leaderId, IReadOnlyList<LoggedRecord> consumed,
        IReadOnlyDictionary<int, IReadOnlyList<LoggedRecord>> logs, IReadOnlyList<Acknowledged> acks)
    {
        var violations = new List<string>();
        var lost = new List<string>();
        var rewritten = new List<string>();

        // (c) The leader's records, as a consumer reads them, run 0, 1, ... up to the high watermark.
        for (var i = 0; i < consumed.Count; i++)
            if (consumed[i].Offset != i)
            {
                violations.Add($"the consumer read offset {consumed[i].Offset} at position {i} (a gap or a reordering)");
                break;
            }
        if (consumed.Count != hw) violations.Add($"the consumer read {consumed.Count} records below high watermark {hw}");
        foreach (var (id, log) in logs)
        {
            for (var i = 0; i < log.Count; i++)
                if (log[i].Offset != i)
                {
                    violations.Add($"broker {id}'s log has offset {log[i].Offset} at position {i} (a gap or a reordering)");
                    break;
                }
            // (b) No in-sync replica's log ends below the high watermark, and all agree below it.
            if (log.Count < hw) violations.Add($"broker {id}'s log ends at {log.Count}, below high watermark {hw}");
            for (var offset = 0; offset < Math.Min(hw, Math.Min(log.Count, consumed.Count)); offset++)
            {
                var mine = log[offset];
                var leaders = consumed[offset];
                if (mine.Value != leaders.Value || mine.LeaderEpoch != leaders.LeaderEpoch)
                {
                    violations.Add($"broker {id} disagrees with leader {leaderId} at offset {offset} below the high watermark: " +
                                   $"'{mine.Value}' of epoch {mine.LeaderEpoch} against '{leaders.Value}' of epoch {leaders.LeaderEpoch}; " +
                                   $"around it: {Excerpt(log, offset)} against {Excerpt(consumed, offset)}");
                    break;
                }
            }
        }

        // (a) Every acknowledged record is at its offset on every replica.
        foreach (var ack in acks)
        {
            var missing = new List<string>();
            if (ack.Offset >= consumed.Count || consumed[(int)ack.Offset].Value != ack.Value)
                missing.Add($"leader {leaderId} (consumer) has {At(consumed, ack.Offset)}");
            foreach (var (id, log) in logs)
                if (ack.Offset >= log.Count || log[(int)ack.Offset].Value != ack.Value)
                    missing.Add($"broker {id} has {At(log, ack.Offset)}");
            if (missing.Count > 0)
                lost.Add($"'{ack.Value}' acknowledged at offset {ack.Offset} in leader epoch {ack.LeaderEpoch}: {string.Join(", ", missing)}");
        }

        // (c) The producer sends one batch at a time: each acknowledgement lands after the previous one,
        // unless an acknowledged stretch of the log was truncated and written again.
        for (var i = 1; i < acks.Count; i++)
            if (acks[i].Offset <= acks[i - 1].Offset)
                rewritten.Add($"'{acks[i].Value}' was acknowledged at offset {acks[i].Offset}, not after '{acks[i - 1].Value}' at {acks[i - 1].Offset}");
        return new PartitionCheck(tp, hw, acks.Count, lost, rewritten, violations);
    }

    private static string At(IReadOnlyList<LoggedRecord> log, long offset) =>
        offset < log.Count ? $"'{log[(int)offset].Value}' of epoch {log[(int)offset].LeaderEpoch}" : $"nothing (its log ends at {log.Count})";

    private static string Excerpt(IReadOnlyList<LoggedRecord> log, long offset) => "[" + string.Join(", ",
        log.Skip((int)Math.Max(0, offset - 2)).Take(5).Select(r => $"{r.Offset}:{r.Value}@{r.LeaderEpoch}")) + "]";

    /// <summary>
    /// A replica's log as it stands on disk: its segment files are copied aside and opened as a
    /// log there (recovery checks every batch), so the live broker is not touched. Called only
    /// once the replica is quiet (its durable end is its log end and nothing is produced).
    /// </summary>
    public static IReadOnlyList<LoggedRecord> ReadReplicaCopy(string logDir, TopicPartition tp)
    {
        var source = SegmentLog.PartitionDirectory(logDir, tp);
        var copy = Path.Combine(Path.GetTempPath(), "actorkafka-tests", "jepsen-copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        try
        {
            foreach (var file in Directory.GetFiles(source, "*" + SegmentLog.SegmentSuffix)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            using var log = SegmentLog.Open(copy);
            var records = new List<LoggedRecord>();
            var offset = log.LogStartOffset;
            while (offset < log.LogEndOffset)
            {
                var batches = log.Read(offset, 1 << 20, log.LogEndOffset);
                if (batches.Count == 0) break;
                foreach (var batch in batches)
                    for (var i = 0; i < batch.Records.Count; i++)
                        records.Add(new LoggedRecord(batch.BaseOffset + i, batch.LeaderEpoch, Encoding.UTF8.GetString(batch.Records[i].Value)));
                offset = batches[^1].NextOffset;
            }
            return records;
        }
        finally
        {
            try { Directory.Delete(copy, recursive: true); } catch (IOException) { }
        }
    }
}
