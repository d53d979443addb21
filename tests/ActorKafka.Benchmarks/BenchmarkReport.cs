namespace ActorKafka.Benchmarks;

/// <summary>One measured series: per-run values, reported as their median.</summary>
public sealed record Measurement(string Name, string Unit, IReadOnlyList<double> Runs)
{
    public double Median => Statistics.Median(Runs);
}

/// <summary>A chart drawn from a run's measurements, written by the command once the report is printed.</summary>
public sealed record BenchmarkChart(string FileName, string Svg);

public sealed class BenchmarkReport(string name)
{
    private readonly List<Measurement> _measurements = new();
    private readonly List<string> _notes = new();
    private readonly List<BenchmarkChart> _charts = new();

    public string Name { get; } = name;

    public void Add(string measurement, string unit, IEnumerable<double> runs) => _measurements.Add(new Measurement(measurement, unit, runs.ToArray()));

    public void Note(string note) => _notes.Add(note);

    public void Chart(string fileName, string svg) => _charts.Add(new BenchmarkChart(fileName, svg));

    public IReadOnlyList<BenchmarkChart> Charts => _charts;

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"benchmark {Name}: median of runs (each run's value in brackets)");
        var width = _measurements.Max(m => m.Name.Length);
        foreach (var m in _measurements)
            output.WriteLine($"  {m.Name.PadRight(width)}  {Format(m.Median),12} {m.Unit,-9} [{string.Join(", ", m.Runs.Select(Format))}]");
        foreach (var note in _notes) output.WriteLine($"  {note}");
    }

    private static string Format(double v) => v >= 100 ? v.ToString("N0") : v.ToString("0.###");

    public object ToJson() => new
    {
        benchmark = Name,
        results = _measurements.ToDictionary(m => m.Name, m => new { median = Math.Round(m.Median, 4), unit = m.Unit, runs = m.Runs }),
        notes = _notes,
    };
}

public static class Statistics
{
    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
