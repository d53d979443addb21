using System.Text.Json;
using ActorKafka.Benchmarks;

// Usage: dotnet run -c Release --project tests/ActorKafka.Benchmarks -- NAME [--json] [--runs N]
//   produce [--batches N] [--in-flight N] [--partitions N]
//   controller-failover [--mode zk|kraft|both|zk,kraft] [--partitions 1000,10000,...] [--zk-max-partitions N]
//                       [--snapshot-every ENTRIES] [--raft-timings default|fast] [--replica-managers]
//   migration [--partitions 1000,10000,...] [--max-partitions-per-multi N]
var benchmarks = new Dictionary<string, Func<BenchmarkOptions, Task<BenchmarkReport>>>(StringComparer.OrdinalIgnoreCase)
{
    ["store"] = StoreBenchmark.RunAsync,
    ["controller-failover"] = ControllerFailoverBenchmark.RunAsync,
    ["leader-election"] = LeaderElectionBenchmark.RunAsync,
    ["raft-commit"] = RaftCommitBenchmark.RunAsync,
    ["produce"] = ProduceBenchmark.RunAsync,
    ["migration"] = MigrationBenchmark.RunAsync,
};

var name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
if (name is null || !benchmarks.TryGetValue(name, out var run))
{
    Console.Error.WriteLine($"usage: ActorKafka.Benchmarks NAME [--json] [--runs N]   (NAME: {string.Join(", ", benchmarks.Keys)})");
    return 2;
}

var options = BenchmarkOptions.Parse(args);
var report = await run(options);
report.Print(Console.Out);
if (options.Json) Console.WriteLine(JsonSerializer.Serialize(report.ToJson()));
return 0;
