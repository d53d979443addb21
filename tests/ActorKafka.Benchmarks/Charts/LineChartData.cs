namespace ActorKafka.Benchmarks.Charts;

/// <summary>One x value of a series: the median the benchmark reports, and the runs it is the median of.</summary>
public sealed record LinePoint(double X, double Median, IReadOnlyList<double> Runs);

public sealed record LineSeries(string Name, IReadOnlyList<LinePoint> Points);

/// <summary>A line chart's content; <see cref="Notes"/> are printed under the plot.</summary>
public sealed record LineChartData(
    string Title,
    string Subtitle,
    string XLabel,
    string YLabel,
    string Unit,
    IReadOnlyList<LineSeries> Series,
    IReadOnlyList<string> Notes);
