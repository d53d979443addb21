namespace ActorKafka.Benchmarks;

public sealed record BenchmarkOptions(bool Json, int Runs, int Operations)
{
    public static BenchmarkOptions Parse(string[] args)
    {
        var runs = 3;
        var operations = 0;
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--runs") runs = int.Parse(args[i + 1]);
            if (args[i] == "--ops") operations = int.Parse(args[i + 1]);
        }
        return new BenchmarkOptions(args.Contains("--json"), Math.Max(1, runs), operations);
    }
}
