namespace ActorKafka.Benchmarks.Charts;

/// <summary>Every sample of one series (e.g. one acks mode's per-request latencies, all runs pooled).</summary>
public sealed record HistogramSeries(string Name, IReadOnlyList<double> Values);

/// <summary>
/// A histogram's content: one panel per series over shared buckets. <see cref="CountLabel"/> names
/// what a sample is ("batches"); <see cref="Notes"/> are printed under the panels.
/// </summary>
public sealed record HistogramData(
    string Title,
    string Subtitle,
    string XLabel,
    string Unit,
    string CountLabel,
    IReadOnlyList<HistogramSeries> Series,
    IReadOnlyList<string> Notes);
