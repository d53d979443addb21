using System.Text.Json;
using ActorKafka.Benchmarks;
using ActorKafka.Benchmarks.Charts;

// Usage: dotnet run -c Release --project tests/ActorKafka.Benchmarks -- NAME [--json] [--runs N]
//   produce [--batches N] [--in-flight N] [--partitions N] [--charts DIR]
//   controller-failover [--mode zk|kraft|both|zk,kraft] [--partitions 1000,10000,...] [--zk-max-partitions N]
//                       [--snapshot-every ENTRIES] [--raft-timings default|fast] [--replica-managers] [--charts DIR]
//   migration [--partitions 1000,10000,...] [--max-partitions-per-multi N]
//   remoting-tls [--round-trips N] [--messages N]   (plain TCP against TLS remoting, same run)
//   charts-self-check   (renders charts from fixed samples and checks them; writes nothing)
// --charts DIR: where produce and controller-failover write their SVG charts (default docs/charts of this repository).
var benchmarks = new Dictionary<string, (Func<BenchmarkOptions, Task<BenchmarkReport>> Run, bool Charts)>(StringComparer.OrdinalIgnoreCase)
{
    ["store"] = (StoreBenchmark.RunAsync, false),
    ["controller-failover"] = (ControllerFailoverBenchmark.RunAsync, true),
    ["leader-election"] = (LeaderElectionBenchmark.RunAsync, false),
    ["raft-commit"] = (RaftCommitBenchmark.RunAsync, false),
    ["produce"] = (ProduceBenchmark.RunAsync, true),
    ["migration"] = (MigrationBenchmark.RunAsync, false),
    ["remoting-tls"] = (RemotingTlsBenchmark.RunAsync, false),
    ["charts-self-check"] = (ChartSelfCheck.RunAsync, false),
};

var name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
if (name is null || !benchmarks.TryGetValue(name, out var benchmark))
{
    Console.Error.WriteLine($"usage: ActorKafka.Benchmarks NAME [--json] [--runs N]   (NAME: {string.Join(", ", benchmarks.Keys)})");
    return 2;
}

var options = BenchmarkOptions.Parse(args);
var chartDirectory = benchmark.Charts ? ChartOutput.PrepareDirectory(options.Value("--charts")) : null;
var report = await benchmark.Run(options);
report.Print(Console.Out);
// Written after the report is printed, so a chart that fails its check costs the chart, not the numbers.
foreach (var chart in report.Charts)
{
    var directory = chartDirectory ?? throw new InvalidOperationException($"{name} drew {chart.FileName} but is not marked as writing charts");
    Console.WriteLine($"chart written: {ChartOutput.Write(directory, chart)}");
}
if (options.Json) Console.WriteLine(JsonSerializer.Serialize(report.ToJson()));
return 0;
