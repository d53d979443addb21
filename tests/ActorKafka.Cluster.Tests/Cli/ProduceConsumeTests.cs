using System.Text.Json;
using System.Text.RegularExpressions;
using ActorKafka.Broker.Replication;
using Akka.Actor;
using static ActorKafka.Testing.CliRun;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>One KRaft cluster (three brokers) for every produce/consume test; each test has a topic of its own.</summary>
public sealed class ProduceConsumeCluster : IAsyncLifetime
{
    public KraftClusterHarness Harness { get; private set; } = null!;

    /// <summary>Every broker node's address, as a user would pass them to --bootstrap-brokers.</summary>
    public string Bootstrap => string.Join(",", Harness.Cluster.Brokers.Select(b => AkkaCluster.Get(b.System).SelfAddress));

    public async Task InitializeAsync() => Harness = await KraftClusterHarness.StartAsync(3);

    public async Task DisposeAsync() => await Harness.DisposeAsync();

    /// <summary>Creates the topic (replication factor 2) and waits until every broker answers clients with a leader for each partition.</summary>
    public void CreateTopic(string topic, int partitions)
    {
        Harness.CreateTopic(topic, partitions, 2);
        Harness.Kit.AwaitAssert(() =>
        {
            foreach (var broker in Harness.Cluster.Brokers)
            {
                var answer = broker.Broker!.Ask<ClientMetadataResponse>(new ClientMetadataRequest(1, [topic]), TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                Assert.Equal(partitions, answer.Partitions.Count(p => p.Leader > 0));
            }
        }, KraftClusterHarness.Bound, TimeSpan.FromMilliseconds(100));
    }
}

/// <summary>`actorkafka produce` and `actorkafka consume` against a KRaft cluster running in this process.</summary>
public sealed class ProduceConsumeTests(ProduceConsumeCluster cluster) : IClassFixture<ProduceConsumeCluster>
{
    // Kafka's murmur2 puts these keys in partitions 0, 1 and 2 of three.
    private static readonly string[] Input =
    [
        "alice\ta1", "dave\td1", "carol\tc1", "no key 1", "alice\ta2", "no key 2", "carol\tc2", "no key 3", "no key 4", "alice\ta3", "dave\td2",
    ];

    private string[] Args(params string[] rest) => ["--bootstrap-brokers", cluster.Bootstrap, .. rest];

    private static IEnumerable<JsonElement> Json(CliOutput output) => output.Stdout.Select(l => JsonDocument.Parse(l).RootElement);

    [Fact]
    public async Task Keyed_and_keyless_lines_come_back_with_their_keys_in_order_per_partition()
    {
        cluster.CreateTopic("lines", 3);

        var produced = await RunAsync(string.Join("\n", Input) + "\n", ["produce", .. Args("--topic", "lines")]);

        Assert.True(produced.ExitCode == 0, produced.Shown);
        Assert.Empty(produced.Stdout);
        var batches = Regex.Matches(produced.Stderr, @"^produced (\d+) records? to lines-(\d) at offsets (\d+)\.\.(\d+)$", RegexOptions.Multiline);
        Assert.NotEmpty(batches);
        Assert.All(batches, b => Assert.Equal(int.Parse(b.Groups[4].Value) - int.Parse(b.Groups[3].Value) + 1, int.Parse(b.Groups[1].Value)));
        Assert.Equal(Input.Length, batches.Sum(b => int.Parse(b.Groups[1].Value)));
        Assert.Matches(@"(?m)^produced 11 records to lines in \d+ batch(es)?, acks=all \(lines-0: 5 \(0\.\.4\), lines-1: 3 \(0\.\.2\), lines-2: 3 \(0\.\.2\)\)$",
            produced.Stderr);

        // Keys by murmur2, keyless lines in turn (the first to partition 0): each partition holds its lines in input order.
        var keyless = 0;
        var expected = Input.GroupBy(line => line.Split('\t') switch
        {
            ["alice", _] => 0,
            ["dave", _] => 1,
            ["carol", _] => 2,
            _ => keyless++ % 3,
        }).ToDictionary(g => g.Key, g => g.ToArray());
        var json = await RunAsync(["consume", .. Args("--topic", "lines", "--format", "json")]);
        Assert.True(json.ExitCode == 0, json.Shown);
        var records = Json(json).ToArray();
        Assert.Equal(Input.Length, records.Length);
        foreach (var partition in records.GroupBy(r => r.GetProperty("partition").GetInt32()))
        {
            Assert.All(partition, r => Assert.Equal("lines", r.GetProperty("topic").GetString()));
            Assert.Equal(Enumerable.Range(0, partition.Count()), partition.Select(r => r.GetProperty("offset").GetInt32()));
            var lines = partition.Select(r => r.GetProperty("key").GetString() is { } key
                ? key + "\t" + r.GetProperty("value").GetString()
                : r.GetProperty("value").GetString());
            Assert.Equal(expected[partition.Key], lines);
        }
        Assert.Contains(records, r => r.GetProperty("key").ValueKind == JsonValueKind.Null && r.GetProperty("value").GetString() == "no key 1");
        Assert.Contains("consumed 11 records from lines (all 3 partitions)", json.Stderr);

        // Text: KEY<TAB>VALUE, or the value alone for a keyless record: the lines given to produce, partition after partition.
        var text = await RunAsync(["consume", .. Args("--topic", "lines", "--from-beginning")]);
        Assert.True(text.ExitCode == 0, text.Shown);
        Assert.Equal(expected.OrderBy(p => p.Key).SelectMany(p => p.Value), text.Stdout);

        var one = await RunAsync(["consume", .. Args("--topic", "lines", "--partition", "2")]);
        Assert.True(one.ExitCode == 0, one.Shown);
        Assert.Equal(expected[2], one.Stdout);
        Assert.Contains("consumed 3 records from lines-2", one.Stderr);

        var two = await RunAsync(["consume", .. Args("--topic", "lines", "--max-records", "2")]);
        Assert.True(two.ExitCode == 0, two.Shown);
        Assert.Equal(expected[0].Take(2), two.Stdout);
    }

