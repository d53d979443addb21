using System.Diagnostics;
using ActorKafka.Coordination;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>
/// The coordination store, durable on SQLite, driven from a client in a second ActorSystem over
/// loopback remoting (as a broker would call it).
/// </summary>
public static class StoreBenchmark
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var sequential = options.Operations > 0 ? options.Operations : 2000;
        var pipelined = sequential * 10;
        var series = new Dictionary<string, List<double>>();
        void Record(string key, double value) => (series.TryGetValue(key, out var l) ? l : series[key] = new List<double>()).Add(value);

        for (var run = 1; run <= options.Runs; run++)
        {
            Console.Error.WriteLine($"run {run}/{options.Runs}: starting an embedded store and a client node");
            var dir = Path.Combine(Path.GetTempPath(), "actorkafka-bench", Guid.NewGuid().ToString("N"));
            try
            {
                var (commits, rows) = SqliteDiskProbe.Measure(Directory.CreateDirectory(dir).FullName, TimeSpan.FromSeconds(1));
                Record("disk single-row commits", commits);
                Record("disk rows in one transaction", rows);
                await using var cluster = await EmbeddedCluster.StartAsync(dir, fastFailureDetection: true, logLevel: "ERROR", storeHocon: StderrLogger.Hocon);
                var clientNode = await cluster.StartMemberAsync(hocon: StderrLogger.Hocon);
                var client = await OpenClient(clientNode, cluster.ClientSettings());
                await Drive(clientNode, client, i => new CreateRequest($"/warmup-{i}", new byte[100]), 500, 64);
                await Drive(clientNode, client, _ => new CreateRequest("/seq", Array.Empty<byte>()), 1, 1);
                await Drive(clientNode, client, _ => new CreateRequest("/pipe", Array.Empty<byte>()), 1, 1);
                await Drive(clientNode, client, _ => new CreateRequest("/hot", new byte[100]), 1, 1);

                Console.Error.WriteLine($"run {run}: sequential create/setData/getData x{sequential}, pipelined create x{pipelined}");
                Measure("create, sequential", await Drive(clientNode, client, i => new CreateRequest($"/seq/n{i}", new byte[100]), sequential, 1));
                Measure("setData, sequential", await Drive(clientNode, client, _ => new SetDataRequest("/hot", new byte[100]), sequential, 1));
                Measure("getData, sequential", await Drive(clientNode, client, _ => new GetDataRequest("/hot"), sequential, 1));
                var before = await cluster.Store.Ask<StoreStatus>(GetStoreStatus.Instance, Bound);
                Measure("create, 64 in flight", await Drive(clientNode, client, i => new CreateRequest($"/pipe/n{i}", new byte[100]), pipelined, 64));
                var after = await cluster.Store.Ask<StoreStatus>(GetStoreStatus.Instance, Bound);
                Record("group commit: transactions per journal write", (after.TxnsWritten - before.TxnsWritten) / (double)(after.BatchesWritten - before.BatchesWritten));

                Console.Error.WriteLine($"run {run}: ephemeral clean-up after owner system stop and after close");
                for (var i = 0; i < 3; i++)
                {
                    var (fromTerminated, fromStop) = await CleanupAfterSystemStop(cluster, $"/owner-stop-{i}");
                    Record("clean-up: owner Terminated -> watcher told", fromTerminated);
                    Record("clean-up: Terminate() called -> watcher told", fromStop);
                }
                var closes = new List<double>();
                for (var i = 0; i < 20; i++) closes.Add(await CleanupAfterClose(cluster, clientNode, $"/close-{i}"));
                Record("clean-up: close -> watcher told (p50)", Statistics.Median(closes));
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }

        var report = new BenchmarkReport("store");
        foreach (var (key, values) in series)
            report.Add(key, key.StartsWith("disk") ? "/s" : key.StartsWith("group") ? "txns" : key.Contains("clean-up") || key.Contains("p50") || key.Contains("p99") ? "ms" : "ops/s", values);
        var ceiling = Statistics.Median(series["disk single-row commits"]);
        report.Note($"pipelined durable creates / disk single-row commit rate = {Statistics.Median(series["create, 64 in flight ops/s"]) / ceiling:0.00}x (group commit)");
        report.Note($"sequential create p50 / disk commit time = {Statistics.Median(series["create, sequential p50"]) / (1000 / ceiling):0.00}x");
        return report;

        void Measure(string name, LoadDriver.Result result)
        {
            if (result.Errors > 0) throw new InvalidOperationException($"{name}: {result.Errors} requests failed");
            Record($"{name} ops/s", result.LatenciesMs.Length / result.Seconds);
            Record($"{name} p50", Statistics.Percentile(result.LatenciesMs, 50));
            Record($"{name} p99", Statistics.Percentile(result.LatenciesMs, 99));
        }
    }

    private static async Task<IActorRef> OpenClient(ActorSystem system, ClientSettings settings, IActorRef? watcher = null)
    {
        var client = system.ActorOf(CoordinationClient.Props(settings, watcher: watcher));
        await client.Ask<SessionInfo>(GetSession.Instance, Bound);
        return client;
    }

    private static Task<LoadDriver.Result> Drive(ActorSystem system, IActorRef client, Func<int, ZkRequest> request, int total, int inFlight) =>
        Load.RunAsync(system, client, request, total, inFlight);

    /// <summary>The owner's ActorSystem stops; the store must see Terminated and delete its ephemeral.</summary>
    private static async Task<(double FromTerminated, double FromStop)> CleanupAfterSystemStop(EmbeddedCluster cluster, string path)
    {
        var member = await cluster.StartMemberAsync(hocon: StderrLogger.Hocon);
        var owner = await OpenClient(member, cluster.ClientSettings(TimeSpan.FromSeconds(30)));
        await owner.Ask<CreateResponse>(new CreateRequest(path, new byte[10], CreateMode.Ephemeral), Bound);
        var (deleted, watcherTold) = await WatchDeletion(cluster, path);
        // Resolve the owner from the store node, as the store itself sees it: by its remote address.
        var ownerAddress = owner.Path.ToStringWithAddress(Akka.Cluster.Cluster.Get(member).SelfAddress);
        var remoteOwner = await cluster.StoreSystem.ActorSelection(ownerAddress).ResolveOne(Bound);
        var (observer, terminated) = TimestampProbe.Start(cluster.StoreSystem, m => m is Terminated, remoteOwner);

        var stop = Stopwatch.GetTimestamp();
        await cluster.StopMemberAsync(member);
        var told = await watcherTold.WaitAsync(Bound);
        var seen = await terminated.WaitAsync(Bound);
        cluster.StoreSystem.Stop(observer);
        cluster.StoreSystem.Stop(deleted);
        return (TimestampProbe.Ms(seen, told), TimestampProbe.Ms(stop, told));
    }

    private static async Task<double> CleanupAfterClose(EmbeddedCluster cluster, ActorSystem clientNode, string path)
    {
        var owner = await OpenClient(clientNode, cluster.ClientSettings());
        await owner.Ask<CreateResponse>(new CreateRequest(path, new byte[10], CreateMode.Ephemeral), Bound);
        var (watcher, watcherTold) = await WatchDeletion(cluster, path);
        var start = Stopwatch.GetTimestamp();
        owner.Tell(CloseSessionCommand.Instance);
        var told = await watcherTold.WaitAsync(Bound);
        clientNode.Stop(owner);
        cluster.StoreSystem.Stop(watcher);
        return TimestampProbe.Ms(start, told);
    }

    private static async Task<(IActorRef Watcher, Task<long> Told)> WatchDeletion(EmbeddedCluster cluster, string path)
    {
        var (probe, told) = TimestampProbe.Start(cluster.StoreSystem, m => m is WatchedEvent { Type: WatchEventType.NodeDeleted } e && e.Path == path);
        var client = await OpenClient(cluster.StoreSystem, cluster.ClientSettings(), probe);
        var exists = await client.Ask<ExistsResponse>(new ExistsRequest(path, Watch: true), Bound);
        if (exists.Stat is null) throw new InvalidOperationException($"{path} should exist before its owner goes");
        return (probe, told);
    }
}
