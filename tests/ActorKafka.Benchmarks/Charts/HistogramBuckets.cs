namespace ActorKafka.Benchmarks.Charts;

/// <summary>
/// Equal-width buckets from zero, shared by every series so their shapes compare directly. A tail
/// far past p99 would squeeze the body into a few bars, so when the largest sample is more than
/// twice the largest p99, the samples past 1.5x that p99 go to one overflow bucket instead
/// (counted, not dropped).
/// </summary>
public sealed record HistogramBuckets(double Width, int Count, double OverflowFrom)
{
    private const int TargetBuckets = 40;

    public bool HasOverflow => !double.IsPositiveInfinity(OverflowFrom);

    public static HistogramBuckets For(IReadOnlyList<IReadOnlyList<double>> series)
    {
        var all = series.SelectMany(v => v).ToArray();
        if (all.Length == 0) throw new ArgumentException("no samples to bucket", nameof(series));
        var max = all.Max();
        var p99 = series.Where(v => v.Count > 0).Max(v => Statistics.Percentile(v, 99));
        var tail = max > 2 * p99;
        // With a tail, the buckets end at the largest sample short of it, not at the cut-off, so no empty stretch is drawn.
        var upper = tail ? all.Where(v => v <= p99 * 1.5).Max() : max;
        var width = AxisScale.NiceStep((upper > 0 ? upper : 1) / TargetBuckets);
        // Floor + 1 so that the largest value shown still falls inside the last bucket, not past it.
        var count = (int)Math.Floor(upper / width) + 1;
        return new HistogramBuckets(width, count, tail ? count * width : double.PositiveInfinity);
    }

    /// <summary>Samples per bucket; the overflow bucket, if any, is the extra last element.</summary>
    public int[] Counts(IReadOnlyList<double> values)
    {
        var counts = new int[Count + (HasOverflow ? 1 : 0)];
        foreach (var v in values)
            counts[v >= OverflowFrom ? Count : Math.Clamp((int)Math.Floor(v / Width), 0, Count - 1)]++;
        return counts;
    }
}
