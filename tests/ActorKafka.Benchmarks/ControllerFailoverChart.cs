using ActorKafka.Benchmarks.Charts;

namespace ActorKafka.Benchmarks;

/// <summary>
/// docs/charts/controller-failover.svg: each mode's failover total against the partition count,
/// from the runs the controller-failover benchmark just measured (median per size, and every run).
/// </summary>
public static class ControllerFailoverChart
{
    public const string FileName = "controller-failover.svg";

    /// <param name="totals">Each completed run's total from the kill, per mode ("zk", "kraft") and size; sizes without a completed run are left out.</param>
    public static LineChartData Build(IReadOnlyDictionary<(string Mode, int Size), IReadOnlyList<double>> totals, int runs, string raftTimings,
        bool replicaManagers)
    {
        var series = new[] { "zk", "kraft" }
            .Select(mode => new LineSeries(
                mode == "kraft" && raftTimings != "default" ? $"kraft ({raftTimings} Raft timings)" : mode,
                totals.Where(t => t.Key.Mode == mode && t.Value.Count > 0).OrderBy(t => t.Key.Size)
                    .Select(t => new LinePoint(t.Key.Size, Statistics.Median(t.Value), t.Value)).ToArray()))
            .Where(s => s.Points.Count > 0)
            .ToArray();
        var notes = new List<string>();
        var shared = totals.Keys.Where(k => k.Mode == "zk" && totals.ContainsKey(("kraft", k.Size))).Select(k => k.Size).Order().ToArray();
        if (shared.Length > 0)
        {
            notes.Add("zk/kraft, same run: " + string.Join(" · ", shared.Select(size =>
                $"{Statistics.Median(totals[("zk", size)]) / Statistics.Median(totals[("kraft", size)]):0.00}x at {size:N0}")));
        }
        notes.Add("total: the active controller's node terminated → a new controller serving and every live broker at its epoch");
        notes.Add(replicaManagers
            ? "brokers ran their replica managers (partition logs, replication) throughout"
            : "brokers' replica managers stopped at start in both modes: control plane only");
        // A kraft run that broke during setup leaves fewer runs behind a median than asked for: say so.
        var completed = series.SelectMany(s => s.Points).Select(p => p.Runs.Count).Distinct().Order().ToArray();
        var counted = completed is [var all] && all == runs
            ? $"{runs} run{(runs == 1 ? "" : "s")}"
            : $"{completed[0]}–{completed[^1]} runs ({runs} asked for)";
        return new LineChartData(
            "Controller failover: kill → every broker at the new epoch",
            $"median of {counted} per size, a fresh cluster each; every run drawn as a dot",
            "partitions", "failover total", "ms", series, notes);
    }
}
