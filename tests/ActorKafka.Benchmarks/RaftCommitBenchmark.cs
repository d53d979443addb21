using System.Diagnostics;
using ActorKafka.Coordination;
using ActorKafka.Node.Cli;
using ActorKafka.Raft;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Benchmarks;

/// <summary>
/// Three Raft voters in three ActorSystems over loopback remoting, each durable on its own SQLite
/// file on the same disk: commit throughput and latency of 100-byte records with 1 and 64
/// proposals in flight (client colocated with the leader), then failover: terminate the leader's
/// system (its sockets close as in kill -9) and time until a write commits again.
/// </summary>
public static class RaftCommitBenchmark
{
    private const int Voters = 3;
    private const int FailoverSamples = 10;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var sequential = options.Operations > 0 ? options.Operations : 2000;
        var pipelined = sequential * 10;
        var killsPerRun = (int)Math.Ceiling(FailoverSamples / (double)options.Runs);
        var series = new Dictionary<string, List<double>>();
        var failovers = new List<double>();
        void Record(string key, double value) => (series.TryGetValue(key, out var l) ? l : series[key] = new List<double>()).Add(value);

        for (var run = 1; run <= options.Runs; run++)
        {
            var root = Path.Combine(Path.GetTempPath(), "actorkafka-bench", Guid.NewGuid().ToString("N"));
            try
            {
                var (commits, rows) = SqliteDiskProbe.Measure(Directory.CreateDirectory(root).FullName, TimeSpan.FromSeconds(1));
                Record("disk single-row commits", commits);
                Record("disk rows in one transaction", rows);
                await using var cluster = await BenchCluster.StartAsync(root);
                var leader = await cluster.AwaitLeaderAsync();
                Console.Error.WriteLine($"run {run}/{options.Runs}: node {leader} leads; warming up");
                await Drive(cluster, leader, 500, 64);

                Console.Error.WriteLine($"run {run}: {sequential} sequential proposals, {pipelined} with 64 in flight");
                var before = await cluster.StatusAsync(leader);
                Measure("commit, 1 in flight", await Drive(cluster, leader, sequential, 1));
                Measure("commit, 64 in flight", await Drive(cluster, leader, pipelined, 64));
                var after = await cluster.StatusAsync(leader);
                Record("leader's journal writes per committed batch", (after.JournalWrites - before.JournalWrites) / (double)(sequential + pipelined));

                for (var k = 0; k < killsPerRun && failovers.Count < FailoverSamples; k++)
                {
                    var failover = await cluster.KillLeaderAndTimeFailoverAsync();
                    failovers.Add(failover);
                    Console.Error.WriteLine($"run {run}: leader killed, next write committed after {failover:0} ms");
                }
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                try { Directory.Delete(root, true); } catch (IOException) { }
            }
        }

        var report = new BenchmarkReport("raft-commit");
        foreach (var (key, values) in series)
            report.Add(key, key.StartsWith("disk") ? "/s" : key.Contains("p50") || key.Contains("p99") ? "ms" : key.Contains("per") ? "writes" : "commits/s", values);
        report.Add($"failover: leader killed -> next write committed ({failovers.Count} kills)", "ms", failovers);
        var ceiling = Statistics.Median(series["disk rows in one transaction"]);
        var commitCeiling = Statistics.Median(series["disk single-row commits"]);
        var pipelinedRate = Statistics.Median(series["commit, 64 in flight commits/s"]);
        report.Note($"64 in flight / SQLite batched row rate (ceiling) = {pipelinedRate / ceiling:0.000} ({pipelinedRate:N0} of {ceiling:N0} rows/s)");
        report.Note($"64 in flight / SQLite single-row commit rate = {pipelinedRate / commitCeiling:0.00}x (group commit)");
        report.Note($"sequential p50 / one SQLite commit = {Statistics.Median(series["commit, 1 in flight p50"]) / (1000 / commitCeiling):0.00}x");
        report.Note("targets: >= 6,000 commits/s at 64 in flight; sequential p50 <= 1.2 ms; median failover <= 700 ms (election timeout 1 s)");
        return report;

