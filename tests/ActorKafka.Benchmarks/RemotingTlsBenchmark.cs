using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Benchmarks;

/// <summary>
/// What TLS costs Akka remoting between two nodes (actorkafka.node.tls, docs/TLS.md): two
/// ActorSystems on loopback configured as nodes are, once in plain TCP and once with TLS (a
/// self-signed certificate, validation suppressed), measured in the same run. Round trips: one
/// ask at a time of a 100-byte message, p50 and p99. Throughput: a burst of one-way 1 KiB messages,
/// answered when the last arrives. The ratio tls/plain is taken per run.
/// </summary>
public static class RemotingTlsBenchmark
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkOptions options)
    {
        var roundTrips = options.Ints("--round-trips", 2000)[0];
        var messages = options.Ints("--messages", 20000)[0];
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-bench-tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var tls = new RemotingTls(WriteCertificate(dir), "bench", SuppressValidation: true);
            var results = new Dictionary<string, List<(double P50, double P99, double PerSecond)>> { ["plain"] = new(), ["tls"] = new() };
            for (var run = 0; run < options.Runs; run++)
            {
                // Alternating which mode goes first spreads the machine's drift over both.
                foreach (var (mode, setting) in run % 2 == 0 ? new[] { ("plain", (RemotingTls?)null), ("tls", tls) } : new[] { ("tls", (RemotingTls?)tls), ("plain", null) })
                {
                    var measured = await MeasureAsync(setting, dir, roundTrips, messages);
                    results[mode].Add(measured);
                    Console.Error.WriteLine($"run {run + 1}/{options.Runs} {mode}: round trip p50 {measured.P50:0.###} ms, p99 {measured.P99:0.###} ms, {measured.PerSecond:N0} msg/s");
                }
            }

            var report = new BenchmarkReport("remoting-tls");
            foreach (var mode in new[] { "plain", "tls" })
            {
                report.Add($"{mode} round trip p50", "ms", results[mode].Select(r => r.P50));
                report.Add($"{mode} round trip p99", "ms", results[mode].Select(r => r.P99));
                report.Add($"{mode} one-way 1 KiB", "msg/s", results[mode].Select(r => r.PerSecond));
            }
            report.Add("tls/plain round trip p50", "ratio", results["tls"].Zip(results["plain"], (t, p) => t.P50 / p.P50));
            report.Add("tls/plain throughput", "ratio", results["tls"].Zip(results["plain"], (t, p) => t.PerSecond / p.PerSecond));
            report.Note($"{roundTrips} sequential asks and {messages} one-way messages per mode and run; loopback, two ActorSystems in one process");
            return report;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(double P50, double P99, double PerSecond)> MeasureAsync(RemotingTls? tls, string dir, int roundTrips, int messages)
    {
        var sender = NewSystem("bench-a", dir, tls);
        var receiver = NewSystem("bench-b", dir, tls);
        try
        {
            receiver.ActorOf(Props.Create(() => new Echo()), "echo");
            var address = ((ExtendedActorSystem)receiver).Provider.DefaultAddress.ToString();
            var echo = await sender.ActorSelection(address + "/user/echo").ResolveOne(TimeSpan.FromSeconds(10));
            var small = new byte[100];
            for (var i = 0; i < 200; i++) await echo.Ask<byte[]>(small, TimeSpan.FromSeconds(10));

            var latencies = new List<double>(roundTrips);
            for (var i = 0; i < roundTrips; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await echo.Ask<byte[]>(small, TimeSpan.FromSeconds(10));
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var payload = new byte[1024];
            var clock = Stopwatch.StartNew();
            var done = echo.Ask<string>(new Burst(messages), TimeSpan.FromMinutes(2));
            for (var i = 0; i < messages; i++) echo.Tell(payload);
            await done;
            var perSecond = messages / clock.Elapsed.TotalSeconds;
            return (Statistics.Percentile(latencies, 50), Statistics.Percentile(latencies, 99), perSecond);
        }
        finally
        {
            await sender.Terminate();
            await receiver.Terminate();
        }
    }

    private static ActorSystem NewSystem(string name, string dir, RemotingTls? tls) =>
        ActorSystem.Create(name, NodeConfig.Build(new NodeOptions(dir, [], [], LogLevel: "OFF", ExtraHocon: "akka.actor.provider = remote", Tls: tls)));

    private static string WriteCertificate(string dir)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=actorkafka-bench", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(dir, "bench.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "bench"));
        return path;
    }

    /// <summary>Announces a burst: answer "done" once that many one-way messages have arrived.</summary>
    public sealed record Burst(int Messages);

    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            var expected = 0;
            var received = 0;
            IActorRef? waiting = null;
            Receive<Burst>(b =>
            {
                expected = b.Messages;
                received = 0;
                waiting = Sender;
            });
            Receive<byte[]>(bytes =>
            {
                if (waiting is null)
                {
                    Sender.Tell(bytes);
                    return;
                }
                if (++received < expected) return;
                waiting.Tell("done");
                waiting = null;
            });
        }
    }
}
