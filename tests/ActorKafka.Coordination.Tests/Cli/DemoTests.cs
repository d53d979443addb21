using System.Text.Json;
using System.Text.RegularExpressions;
using ActorKafka.Coordination.Tests.Infrastructure;
using static ActorKafka.Coordination.Tests.Cli.CliHarness;

namespace ActorKafka.Coordination.Tests.Cli;

public sealed class DemoTests
{
    [Fact]
    public async Task Text_demo_prints_a_timeline_and_the_surviving_brokers_then_deletes_its_temporary_data_dir()
    {
        var result = await RunAsync("", "demo");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var tableAt = result.Stdout.ToList().FindIndex(l => l == "/brokers/ids at the end:");
        Assert.True(tableAt > 0, string.Join(Environment.NewLine, result.Stdout));
        var timeline = result.Stdout.Take(tableAt).ToArray();
        Assert.All(timeline, line => Assert.Matches(@"^\[\+\s*\d+ ms\] \S", line));
        foreach (var id in new[] { 1, 2, 3 }) Assert.Contains(timeline, l => l.Contains($"broker {id} registered /brokers/ids/{id}: broker epoch "));
        Assert.Contains(timeline, l => l.Contains("refused to start: NodeExists /brokers/ids/2") && l.Contains("broker id 2 is already registered by a live session"));
        Assert.Contains(timeline, l => l.EndsWith("watch fired: NodeChildrenChanged /brokers/ids"));
        Assert.Contains(timeline, l => l.EndsWith("re-armed its watch: [1, 2]"));
        Assert.Contains(timeline, l => l.Contains("broker 3 lost"));

        var rows = result.Stdout.Skip(tableAt + 2).ToArray();
        AssertLines(rows, [@"^\s+1\s+/brokers/ids/1\s+\d+ \(0x[0-9a-f]+\)\s+0x[0-9a-f]+$", @"^\s+2\s+/brokers/ids/2\s+\d+ \(0x[0-9a-f]+\)\s+0x[0-9a-f]+$"]);

        var dataDir = Regex.Match(timeline[0], @"\(data dir (.+)\)$").Groups[1].Value;
        Assert.NotEmpty(dataDir);
        Assert.False(Directory.Exists(dataDir), $"{dataDir} was left behind");
    }

    [Fact]
    public async Task Json_demo_reports_registrations_the_refused_duplicate_the_lost_broker_and_a_summary()
    {
        using var dir = new TempDataDir();
        var result = await RunAsync("", "demo", "--json", "--data-dir", dir.Path);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var events = result.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        var times = events.Select(e => e.GetProperty("t_ms").GetInt64()).ToArray();
        Assert.Equal(times.Order(), times);
        string Kind(JsonElement e) => e.GetProperty("event").GetString()!;
        Assert.All(events, e => Assert.Contains(Kind(e), new[] { "broker-registered", "broker-registration-rejected", "broker-lost", "watch-fired", "summary" }));

        var registered = events.Where(e => Kind(e) == "broker-registered")
            .ToDictionary(e => e.GetProperty("brokerId").GetInt32(), e => e.GetProperty("brokerEpoch").GetInt64());
        Assert.Equal([1, 2, 3], registered.Keys.Order());
        Assert.True(registered[1] < registered[2] && registered[2] < registered[3], "broker epochs follow registration order");

        var rejected = Assert.Single(events, e => Kind(e) == "broker-registration-rejected");
        Assert.Equal((2, "NodeExists"), (rejected.GetProperty("brokerId").GetInt32(), rejected.GetProperty("error").GetString()));

        var lost = Assert.Single(events, e => Kind(e) == "broker-lost");
        Assert.Equal(3, lost.GetProperty("brokerId").GetInt32());
        var lostAt = Array.IndexOf(events, lost);
        var fired = events.Take(lostAt).Last(e => Kind(e) == "watch-fired");
        Assert.Equal(("NodeChildrenChanged", "/brokers/ids"), (fired.GetProperty("type").GetString(), fired.GetProperty("path").GetString()));

        var summary = events[^1];
        Assert.Equal("summary", Kind(summary));
        var brokers = summary.GetProperty("brokers").EnumerateArray().ToArray();
        Assert.Equal([1, 2], brokers.Select(b => b.GetProperty("brokerId").GetInt32()));
        Assert.All(brokers, b => Assert.Equal(registered[b.GetProperty("brokerId").GetInt32()], b.GetProperty("brokerEpoch").GetInt64()));
        var sessions = brokers.Select(b => b.GetProperty("session").GetInt64()).ToArray();
        Assert.All(sessions, s => Assert.NotEqual(0, s));
        Assert.NotEqual(sessions[0], sessions[1]);
    }
}
