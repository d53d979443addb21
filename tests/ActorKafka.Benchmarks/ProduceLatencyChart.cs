using ActorKafka.Benchmarks.Charts;

namespace ActorKafka.Benchmarks;

/// <summary>
/// docs/charts/produce-latency.svg: the per-batch latencies the produce benchmark just measured,
/// one panel per acks mode, every run's batches pooled (so p50 and p99 here are over all of them,
/// where the report gives the median of each run's).
/// </summary>
public static class ProduceLatencyChart
{
    public const string FileName = "produce-latency.svg";

    public static HistogramData Build(IReadOnlyList<(string Acks, IReadOnlyList<double> LatenciesMs)> modes, int runs, int batches, int batchRecords,
        int recordBytes, int inFlight, int partitions) =>
        new(
            $"Produce latency per batch of {batchRecords:N0} × {recordBytes}-byte records",
            $"{runs} run{(runs == 1 ? "" : "s")} × {batches:N0} batches per acks mode, pooled · {inFlight} in flight · {partitions} partitions, RF 3, min.insync.replicas 2",
            "latency, send → acknowledged", "ms", "batches",
            modes.Select(m => new HistogramSeries(m.Acks, m.LatenciesMs)).ToArray(),
            ["p50, p99: nearest rank over every batch of every run; the report's latency lines are medians of each run's"]);
}
