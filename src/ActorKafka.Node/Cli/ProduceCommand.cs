using System.Text;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;
using ProduceResult = ActorKafka.Broker.Clients.ProduceResult;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `actorkafka produce`: Kafka's console producer. Lines from stdin become records, batched and
/// routed to partitions, sent to each partition's leader with the chosen acks; every batch's
/// offsets go to stderr, and the first batch that fails ends the command.
/// </summary>
internal static class ProduceCommand
{
    private const string Command = "produce";

    /// <summary>One partition's share of a batch of lines, and how its sending ended.</summary>
    private sealed record Sent(TopicPartition Partition, int Count, ProduceResult? Result);

    public static async Task<int> RunAsync(ProduceOptions options, TextReader stdin, TextWriter stderr, CancellationToken cancel)
    {
        KafkaClientHost host;
        try
        {
            host = KafkaClientHost.Start(options.Bootstrap);
        }
        catch (Exception e)
        {
            return await FailAsync(stderr, $"could not start a client to reach the brokers: {e.Message}", ExitCodes.Failed).ConfigureAwait(false);
        }
        await using (host.ConfigureAwait(false))
        {
            var lookup = await host.LookUpAsync(options.Topic, options.Partition, cancel).ConfigureAwait(false);
            if (lookup.Problem is not null) return await FailAsync(stderr, lookup.Problem, lookup.ExitCode).ConfigureAwait(false);

            var producer = new KafkaProducer(host.Metadata, host.Settings);
            var partitioner = new KeyPartitioner(lookup.PartitionCount);
            var totals = new SortedDictionary<int, (long Count, long First, long Last)>();
            var batches = 0;
            await foreach (var lines in LineBatches.ReadAsync(stdin, CliDefaults.ProduceBatchMaxLines, CliDefaults.ProduceBatchMaxBytes, cancel)
                               .ConfigureAwait(false))
            {
                var byPartition = lines.Select(line => Parse(line, options.KeySeparator))
                    .GroupBy(r => options.Partition ?? partitioner.PartitionOf(r.Key))
                    .OrderBy(g => g.Key)
                    .ToArray();
                var sent = await Task.WhenAll(byPartition.Select(g =>
                    SendAsync(producer, host.Metadata, new TopicPartition(options.Topic, g.Key), g.ToArray(), options.Acks, cancel))).ConfigureAwait(false);
                batches++;
                foreach (var s in sent)
                {
                    if (s.Result is { Succeeded: false } failed)
                    {
                        await stderr.WriteLineAsync($"actorkafka {Command}: {Records(s.Count)} to {s.Partition} {(s.Count == 1 ? "was" : "were")} not produced: " +
                                                    $"{ClientErrors.Name(failed.Error)} ({failed.Message}) after {Plural(failed.Attempts, "attempt")}. " +
                                                    ClientErrors.ProduceHint(failed.Error)).ConfigureAwait(false);
                        await stderr.WriteLineAsync(Summary(options, totals, batches - 1, "before the failure; the rest of the input was not sent")).ConfigureAwait(false);
                        return ExitCodes.Failed;
                    }
                    await stderr.WriteLineAsync(s.Result is { } ok
                        ? $"produced {Records(s.Count)} to {s.Partition} at offsets {ok.BaseOffset}..{ok.BaseOffset + s.Count - 1}"
                        : $"sent {Records(s.Count)} to {s.Partition} with acks=0: the leader does not answer, so neither offsets nor delivery are known")
                        .ConfigureAwait(false);
                    var first = s.Result?.BaseOffset ?? -1;
                    var last = s.Result is null ? -1 : first + s.Count - 1;
                    totals[s.Partition.Partition] = totals.TryGetValue(s.Partition.Partition, out var t)
                        ? (t.Count + s.Count, t.First, last)
                        : (s.Count, first, last);
                }
            }
            if (options.Acks == Acks.None) await DrainAsync(host, options.Topic, totals.Keys, cancel).ConfigureAwait(false);
            await stderr.WriteLineAsync(Summary(options, totals, batches, "")).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }

    /// <summary>KEY&lt;SEP&gt;VALUE, or a value without a key when the line holds no separator.</summary>
    private static ProducerRecord Parse(string line, string separator)
    {
        var at = line.IndexOf(separator, StringComparison.Ordinal);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return at < 0
            ? new ProducerRecord(null, Encoding.UTF8.GetBytes(line), timestamp)
            : new ProducerRecord(Encoding.UTF8.GetBytes(line[..at]), Encoding.UTF8.GetBytes(line[(at + separator.Length)..]), timestamp);
    }

    private static async Task<Sent> SendAsync(KafkaProducer producer, ClientMetadata metadata, TopicPartition tp, ProducerRecord[] records, Acks acks,
        CancellationToken cancel)
    {
        if (acks != Acks.None) return new Sent(tp, records.Length, await producer.ProduceAsync(tp, records, acks, cancel).ConfigureAwait(false));
        // acks=0: the leader never answers, so the request is told, not asked; only a missing leader is known to fail.
        if (metadata.Leader(tp) is null) await metadata.RefreshAsync([tp.Topic], cancel).ConfigureAwait(false);
        if (metadata.Leader(tp) is not { } leader)
            return new Sent(tp, records.Length, new ProduceResult(tp, ControlError.NotLeaderOrFollower, -1, -1, 1, $"no leader known for {tp}"));
        leader.ReplicaManager.Tell(new ProduceRequest(0, tp, Acks.None, 0, leader.LeaderEpoch, records), ActorRefs.NoSender);
        return new Sent(tp, records.Length, null);
    }

    /// <summary>
    /// Before the client system ends (and drops what its transport still holds), one answered
    /// request to each leader written to with acks=0: the leader handles it after the produces that
    /// went before it on the same connection. Whether they were appended stays unknown.
    /// </summary>
    private static async Task DrainAsync(KafkaClientHost host, string topic, IEnumerable<int> partitions, CancellationToken cancel)
    {
        var consumer = new KafkaConsumer(host.Metadata, host.Settings);
        await Task.WhenAll(partitions.Select(p => consumer.ListOffsetAsync(new TopicPartition(topic, p), ListOffsetsRequest.Latest, cancel))).ConfigureAwait(false);
    }

    private static string Summary(ProduceOptions options, SortedDictionary<int, (long Count, long First, long Last)> totals, int batches, string tail)
    {
        var count = totals.Values.Sum(t => t.Count);
        var verb = options.Acks == Acks.None ? "sent" : "produced";
        var parts = totals.Select(t => t.Value.First < 0
            ? $"{options.Topic}-{t.Key}: {t.Value.Count}"
            : $"{options.Topic}-{t.Key}: {t.Value.Count} ({t.Value.First}..{t.Value.Last})");
        var where = totals.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
        return $"{verb} {Records(count)} to {options.Topic} in {Plural(batches, "batch")}, acks={AcksName(options.Acks)}{where}{(tail.Length > 0 ? " " + tail : "")}";
    }

    private static string Records(long count) => Plural(count, "record");

    private static string Plural(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}{(noun.EndsWith('h') ? "es" : "s")}";

    private static string AcksName(Acks acks) => acks switch
    {
        Acks.All => "all",
        Acks.Leader => "1",
        _ => "0",
    };

    private static async Task<int> FailAsync(TextWriter stderr, string message, int exitCode)
    {
        await stderr.WriteLineAsync($"actorkafka {Command}: {message}").ConfigureAwait(false);
        return exitCode;
    }
}
