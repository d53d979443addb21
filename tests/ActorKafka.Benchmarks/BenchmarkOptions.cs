namespace ActorKafka.Benchmarks;

public sealed record BenchmarkOptions(bool Json, int Runs, int Operations)
{
    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();

    /// <summary>The value after a flag, e.g. Value("--partitions") for "--partitions 1000,10000".</summary>
    public string? Value(string flag)
    {
        var i = Args.ToList().IndexOf(flag);
        return i >= 0 && i + 1 < Args.Count ? Args[i + 1] : null;
    }

    public int[] Ints(string flag, params int[] defaults) =>
        Value(flag)?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray() ?? defaults;

    public static BenchmarkOptions Parse(string[] args)
    {
        var runs = 3;
        var operations = 0;
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--runs") runs = int.Parse(args[i + 1]);
            if (args[i] == "--ops") operations = int.Parse(args[i + 1]);
        }
        return new BenchmarkOptions(args.Contains("--json"), Math.Max(1, runs), operations) { Args = args };
    }
}
