namespace ActorKafka.Benchmarks.Charts;

/// <summary>
/// Renders a <see cref="LineChartData"/>: one line per series through its medians, each median
/// marked and labelled, every run as a small dot beside it (three runs can be bimodal, and the
/// median alone would hide that), a legend, decade or linear x ticks and a y axis from zero.
/// </summary>
public static class LineChartSvg
{
    private const double Width = 760;
    private const double PlotHeight = 330;
    private const double Left = 78, Right = 28, Top = 92, Bottom = 58, NoteLine = 17;

    public static string Render(LineChartData chart)
    {
        var points = chart.Series.SelectMany(s => s.Points).ToArray();
        if (points.Length == 0) throw new ArgumentException($"{chart.Title}: no points to draw", nameof(chart));
        var notes = chart.Notes.SelectMany(n => SvgBuilder.Wrap(n, Width - Left - Right, 11)).ToArray();
        var height = Top + PlotHeight + Bottom + notes.Length * NoteLine;
        var (x0, x1, y0, y1) = (Left, Width - Right, Top + PlotHeight, Top);
        var xs = AxisScale.For(points.Select(p => p.X).Distinct().ToArray());
        var ys = AxisScale.LinearFromZero(points.SelectMany(p => p.Runs.Append(p.Median)).Max() * 1.08);
        var svg = new SvgBuilder(Width, height);

        svg.Text(Left, 28, chart.Title, size: 17, bold: true);
        svg.Text(Left, 48, chart.Subtitle, size: 12, fill: ChartStyle.Muted);
        Legend(svg, chart.Series, Left, 72);

        foreach (var tick in ys.Ticks)
        {
            var y = ys.Map(tick, y0, y1);
            svg.Line(x0, y, x1, y, ChartStyle.Grid);
            svg.Text(x0 - 8, y + 4, ChartStyle.Number(tick), size: 11, anchor: "end", fill: ChartStyle.Axis);
        }
        foreach (var tick in xs.Ticks)
        {
            var x = xs.Map(tick, x0, x1);
            svg.Line(x, y0, x, y0 + 5, ChartStyle.Axis);
            svg.Text(x, y0 + 19, ChartStyle.Number(tick), size: 11, anchor: "middle", fill: ChartStyle.Axis);
        }
        svg.Line(x0, y0, x1, y0, ChartStyle.Axis);
        svg.Line(x0, y0, x0, y1, ChartStyle.Axis);
        svg.Text((x0 + x1) / 2, y0 + 42, chart.XLabel + (xs.Log ? " (log scale)" : ""), size: 12, anchor: "middle");
        svg.Text(22, (y0 + y1) / 2, $"{chart.YLabel} ({chart.Unit})", size: 12, anchor: "middle", rotate: -90);

        for (var i = 0; i < chart.Series.Count; i++)
        {
            var series = chart.Series[i];
            var color = ChartStyle.Color(i);
            var ordered = series.Points.OrderBy(p => p.X).ToArray();
            foreach (var p in ordered)
                foreach (var run in p.Runs)
                    svg.Marker(MarkerShape.Circle, xs.Map(p.X, x0, x1) + RunOffset(i, chart.Series.Count), ys.Map(run, y0, y1), 4.5,
                        color, "none", $"{series.Name}, {ChartStyle.Number(p.X)}: one run {ChartStyle.Number(run)} {chart.Unit}");
            if (ordered.Length > 1) svg.Polyline(ordered.Select(p => (xs.Map(p.X, x0, x1), ys.Map(p.Median, y0, y1))), color, 2.2);
            foreach (var p in ordered)
            {
                var (x, y) = (xs.Map(p.X, x0, x1), ys.Map(p.Median, y0, y1));
                svg.Marker(ChartStyle.Shape(i), x, y, 9, "#ffffff", color,
                    $"{series.Name}, {ChartStyle.Number(p.X)}: median {ChartStyle.Number(p.Median)} {chart.Unit} of {p.Runs.Count} runs");
                var below = IsLowest(chart.Series, i, p);
                svg.Text(x + 8, below ? y + 18 : y - 9, $"{ChartStyle.Number(p.Median)} {chart.Unit}", size: 11, fill: color, bold: true);
            }
        }

        for (var n = 0; n < notes.Length; n++)
            svg.Text(Left, y0 + Bottom + 4 + n * NoteLine, notes[n], size: 11, fill: ChartStyle.Muted);
        return svg.Render();
    }

    private static void Legend(SvgBuilder svg, IReadOnlyList<LineSeries> series, double x, double y)
    {
        for (var i = 0; i < series.Count; i++)
        {
            var color = ChartStyle.Color(i);
            svg.Line(x, y - 4, x + 26, y - 4, color, 2.2);
            svg.Marker(ChartStyle.Shape(i), x + 13, y - 4, 9, "#ffffff", color);
            svg.Text(x + 32, y, series[i].Name, size: 12);
            x += 32 + SvgBuilder.TextWidth(series[i].Name, 12) + 24;
        }
        svg.Marker(MarkerShape.Circle, x + 4, y - 4, 4.5, ChartStyle.Muted, "none");
        svg.Text(x + 12, y, "one run", size: 12, fill: ChartStyle.Muted);
    }

    /// <summary>Run dots sit a little left or right of the median per series, so two series' runs at one x do not cover each other.</summary>
    private static double RunOffset(int series, int count) => count == 1 ? 0 : (series - (count - 1) / 2.0) * 7;

    /// <summary>The lowest median at an x gets its label below the point, the others above, so two curves' labels do not collide.</summary>
    private static bool IsLowest(IReadOnlyList<LineSeries> all, int index, LinePoint point)
    {
        var others = all.Where((_, i) => i != index).SelectMany(s => s.Points).Where(p => p.X == point.X).ToArray();
        return others.Length > 0 && others.All(p => p.Median > point.Median);
    }
}