        void Measure(string name, LoadResult result)
        {
            if (result.Errors > 0) throw new InvalidOperationException($"{name}: {result.Errors} proposals were rejected");
            Record($"{name} commits/s", result.LatenciesMs.Length / result.Seconds);
            Record($"{name} p50", Statistics.Percentile(result.LatenciesMs, 50));
            Record($"{name} p99", Statistics.Percentile(result.LatenciesMs, 99));
        }
    }

    private static async Task<LoadResult> Drive(BenchCluster cluster, int leader, int total, int inFlight)
    {
        var system = cluster.Systems[leader];
        var driver = system.ActorOf(Props.Create(() => new ProposeDriver(cluster.Voters[leader], total, inFlight)));
        var result = await driver.Ask<LoadResult>(ProposeDriver.Start.Instance, TimeSpan.FromMinutes(5));
        system.Stop(driver);
        return result;
    }

    public sealed record LoadResult(double Seconds, double[] LatenciesMs, int Errors);

    /// <summary>Closed loop: keeps <c>inFlight</c> proposals of one 100-byte record outstanding until <c>total</c> are answered.</summary>
    private sealed class ProposeDriver : ReceiveActor
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Dictionary<long, long> _sentAt = new();
        private readonly List<double> _latencies;
        private long _sent;
        private int _errors;
        private long _started;
        private IActorRef _replyTo = ActorRefs.Nobody;

        public ProposeDriver(IActorRef voter, int total, int inFlight)
        {
            _latencies = new List<double>(total);
            var record = new byte[100];
            Receive<Start>(_ =>
            {
                _replyTo = Sender;
                _started = _clock.ElapsedTicks;
                for (var i = 0; i < inFlight && _sent < total; i++) Send();
            });
            Receive<Proposed>(p => Answered(p.RequestId, ok: true));
            Receive<ProposalRejected>(p => Answered(p.RequestId, ok: false));

            void Answered(long requestId, bool ok)
            {
                if (!_sentAt.Remove(requestId, out var at)) return;
                _latencies.Add((_clock.ElapsedTicks - at) * 1000.0 / Stopwatch.Frequency);
                if (!ok) _errors++;
                if (_sent < total) Send();
                else if (_latencies.Count == total)
                    _replyTo.Tell(new LoadResult((_clock.ElapsedTicks - _started) / (double)Stopwatch.Frequency, _latencies.ToArray(), _errors));
            }

            void Send()
            {
                var id = ++_sent;
                _sentAt[id] = _clock.ElapsedTicks;
                voter.Tell(new Propose(id, new[] { record }));
            }
        }

        public sealed record Start
        {
            public static readonly Start Instance = new();
        }
    }

    /// <summary>Three nodes on fixed loopback ports so that a killed node can come back at the same address.</summary>
    private sealed class BenchCluster : IAsyncDisposable
    {
        private readonly string _root;
        private readonly Dictionary<int, int> _ports = new();
        private string _voters = "";

        private BenchCluster(string root) => _root = root;

        public Dictionary<int, ActorSystem> Systems { get; } = new();
        public Dictionary<int, IActorRef> Voters { get; } = new();

        public static Task<BenchCluster> StartAsync(string root)
        {
            var cluster = new BenchCluster(root);
            for (var id = 1; id <= RaftCommitBenchmark.Voters; id++)
            {
                cluster.Systems[id] = cluster.NewSystem(id, 0);
                cluster._ports[id] = ((ExtendedActorSystem)cluster.Systems[id]).Provider.DefaultAddress.Port!.Value;
            }
            cluster._voters = "actorkafka.raft.voters = [ " + string.Join(", ", cluster._ports.Select(p =>
                $"{{ id = {p.Key}, address = \"akka.tcp://raft@127.0.0.1:{p.Value}\" }}")) + " ]";
            foreach (var id in cluster.Systems.Keys) cluster.StartVoter(id);
            return Task.FromResult(cluster);
        }

        private ActorSystem NewSystem(int id, int port)
        {
            var config = ConfigurationFactory.ParseString($$"""
                    akka.loglevel = ERROR
                    {{StderrLogger.Hocon}}
                    akka.actor.provider = remote
                    akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
                    actorkafka.raft { node-id = {{id}}, election-timeout = 1000ms }
                    """)
                .WithFallback(StorePersistence.Sqlite(Path.Combine(_root, $"node-{id}")))
                .WithFallback(RaftSettings.Defaults);
            return ActorSystem.Create("raft", config);
        }

        private void StartVoter(int id) =>
            Voters[id] = Systems[id].StartRaftVoter(RaftSettings.From(ConfigurationFactory.ParseString(_voters).WithFallback(Systems[id].Settings.Config)));

        public Task<RaftStatus> StatusAsync(int id) => Voters[id].Ask<RaftStatus>(GetRaftStatus.Instance, Bound);

        public async Task<int> AwaitLeaderAsync()
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Bound)
            {
                var statuses = await Task.WhenAll(Voters.Keys.Select(StatusAsync));
                var leaders = statuses.Where(s => s.Role == RaftRole.Leader).ToList();
                if (leaders.Count == 1 && statuses.All(s => s.LeaderId == leaders[0].NodeId && s.HighWatermark == leaders[0].LogEndOffset))
                    return leaders[0].NodeId;
                await Task.Delay(20);
            }
            throw new TimeoutException("no stable leader");
        }

        /// <summary>Kills the leader's node, then proposes to the survivors until one commits; restarts the node afterwards.</summary>
        public async Task<double> KillLeaderAndTimeFailoverAsync()
        {
            var leader = await AwaitLeaderAsync();
            var survivors = Voters.Where(v => v.Key != leader).ToList();
            var clock = Stopwatch.StartNew();
            var dying = Systems[leader].Terminate();
            Voters.Remove(leader);
            Systems.Remove(leader);
            var id = 1_000_000L;
            var committed = false;
            while (!committed && clock.Elapsed < Bound)
            {
                var attempts = survivors.Select(v => v.Value.Ask<object>(new Propose(++id, new[] { new byte[100] }), TimeSpan.FromMilliseconds(200))
                    .ContinueWith(t => t.IsCompletedSuccessfully && t.Result is Proposed)).ToList();
                committed = (await Task.WhenAll(attempts)).Any(ok => ok);
                if (!committed) await Task.Delay(5);
            }
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (!committed) throw new TimeoutException("no write committed after the leader was killed");
            await dying;
            SqliteConnection.ClearAllPools();
            Systems[leader] = NewSystem(leader, _ports[leader]);
            StartVoter(leader);
            await AwaitLeaderAsync();
            return elapsed;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var system in Systems.Values) await system.Terminate();
        }
    }
}
