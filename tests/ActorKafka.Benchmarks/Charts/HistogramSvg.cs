namespace ActorKafka.Benchmarks.Charts;

/// <summary>
/// Renders a <see cref="HistogramData"/>: one panel per series, stacked, over the same buckets and
/// the same count scale so the panels compare at a glance; p50 and p99 of each series' samples
/// (nearest rank, as the benchmark reports compute them) drawn as lines across its panel.
/// </summary>
public static class HistogramSvg
{
    private const double Width = 760;
    private const double Left = 70, Right = 28, Top = 66, PanelHeight = 165, PanelGap = 58, NoteLine = 17;

    public static string Render(HistogramData chart)
    {
        if (chart.Series.Count == 0 || chart.Series.Any(s => s.Values.Count == 0))
            throw new ArgumentException($"{chart.Title}: every series needs samples", nameof(chart));
        var buckets = HistogramBuckets.For(chart.Series.Select(s => s.Values).ToArray());
        var counts = chart.Series.Select(s => buckets.Counts(s.Values)).ToArray();
        // Room for one empty bucket as a gap, then the overflow bar, so it reads as apart from the rest.
        var span = buckets.Width * (buckets.Count + (buckets.HasOverflow ? 2 : 0));
        var xTicks = AxisScale.LinearFromZero(buckets.Width * buckets.Count, 8).Ticks.Where(t => t <= buckets.Width * buckets.Count + 1e-9).ToArray();
        var xs = new AxisScale(0, span, Log: false, xTicks);
        var ys = AxisScale.LinearFromZero(counts.Max(c => c.Max()) * 1.15, 4);
        // The last panel's gap holds the axis label; the notes follow it.
        var notes = chart.Notes.SelectMany(n => SvgBuilder.Wrap(n, Width - Left - Right, 11)).ToArray();
        var height = Top + chart.Series.Count * (PanelHeight + PanelGap) + 8 + notes.Length * NoteLine;
        var (x0, x1) = (Left, Width - Right);
        var svg = new SvgBuilder(Width, height);

        svg.Text(Left, 28, chart.Title, size: 17, bold: true);
        svg.Text(Left, 48, chart.Subtitle, size: 12, fill: ChartStyle.Muted);
        for (var i = 0; i < chart.Series.Count; i++)
        {
            var top = Top + i * (PanelHeight + PanelGap) + 14;
            Panel(svg, chart, i, counts[i], buckets, xs, ys, x0, x1, top, top + PanelHeight - 14);
        }
        var last = Top + chart.Series.Count * (PanelHeight + PanelGap);
        svg.Text((x0 + x1) / 2, last - PanelGap + 40, $"{chart.XLabel} ({chart.Unit}), buckets of {ChartStyle.Number(buckets.Width)} {chart.Unit}",
            size: 12, anchor: "middle");
        for (var n = 0; n < notes.Length; n++)
            svg.Text(Left, last - PanelGap + 64 + n * NoteLine, notes[n], size: 11, fill: ChartStyle.Muted);
        return svg.Render();
    }

    private static void Panel(SvgBuilder svg, HistogramData chart, int index, int[] counts, HistogramBuckets buckets, AxisScale xs, AxisScale ys,
        double x0, double x1, double y1, double y0)
    {
        var series = chart.Series[index];
        var color = ChartStyle.Color(index);
        svg.Text(x0, y1 - 8, $"{series.Name}: {series.Values.Count:N0} {chart.CountLabel}", size: 13, fill: color, bold: true);
        foreach (var tick in ys.Ticks)
        {
            var y = ys.Map(tick, y0, y1);
            svg.Line(x0, y, x1, y, ChartStyle.Grid);
            svg.Text(x0 - 8, y + 4, ChartStyle.Number(tick), size: 11, anchor: "end", fill: ChartStyle.Axis);
        }
        svg.Text(x0 - 46, (y0 + y1) / 2, chart.CountLabel, size: 11, anchor: "middle", fill: ChartStyle.Axis, rotate: -90);

        for (var b = 0; b < counts.Length; b++)
        {
            if (counts[b] == 0) continue;
            var overflow = b == buckets.Count;
            var from = (overflow ? b + 1 : b) * buckets.Width;
            var (left, right) = (xs.Map(from, x0, x1), xs.Map(from + buckets.Width, x0, x1));
            var top = ys.Map(counts[b], y0, y1);
            var range = overflow
                ? $">= {ChartStyle.Number(buckets.OverflowFrom)}"
                : $"{ChartStyle.Number(from)}-{ChartStyle.Number(from + buckets.Width)}";
            svg.Rect(left, top, right - left, y0 - top, overflow ? ChartStyle.Muted : color, stroke: "#ffffff",
                title: $"{series.Name}: {counts[b]} {chart.CountLabel} at {range} {chart.Unit}");
            // Above the bar rather than on the axis, where it would crowd the last tick.
            if (overflow) svg.Text(right, top - 4, $"{counts[b]} at {range}", size: 11, anchor: "end", fill: ChartStyle.Muted);
        }

        svg.Line(x0, y0, x1, y0, ChartStyle.Axis);
        svg.Line(x0, y0, x0, y1, ChartStyle.Axis);
        foreach (var tick in xs.Ticks)
        {
            var x = xs.Map(tick, x0, x1);
            svg.Line(x, y0, x, y0 + 5, ChartStyle.Axis);
            svg.Text(x, y0 + 18, ChartStyle.Number(tick), size: 11, anchor: "middle", fill: ChartStyle.Axis);
        }

        Percentile(svg, series.Values, 50, xs, x0, x1, y0, y1, dash: null, row: 0, chart.Unit);
        Percentile(svg, series.Values, 99, xs, x0, x1, y0, y1, dash: "6 4", row: 1, chart.Unit);
    }

    /// <summary>p99's label goes one row below p50's: the two are often a few buckets apart and would overlap on one row.</summary>
    private static void Percentile(SvgBuilder svg, IReadOnlyList<double> values, double percentile, AxisScale xs, double x0, double x1,
        double y0, double y1, string? dash, int row, string unit)
    {
        var value = Statistics.Percentile(values, percentile);
        var x = xs.Map(value, x0, x1);
        svg.Line(x, y0, x, y1, "#111", 1.6, dash);
        var label = $"p{percentile:0} {ChartStyle.Number(value)} {unit}";
        var rightSide = x + 6 + SvgBuilder.TextWidth(label, 12) < x1;
        svg.Text(rightSide ? x + 6 : x - 6, y1 + 14 + row * 16, label, size: 12, anchor: rightSide ? "start" : "end", fill: "#111", bold: true);
    }
}
