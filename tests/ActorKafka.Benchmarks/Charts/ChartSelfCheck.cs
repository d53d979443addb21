namespace ActorKafka.Benchmarks.Charts;

/// <summary>
/// `charts-self-check`: the chart writers' test. The benchmarks are an executable, not a test
/// project, and no test project references them, so the checks run here in a few milliseconds
/// instead: fixed samples covering the shapes the benchmarks produce (decades and a single size,
/// a series missing a size, a long latency tail, identical samples, markup in labels), each
/// rendered twice (the bytes must match) and passed through the same check every written chart passes.
/// </summary>
public static class ChartSelfCheck
{
    public static Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var checks = new List<string>();
        void Check(bool condition, string what)
        {
            if (!condition) throw new InvalidOperationException($"chart self-check failed: {what}");
            checks.Add(what);
        }

        Check(AxisScale.NiceStep(0.3) == 0.5 && AxisScale.NiceStep(3) == 5 && AxisScale.NiceStep(7) == 10 && AxisScale.NiceStep(1) == 1,
            "nice steps are 1, 2 or 5 times a power of ten");
        Check(AxisScale.For([1000, 10000, 100000]) is { Log: true, Ticks: [1000, 10000, 100000] }, "sizes a decade apart get a log axis with a tick per decade");
        Check(AxisScale.For([500, 1000]) is { Log: false, Min: 0 }, "sizes within a decade get a linear axis from zero");

        var both = Render(Failover(("zk", [(1000, [395, 328, 462]), (10000, [429, 423, 1083]), (100000, [1550, 1195, 1645])]),
            ("kraft", [(1000, [2257, 1973, 2429]), (10000, [2270, 2182, 3677]), (100000, [4163, 2527, 4166]), (1000000, [3694, 4246, 1998])])));
        Check(Count(both, ": median ") == 7, "every median is marked (3 zk sizes, 4 kraft sizes)");
        Check(Count(both, ": one run ") == 21, "every run is drawn");
        Check(both.Contains("(log scale)") && both.Contains(">1,000,000<"), "the x axis says it is logarithmic and reaches the largest size");
        Check(both.Contains(">4,163 ms<") && both.Contains(">1,550 ms<"), "median values are labelled");

        var single = Render(Failover(("kraft", [(1000, [2257, 1973, 2429])])));
        Check(!single.Contains("<polyline") && !single.Contains("log scale"), "one size: a point, no line, a linear axis");

        var wrapped = SvgBuilder.Wrap(string.Join(' ', Enumerable.Repeat("word", 60)), 200, 11);
        Check(wrapped.Count > 1 && wrapped.All(l => SvgBuilder.TextWidth(l, 11) <= 200) && string.Join(' ', wrapped).Split(' ').Length == 60,
            "a long note wraps to the chart's width and keeps every word");

        var escaped = LineChartSvg.Render(new LineChartData("a <b> & \"c\"", "", "x", "y", "ms", [new LineSeries("<zk>", [new LinePoint(1, 2, [2])])], []));
        ChartOutput.Validate("escaping", escaped);
        Check(escaped.Contains("&lt;zk&gt;"), "markup in titles and names is escaped");
        Check(Throws(() => LineChartSvg.Render(new LineChartData("empty", "", "x", "y", "ms", [new LineSeries("zk", [])], []))),
            "a line chart without points is refused rather than drawn empty");

        var random = new Random(7);
        var acks1 = Enumerable.Range(0, 600).Select(_ => 30 + random.NextDouble() * 40 + (random.Next(20) == 0 ? 60 : 0)).ToArray();
        var acksAll = Enumerable.Range(0, 600).Select(_ => 35 + random.NextDouble() * 45).ToArray();
        var histogram = Render(Latency(("acks=1", acks1), ("acks=all", acksAll)));
        Check(histogram.Contains($">p50 {ChartStyle.Number(Statistics.Percentile(acks1, 50))} ms<")
              && histogram.Contains($">p99 {ChartStyle.Number(Statistics.Percentile(acksAll, 99))} ms<"),
            "p50 and p99 are marked with the same percentile the reports use");
        var buckets = HistogramBuckets.For([acks1, acksAll]);
        Check(buckets.Counts(acks1).Sum() == 600 && !buckets.HasOverflow, "every sample falls in a bucket");

        var tail = Enumerable.Repeat(10.0, 199).Append(5000).ToArray();
        var tailBuckets = HistogramBuckets.For([tail]);
        Check(tailBuckets.HasOverflow && tailBuckets.Counts(tail)[^1] == 1 && tailBuckets.Counts(tail).Sum() == 200,
            "a sample far past p99 goes to the overflow bucket, counted");
        Check(Render(Latency(("acks=1", tail))).Contains("1 at &gt;= "), "the overflow bar says what it holds");

        var same = Enumerable.Repeat(5.0, 50).ToArray();
        Check(HistogramBuckets.For([same]).Counts(same).Sum() == 50, "identical samples still land in one bucket");
        Render(Latency(("acks=1", same)));
        Check(Throws(() => HistogramSvg.Render(new HistogramData("empty", "", "x", "ms", "batches", [new HistogramSeries("acks=1", [])], []))),
            "a histogram series without samples is refused");

        Check(Throws(() => ChartOutput.Validate("not svg", "<html/>")) && Throws(() => ChartOutput.Validate("broken", "<svg")),
            "the output check rejects a non-SVG root and broken XML");

        var report = new BenchmarkReport("charts-self-check");
        report.Add("checks passed", "checks", [checks.Count]);
        foreach (var check in checks) report.Note($"ok: {check}");
        return Task.FromResult(report);
    }

    /// <summary>Renders twice: the same data must give the same bytes, or every re-run would churn the committed charts.</summary>
    private static string Render(LineChartData chart)
    {
        var svg = LineChartSvg.Render(chart);
        if (svg != LineChartSvg.Render(chart)) throw new InvalidOperationException($"chart self-check failed: {chart.Title} renders differently twice");
        ChartOutput.Validate(chart.Title, svg);
        return svg;
    }

    private static string Render(HistogramData chart)
    {
        var svg = HistogramSvg.Render(chart);
        if (svg != HistogramSvg.Render(chart)) throw new InvalidOperationException($"chart self-check failed: {chart.Title} renders differently twice");
        ChartOutput.Validate(chart.Title, svg);
        return svg;
    }

    private static LineChartData Failover(params (string Name, (int Size, double[] Runs)[] Points)[] series) =>
        new("failover", "median of 3 runs", "partitions", "failover", "ms",
            series.Select(s => new LineSeries(s.Name, s.Points.Select(p => new LinePoint(p.Size, Statistics.Median(p.Runs), p.Runs)).ToArray())).ToArray(),
            ["a note"]);

    private static HistogramData Latency(params (string Name, double[] Values)[] series) =>
        new("latency", "pooled", "latency", "ms", "batches", series.Select(s => new HistogramSeries(s.Name, s.Values)).ToArray(), []);

    private static int Count(string text, string word) => text.Split(word).Length - 1;

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return true;
        }
    }
}
