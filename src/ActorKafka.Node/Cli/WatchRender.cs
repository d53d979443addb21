using System.Globalization;

namespace ActorKafka.Node.Cli;

/// <summary>One frame to show: what was seen, what changed since the frame before, and when the cluster last answered.</summary>
public sealed record WatchFrame(int Number, WatchObservation Seen, IReadOnlyList<string> Changes, TimeSpan Interval, WatchSnapshot? LastReached);

/// <summary>
/// A frame as lines of text: a header line (time, frame number, changes), then the controller,
/// the quorum (KRaft), the brokers and the partitions. Pure, so that what people see is tested
/// without a cluster.
/// </summary>
public static class WatchRender
{
    /// <summary>Enough rows for a screen; a big cluster's problems still show, since they are listed first.</summary>
    public const int MaxPartitionRows = 30;

    /// <summary>A failover can change hundreds of partitions: the header names the first few and counts the rest.</summary>
    public const int MaxChanges = 12;

    public const string HeaderMark = "===";

    private const string Indent = "  ";

    public static IReadOnlyList<string> Frame(WatchFrame frame) =>
    [
        Header(frame),
        .. frame.Seen switch
        {
            WatchSnapshot snapshot => Body(snapshot),
            WatchUnreachable unreachable => Unreachable(unreachable, frame),
            _ => throw new InvalidOperationException("unknown observation kind"),
        },
    ];

    public static string Header(WatchFrame frame)
    {
        var changes = frame.Number == 1 && frame.Changes.Count == 0 ? "first frame"
            : frame.Changes.Count == 0 ? "no change"
            : string.Join("; ", frame.Changes.Take(MaxChanges))
              + (frame.Changes.Count > MaxChanges ? $"; and {Number(frame.Changes.Count - MaxChanges)} more" : "");
        return $"{HeaderMark} {Time(frame.Seen.Time)}  frame {Number(frame.Number)}  {Mode(frame.Seen.Mode)}  changes: {changes}";
    }

    private static IEnumerable<string> Unreachable(WatchUnreachable unreachable, WatchFrame frame)
    {
        var last = frame.LastReached is { } seen ? $"last answered at {Time(seen.Time)}" : "it has not answered yet";
        return
        [
            $"Cluster unreachable: {unreachable.Reason}",
            $"Asking again every {Duration(frame.Interval)}; {last}.",
        ];
    }

    private static IEnumerable<string> Body(WatchSnapshot s)
    {
        var controller = s.Controller.Id is { } id
            ? $"Controller: {(s.Mode == WatchMode.Zk ? "broker " : "")}{Number(id)}, epoch {Number(s.Controller.Epoch)}"
            : $"Controller: none (last epoch {Number(s.Controller.Epoch)})";
        return [controller, .. s.Quorum is { } q ? Quorum(q) : [], .. Brokers(s), .. Partitions(s)];
    }

    private static IEnumerable<string> Quorum(WatchQuorum q) =>
    [
        $"Quorum: leader {Number(q.LeaderId)}, epoch {Number(q.Epoch)}, high watermark {Number(q.HighWatermark)}",
        .. Indented(AdminFormat.Table(["REPLICA", "ROLE", "LOG END OFFSET", "LAG"],
            q.Replicas.Select(r => (IReadOnlyList<string>)[Number(r.Id), r.Role, Number(r.LogEndOffset), Number(r.Lag)]))),
    ];

    private static IEnumerable<string> Brokers(WatchSnapshot s)
    {
        if (s.Brokers.Count == 0) return ["Brokers: none registered"];
        var kraft = s.Mode == WatchMode.Kraft;
        var (up, down) = kraft ? ("unfenced", "fenced") : ("live", "not live");
        var summary = $"Brokers: {Number(s.Brokers.Count(b => b.Up))} {up}" + (s.Brokers.Any(b => !b.Up) ? $", {Number(s.Brokers.Count(b => !b.Up))} {down}" : "");
        string[] headers = kraft ? ["BROKER", "EPOCH", "STATE", "CONTROLLED SHUTDOWN"] : ["BROKER", "EPOCH", "STATE"];
        var rows = s.Brokers.Select(b => (IReadOnlyList<string>)(kraft
            ? [Number(b.Id), Epoch(b.Epoch), b.Up ? up : down, b.InControlledShutdown ? "yes" : "no"]
            : [Number(b.Id), Epoch(b.Epoch), b.Up ? up : down]));
        return [summary, .. Indented(AdminFormat.Table(headers, rows))];
    }

    private static IEnumerable<string> Partitions(WatchSnapshot s)
    {
        if (s.PartitionCount == 0) return ["Partitions: none"];
        var offline = s.Partitions.Count(p => p.Offline);
        var under = s.Partitions.Count(p => p.UnderReplicated);
        var summary = $"Partitions: {Number(s.PartitionCount)} in {Count(s.TopicCount, "topic")}, {Number(offline)} offline, {Number(under)} under-replicated";
        // Problems first, so that they are never cut off by the cap.
        var shown = s.Partitions.OrderBy(p => p.Offline ? 0 : p.UnderReplicated ? 1 : 2).Take(MaxPartitionRows).ToArray();
        var rows = shown.Select(p => (IReadOnlyList<string>)
        [
            p.Partition.ToString(), p.Leader is { } leader ? Number(leader) : AdminFormat.None, p.Isr.Count == 0 ? "-" : AdminFormat.Ids(p.Isr),
            Epoch(p.LeaderEpoch), Epoch(p.PartitionEpoch), p.Offline ? "OFFLINE" : p.UnderReplicated ? "UNDER-REPLICATED" : "",
        ]);
        var hidden = s.PartitionCount - shown.Length;
        return
        [
            summary,
            .. Indented(AdminFormat.Table(["PARTITION", "LEADER", "ISR", "LEADER EPOCH", "PARTITION EPOCH", "STATUS"], rows)),
            .. hidden > 0 ? [$"{Indent}... and {Count(hidden, "more partition")} (problems are listed first)"] : Array.Empty<string>(),
        ];
    }

    public static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Mode(WatchMode mode) => mode == WatchMode.Kraft ? "kraft" : "zk";

    private static string Duration(TimeSpan interval) =>
        interval.TotalMilliseconds < 1000 ? $"{Number((long)interval.TotalMilliseconds)} ms"
        : interval.TotalSeconds < 60 ? $"{interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s"
        : $"{interval.TotalMinutes.ToString("0.###", CultureInfo.InvariantCulture)} min";

    private static string Epoch(long? epoch) => epoch is { } value ? Number(value) : "-";

    private static string Count(long count, string noun) => count == 1 ? $"1 {noun}" : $"{Number(count)} {noun}s";

    private static IEnumerable<string> Indented(IEnumerable<string> lines) => lines.Select(line => Indent + line);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
