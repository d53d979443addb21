using System.Text;
using System.Text.Json.Nodes;
using ActorKafka.Broker.Clients;
using ActorKafka.Metadata;
using ActorKafka.Node.Cli;

namespace ActorKafka.Node.Demo;

/// <summary>
/// One partition read back: of its acknowledged records, how many are at their offset with their
/// value (found), how many are not (lost: missing, or another value there), and how many could not
/// be checked because the partition could not be read (no leader answered).
/// </summary>
internal sealed record PartitionCheck(TopicPartition Partition, int Acknowledged, int Found, int Lost, int Unreadable, long HighWatermark, string? Problem)
{
    public string Describe() => Unreadable > 0
        ? $"{Partition}: {DemoText.Count(Unreadable, "acknowledged record")} could not be checked: {Problem}"
        : $"{Partition}: {DemoText.Count(Lost, "acknowledged record")} lost: not at their offsets below the high watermark {HighWatermark}, or another value there";
}

/// <summary>
/// The demo's verdict on its acknowledged records (Acknowledged = Found + Lost + Unreadable), with
/// the produce attempts retried and the batches never acknowledged (given up, or unanswered at the stop) beside it.
/// </summary>
internal sealed record RecordsVerified(long Acknowledged, long Found, long Lost, long Unreadable, long Retried, long GivenUp, long InFlightAtStop)
{
    public long Unacknowledged => GivenUp + InFlightAtStop;

    public static RecordsVerified From(IReadOnlyList<PartitionCheck> partitions, long retried, long givenUp, long inFlightAtStop) =>
        new(partitions.Sum(p => p.Acknowledged), partitions.Sum(p => p.Found), partitions.Sum(p => p.Lost), partitions.Sum(p => p.Unreadable),
            retried, givenUp, inFlightAtStop);

    /// <summary>The summary's line: `records: N acknowledged, N found, N lost`, then what was retried and never acknowledged.</summary>
    public string Line() =>
        $"records: {Acknowledged} acknowledged, {Found} found, {Lost} lost" + (Unreadable > 0 ? $", {Unreadable} unreadable" : "") +
        $" ({DemoText.Count(Retried, "produce attempt")} retried" +
        (GivenUp > 0 ? $", {DemoText.Count(GivenUp, "batch")} given up" : "") + $", {DemoText.Count(InFlightAtStop, "batch")} unanswered at the stop)";

    public string Text() =>
        $"read every partition back: {Found} of the {Acknowledged} acknowledged records are at their offsets with their values, {Lost} lost" +
        (Unreadable > 0 ? $", {Unreadable} in partitions that could not be read" : "");

    public (string Key, JsonNode? Value)[] Fields() =>
    [
        ("acknowledged", Acknowledged), ("found", Found), ("lost", Lost), ("unreadable", Unreadable), ("retried", Retried), ("unacknowledged", Unacknowledged),
    ];

    public JsonObject Json() => new(Fields().Select(f => new KeyValuePair<string, JsonNode?>(f.Key, f.Value)));
}

/// <summary>
/// Reads a partition from its leader up to its high watermark and past its last acknowledged
/// offset: a new leader's high watermark can trail the old one's for a moment, so the read waits
/// (long polls) for it within a bound rather than count records as lost that are only not yet visible.
/// </summary>
internal sealed class RecordsCheck(KafkaConsumer consumer, TimeSpan bound)
{
    /// <summary>A partition without a live leader: nothing of it can be read, so none of its records can be checked.</summary>
    public static PartitionCheck Offline(TopicPartition tp, int acknowledged) =>
        new(tp, acknowledged, 0, 0, acknowledged, -1, "it has no live leader (no live replica is in its ISR)");

    public async Task<PartitionCheck> ReadAsync(TopicPartition tp, IReadOnlyList<(long Offset, string Value)> acknowledged)
    {
        var want = acknowledged.Count == 0 ? 0 : acknowledged.Max(a => a.Offset) + 1;
        var values = new Dictionary<long, string>();
        using var deadline = new CancellationTokenSource(bound);
        long offset = 0, highWatermark = -1;
        string? problem = null;
        try
        {
            while (true)
            {
                var fetch = await consumer.FetchAsync(tp, offset, deadline.Token).ConfigureAwait(false);
                if (fetch.Error != ControlError.None)
                {
                    // Out of range: the log ends before this offset, so what is acknowledged beyond it is missing (lost), not unreadable.
                    if (fetch.Error != ControlError.OffsetOutOfRange) problem = $"{ClientErrors.Name(fetch.Error)} from offset {offset}";
                    break;
                }
                foreach (var r in fetch.Records) values[r.Offset] = Encoding.UTF8.GetString(r.Record.Value);
                offset = fetch.NextOffset;
                highWatermark = fetch.HighWatermark;
                if (offset >= highWatermark && offset >= want) break;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // The bound passed: a partition that answered counts what it showed; one that never did is unreadable.
            if (highWatermark < 0) problem = $"no leader answered within {bound.TotalSeconds:0} s";
        }

        var found = acknowledged.Count(a => values.TryGetValue(a.Offset, out var v) && v == a.Value);
        var unreadable = problem is null ? 0 : acknowledged.Count(a => a.Offset >= offset);
        return new PartitionCheck(tp, acknowledged.Count, found, acknowledged.Count - found - unreadable, unreadable, highWatermark, problem);
    }
}