    [Fact]
    public async Task One_partition_with_acks_1_a_custom_separator_and_a_start_offset()
    {
        cluster.CreateTopic("chosen", 2);

        var produced = await RunAsync("k:v1\nk:v2\nplain\n", ["produce", .. Args("--topic", "chosen", "--partition", "1", "--acks", "1", "--key-separator", ":")]);

        Assert.True(produced.ExitCode == 0, produced.Shown);
        Assert.Matches(@"(?m)^produced 3 records to chosen in \d+ batch(es)?, acks=1 \(chosen-1: 3 \(0\.\.2\)\)$", produced.Stderr);
        // acks=1 answers before the follower has the records: they are committed (readable) once it has, which --follow waits for.
        var committed = await RunAsync(["consume", .. Args("--topic", "chosen", "--partition", "1", "--follow", "--from-beginning", "--max-records", "3")]);
        Assert.True(committed.ExitCode == 0, committed.Shown);
        Assert.Equal(["k\tv1", "k\tv2", "plain"], committed.Stdout);
        var empty = await RunAsync(["consume", .. Args("--topic", "chosen", "--partition", "0")]);
        Assert.True(empty.ExitCode == 0, empty.Shown);
        Assert.Empty(empty.Stdout);
        var from1 = await RunAsync(["consume", .. Args("--topic", "chosen", "--partition", "1", "--offset", "1")]);
        Assert.True(from1.ExitCode == 0, from1.Shown);
        Assert.Equal(["k\tv2", "plain"], from1.Stdout);

        var beyond = await RunAsync(["consume", .. Args("--topic", "chosen", "--partition", "1", "--offset", "9")]);
        Assert.Equal(2, beyond.ExitCode);
        Assert.Contains("--offset 9 is outside chosen-1's committed records (OFFSET_OUT_OF_RANGE): give an offset from 0 to 3", beyond.Stderr);
    }

    [Fact]
    public async Task Acks_0_sends_without_an_answer_and_the_records_still_arrive()
    {
        cluster.CreateTopic("unanswered", 1);

        var produced = await RunAsync("fire\nforget\n", ["produce", .. Args("--topic", "unanswered", "--acks", "0")]);

        Assert.True(produced.ExitCode == 0, produced.Shown);
        Assert.Contains("with acks=0: the leader does not answer, so neither offsets nor delivery are known", produced.Stderr);
        Assert.Matches(@"(?m)^sent 2 records to unanswered in \d+ batch(es)?, acks=0 \(unanswered-0: 2\)$", produced.Stderr);
        // Committed once the follower has them: --follow waits for that, --max-records ends it.
        var consumed = await RunAsync(["consume", .. Args("--topic", "unanswered", "--follow", "--from-beginning", "--max-records", "2")]);
        Assert.True(consumed.ExitCode == 0, consumed.Shown);
        Assert.Equal(["fire", "forget"], consumed.Stdout);
    }

    [Fact]
    public async Task Follow_prints_new_records_as_they_are_committed_until_max_records_or_the_stop()
    {
        cluster.CreateTopic("followed", 2);
        Assert.Equal(0, (await RunAsync("old 1\nold 2\n", ["produce", .. Args("--topic", "followed")])).ExitCode);

        // From the beginning: the two records there, then two produced while it follows; --max-records ends it.
        var stdout = new WatchedWriter();
        var following = RunAsync("", stdout, ["consume", .. Args("--topic", "followed", "--follow", "--from-beginning", "--max-records", "4")],
            CancellationToken.None);
        await stdout.LinesWritten(2).WaitAsync(Bound);
        var more = await RunAsync("new 1\nnew 2\n", ["produce", .. Args("--topic", "followed")]);
        Assert.True(more.ExitCode == 0, more.Shown);
        var followed = await following;
        Assert.True(followed.ExitCode == 0, followed.Shown);
        Assert.Equal(["new 1", "new 2", "old 1", "old 2"], followed.Stdout.Order());

        // At the end (the default with --follow), until stopped as Ctrl-C would: only what came after it started.
        using var stop = new CancellationTokenSource();
        var tail = new WatchedWriter();
        var tailing = RunAsync("", tail, ["consume", .. Args("--topic", "followed", "--follow", "--partition", "1")], stop.Token);
        // Produced until one arrives: the tail may start after the first of them, never before its own start.
        var printed = tail.LinesWritten(1);
        await AwaitProducedWhileAsync(() => !printed.IsCompleted, "followed", "1");
        await stop.CancelAsync();
        var stopped = await tailing;
        Assert.True(stopped.ExitCode == 0, stopped.Shown);
        Assert.NotEmpty(stopped.Stdout);
        Assert.All(stopped.Stdout, line => Assert.StartsWith("late ", line));
        Assert.Matches($"consumed {stopped.Stdout.Count} records? from followed-1", stopped.Stderr);
    }

    [Fact]
    public async Task An_unknown_topic_or_partition_is_bad_input_that_names_it()
    {
        cluster.CreateTopic("known", 2);

        var produce = await RunAsync("x\n", ["produce", .. Args("--topic", "nope")]);
        Assert.Equal(2, produce.ExitCode);
        Assert.Contains("actorkafka produce: unknown topic 'nope': the brokers know no such topic (UNKNOWN_TOPIC_OR_PARTITION)", produce.Stderr);

        var consume = await RunAsync(["consume", .. Args("--topic", "nope")]);
        Assert.Equal(2, consume.ExitCode);
        Assert.Empty(consume.Stdout);
        Assert.Contains("actorkafka consume: unknown topic 'nope'", consume.Stderr);

        var partition = await RunAsync(["consume", .. Args("--topic", "known", "--partition", "5")]);
        Assert.Equal(2, partition.ExitCode);
        Assert.Contains("topic 'known' has no partition 5 (UNKNOWN_TOPIC_OR_PARTITION): its partitions are 0 to 1", partition.Stderr);
    }

    /// <summary>Produces one "late N" record at a time to the partition until <paramref name="more"/> says enough, within the bound.</summary>
    private async Task AwaitProducedWhileAsync(Func<bool> more, string topic, string partition)
    {
        var deadline = DateTime.UtcNow + Bound;
        for (var n = 0; more(); n++)
        {
            Assert.True(DateTime.UtcNow < deadline, "the follower printed nothing of what was produced");
            var late = await RunAsync($"late {n}\n", ["produce", .. Args("--topic", topic, "--partition", partition)]);
            Assert.True(late.ExitCode == 0, late.Shown);
        }
    }
}

/// <summary>A stdout that tells when a number of lines have been written to it.</summary>
public sealed class WatchedWriter : StringWriter
{
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = new();
    private int _lines;

    public Task LinesWritten(int count)
    {
        lock (_gate)
        {
            if (_lines >= count) return Task.CompletedTask;
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task;
        }
    }

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        lock (_gate)
        {
            _lines++;
            foreach (var waiter in _waiters.Where(w => w.Count <= _lines).ToArray())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
