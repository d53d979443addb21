using ActorKafka.Controller;
using ActorKafka.Metadata;
using ActorKafka.Node.Cli;
using static ActorKafka.Testing.CliRun;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>`actorkafka watch`: the diff and the rendering on their own, its usage errors, and the live view of a cluster losing a node.</summary>
public sealed class WatchTests
{
    private static readonly DateTimeOffset At = new(2025, 6, 1, 12, 0, 1, 234, TimeSpan.Zero);

    private static WatchPartition Partition(int partition, int? leader, int[] isr, int leaderEpoch = 1, int partitionEpoch = 1) =>
        new(new TopicPartition("orders", partition), leader, isr, [1, 2, 3], leaderEpoch, partitionEpoch);

    private static WatchSnapshot Kraft(int controller = 3000, int epoch = 2, WatchBroker[]? brokers = null, WatchPartition[]? partitions = null)
    {
        partitions ??= [Partition(0, 1, [1, 2, 3]), Partition(1, 2, [2, 3, 1]), Partition(2, 3, [3, 1, 2])];
        var quorum = new WatchQuorum(controller, epoch, 40, [new WatchReplica(controller, "leader", 40, 0), new WatchReplica(1, "observer", 38, 2)]);
        return new WatchSnapshot(WatchMode.Kraft, At, new WatchController(controller, epoch),
            brokers ?? [new WatchBroker(1, 10, true), new WatchBroker(2, 12, true), new WatchBroker(3, 14, true)],
            quorum, 1, partitions.Length, partitions);
    }

    // The pure diff.

    [Fact]
    public void Diff_names_a_new_controller_with_its_epoch_and_a_re_election_of_the_same_one()
    {
        Assert.Equal(["controller 3000 -> 3001 (epoch 3)"], WatchDiff.Between(Kraft(3000, 2), Kraft(3001, 3)));
        Assert.Equal(["controller 3000 re-elected (epoch 2 -> 4)"], WatchDiff.Between(Kraft(3000, 2), Kraft(3000, 4)));
        Assert.Empty(WatchDiff.Between(Kraft(), Kraft()));

        var zk = Kraft() with { Mode = WatchMode.Zk, Quorum = null, Controller = new WatchController(1, 5) };
        Assert.Equal(["controller 1 -> none"], WatchDiff.Between(zk, zk with { Controller = new WatchController(null, 5) }));
        Assert.Equal(["controller none -> 2 (epoch 6)"], WatchDiff.Between(zk with { Controller = new WatchController(null, 5) },
            zk with { Controller = new WatchController(2, 6) }));
    }

    [Fact]
    public void Diff_names_a_fenced_broker_in_kraft_mode_and_a_lost_one_in_zk_mode()
    {
        WatchBroker[] two = [new(1, 10, true), new(2, 12, false), new(3, 14, true, InControlledShutdown: true)];

        Assert.Equal(["broker 2 fenced", "broker 3 in controlled shutdown"], WatchDiff.Between(Kraft(), Kraft(brokers: two)));
        Assert.Equal(["broker 2 unfenced (epoch 12)"], WatchDiff.Between(Kraft(brokers: two), Kraft(brokers: [.. two[..1], new(2, 12, true), two[2]])));

        var zk = Kraft() with { Mode = WatchMode.Zk, Quorum = null };
        Assert.Equal(["broker 2 lost"], WatchDiff.Between(zk, zk with { Brokers = [new(1, 10, true), new(2, null, false), new(3, 14, true)] }));
        Assert.Equal(["broker 2 re-registered (epoch 12 -> 90)", "broker 4 joined (epoch 91)"],
            WatchDiff.Between(zk, zk with { Brokers = [new(1, 10, true), new(2, 90, true), new(3, 14, true), new(4, 91, true)] }));
    }

    [Fact]
    public void Diff_names_leader_changes_offline_partitions_isr_changes_and_new_topics()
    {
        var after = Kraft(partitions:
        [
            Partition(0, 3, [3], leaderEpoch: 2), Partition(1, null, [2], leaderEpoch: 2), Partition(2, 3, [3, 1]),
            new WatchPartition(new TopicPartition("payments", 0), 1, [1], [1], 0, 0),
        ]);

        Assert.Equal(["topic payments created (1 partition)", "orders-0 leader 1 -> 3", "orders-1 offline (leader 2 -> none)", "orders-2 isr 3,1,2 -> 3,1"],
            WatchDiff.Between(Kraft(), after));
        Assert.Equal(["orders-1 leader none -> 2", "topic payments deleted"],
            WatchDiff.Between(after, Kraft(partitions: [after.Partitions[0], Partition(1, 2, [2]), after.Partitions[2]])));
    }

    [Fact]
    public void The_history_marks_an_unreachable_cluster_once_and_shows_what_changed_meanwhile_when_it_answers_again()
    {
        var history = new WatchHistory();
        var gone = new WatchUnreachable(WatchMode.Kraft, At, "no answer");

        Assert.Empty(history.Next(Kraft()));
        Assert.Equal(["cluster unreachable"], history.Next(gone));
        Assert.Empty(history.Next(gone));
        Assert.Equal(["cluster reachable again", "controller 3000 -> 3002 (epoch 3)"], history.Next(Kraft(3002, 3)));
        Assert.Equal(3002, history.LastReached!.Controller.Id);
    }

    // Rendering.

    [Fact]
    public void A_kraft_frame_shows_the_header_with_the_changes_then_the_controller_the_quorum_the_brokers_and_the_partitions_problems_first()
    {
        var snapshot = Kraft(brokers: [new(1, 10, true), new(2, 12, false)],
            partitions: [Partition(0, 1, [1, 2, 3], 1, 1), Partition(1, 1, [1, 3], 2, 3), Partition(2, null, [2], 4, 5)]);

        var lines = WatchRender.Frame(new WatchFrame(2, snapshot, ["broker 2 fenced", "orders-2 offline (leader 2 -> none)"], TimeSpan.FromSeconds(1), snapshot));

        Assert.Equal<string>(
        [
            "=== 2025-06-01 12:00:01.234  frame 2  kraft  changes: broker 2 fenced; orders-2 offline (leader 2 -> none)",
            "Controller: 3000, epoch 2",
            "Quorum: leader 3000, epoch 2, high watermark 40",
            "  REPLICA  ROLE      LOG END OFFSET  LAG",
            "  3000     leader    40              0",
            "  1        observer  38              2",
            "Brokers: 1 unfenced, 1 fenced",
            "  BROKER  EPOCH  STATE     CONTROLLED SHUTDOWN",
            "  1       10     unfenced  no",
            "  2       12     fenced    no",
            "Partitions: 3 in 1 topic, 1 offline, 1 under-replicated",
            "  PARTITION  LEADER  ISR    LEADER EPOCH  PARTITION EPOCH  STATUS",
            "  orders-2   none    2      4             5                OFFLINE",
            "  orders-1   1       1,3    2             3                UNDER-REPLICATED",
            "  orders-0   1       1,2,3  1             1",
        ], lines);
    }

    [Fact]
    public void A_zk_frame_shows_live_brokers_caps_the_partition_table_and_an_unreachable_frame_says_when_the_cluster_last_answered()
    {
        var partitions = Enumerable.Range(0, 40).Select(p => Partition(p, 1, [1, 2, 3])).ToArray();
        var zk = new WatchSnapshot(WatchMode.Zk, At, new WatchController(null, 7), [new(1, 4294967296, true), new(2, null, false)], null, 1, 40, partitions);

        var lines = WatchRender.Frame(new WatchFrame(1, zk, [], TimeSpan.FromMilliseconds(500), zk));

        Assert.Equal("=== 2025-06-01 12:00:01.234  frame 1  zk  changes: first frame", lines[0]);
        Assert.Equal("Controller: none (last epoch 7)", lines[1]);
        Assert.Equal(["Brokers: 1 live, 1 not live", "  BROKER  EPOCH       STATE", "  1       4294967296  live", "  2       -           not live"], lines.Skip(2).Take(4));
        Assert.Equal("Partitions: 40 in 1 topic, 0 offline, 0 under-replicated", lines[6]);
        Assert.Equal(1 + WatchRender.MaxPartitionRows, lines.Skip(7).Count(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("  ...", StringComparison.Ordinal)));
        Assert.Equal("  ... and 10 more partitions (problems are listed first)", lines[^1]);

        var gone = new WatchUnreachable(WatchMode.Zk, At.AddSeconds(5), "no coordination store answered");
        Assert.Equal<string>(
        [
            "=== 2025-06-01 12:00:06.234  frame 9  zk  changes: cluster unreachable",
            "Cluster unreachable: no coordination store answered",
            "Asking again every 500 ms; last answered at 2025-06-01 12:00:01.234.",
        ], WatchRender.Frame(new WatchFrame(9, gone, ["cluster unreachable"], TimeSpan.FromMilliseconds(500), zk)));
    }

    // The command line.

    [Theory]
    [InlineData("'watch' needs --store ADDRESS (a zk-mode cluster's store node) or --bootstrap-controllers ADDRESS,...")]
    [InlineData("give either --store (a zk-mode cluster) or --bootstrap-controllers (a KRaft cluster) to 'watch', not both",
        "--store", "akka.tcp://actorkafka@127.0.0.1:2552", "--bootstrap-controllers", "akka.tcp://actorkafka@127.0.0.1:9093")]
    [InlineData("'watch' watches a running cluster: give --store ADDRESS", "--data-dir", "/tmp/somewhere")]
    [InlineData("--interval needs a duration from 100ms to 60m, like 500ms, 2s or 1m, not 'soon'",
        "--store", "akka.tcp://actorkafka@127.0.0.1:2552", "--interval", "soon")]
    [InlineData("--interval needs a duration from 100ms to 60m", "--store", "akka.tcp://actorkafka@127.0.0.1:2552", "--interval", "10ms")]
    [InlineData("--iterations needs a whole number of at least 1, not '0'", "--store", "akka.tcp://actorkafka@127.0.0.1:2552", "--iterations", "0")]
    [InlineData("--store expects a store node's address like akka.tcp://actorkafka@127.0.0.1:2552, not '127.0.0.1:2552'", "--store", "127.0.0.1:2552")]
    [InlineData("--bootstrap-controllers expects controller node addresses", "--bootstrap-controllers", "localhost")]
    [InlineData("unknown option '--json' for 'watch'", "--store", "akka.tcp://actorkafka@127.0.0.1:2552", "--json")]
    public async Task A_bad_watch_command_line_is_a_usage_error_that_says_what_to_do(string message, params string[] rest)
    {
        var result = await RunAsync(["watch", .. rest]);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith("actorkafka: ", result.Stderr);
        Assert.Contains(message, result.Stderr);
    }

    // Against running clusters.

    [Fact]
    public async Task Watching_a_kraft_cluster_shows_a_killed_broker_fenced_and_its_leaderships_moving_in_the_next_frame()
    {
        await using var h = await KraftClusterHarness.StartAsync(3);
        h.CreateTopic("orders", 6, 3);
        h.AwaitPartitions("orders", ps => ps.Count == 6 && ps.All(p => p.Leader > 0 && p.Isr.Length == 3), "topic online");
        var victim = h.Partitions("orders").GroupBy(p => p.Leader).MaxBy(g => g.Count())!.Key;
        var led = h.Partitions("orders").Where(p => p.Leader == victim).Select(p => p.Partition).ToArray();
        var controllers = string.Join(",", h.Cluster.ControllerIds.Select(id => AkkaCluster.Get(h.Cluster[id].System).SelfAddress.ToString()));
        var stdout = new FrameGate();

        var run = RunAsync("", stdout, ["watch", "--plain", "--iterations", "3", "--interval", "100ms", "--bootstrap-controllers", controllers],
            CancellationToken.None);
        await stdout.FirstFrame.WaitAsync(KraftClusterHarness.Bound);
        await h.Cluster.KillAsync(victim);
        // The kill has taken effect once the active controller has committed the fence and moved the leaderships.
        h.Kit.AwaitCondition(() => h.EventsOf<BrokerLost>().Any(e => e.BrokerId == victim), KraftClusterHarness.Bound, TimeSpan.FromMilliseconds(50));
        h.AwaitPartitions("orders", ps => ps.All(p => p.Leader > 0 && p.Leader != victim), "leaderships moved off the killed broker");
        stdout.Release();
        var output = await run;

        Assert.True(output.ExitCode == 0, output.Shown);
        var frames = Frames(output.Stdout);
        Assert.Equal(3, frames.Count);
        Assert.Matches(@"^=== \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  frame 1  kraft  changes: first frame$", frames[0][0]);
        Assert.Matches($@"^  {victim}\s+\d+\s+unfenced\s+no$", BrokerRow(frames[0], victim));
        Assert.Contains("Partitions: 6 in 1 topic, 0 offline, 0 under-replicated", frames[0]);

        var header = frames[1][0];
        Assert.Contains($"broker {victim} fenced", header);
        foreach (var partition in led) Assert.Matches($@"orders-{partition} leader {victim} -> \d", header);
        Assert.Matches($@"^  {victim}\s+\d+\s+fenced\s+no$", BrokerRow(frames[1], victim));
        Assert.Contains("Partitions: 6 in 1 topic, 0 offline, 6 under-replicated", frames[1]);
        Assert.Matches(@"^=== .*  frame 3  kraft  changes: ", frames[2][0]);
        h.AssertSafety();
    }

    [Fact]
    public async Task Watching_a_zk_cluster_shows_the_controller_moving_when_its_broker_is_killed()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var elected = h.AwaitController();
        await h.CreateTopicAsync("orders", 3, 3);
        h.AwaitPartitions("orders", ps => ps.Count == 3 && ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "topic online");
        var stdout = new FrameGate();

        var run = RunAsync("", stdout, ["watch", "--plain", "--iterations", "2", "--interval", "100ms", "--store", h.Cluster.StoreAddress.ToString()],
            CancellationToken.None);
        await stdout.FirstFrame.WaitAsync(ZkClusterHarness.Bound);
        await h.KillAsync(h.Node(elected.ControllerId));
        var next = h.AwaitController(afterEpoch: elected.Epoch);
        h.AwaitPartitions("orders", ps => ps.All(p => p.State is { HasLeader: true } s && s.Leader != elected.ControllerId), "leaderships moved off the killed broker");
        stdout.Release();
        var output = await run;

        Assert.True(output.ExitCode == 0, output.Shown);
        var frames = Frames(output.Stdout);
        Assert.Equal(2, frames.Count);
        Assert.Equal($"Controller: broker {elected.ControllerId}, epoch {elected.Epoch}", frames[0][1]);
        Assert.Contains($"controller {elected.ControllerId} -> {next.ControllerId} (epoch {next.Epoch})", frames[1][0]);
        Assert.Contains($"broker {elected.ControllerId} lost", frames[1][0]);
        Assert.Equal($"Controller: broker {next.ControllerId}, epoch {next.Epoch}", frames[1][1]);
        Assert.Matches($@"^  {elected.ControllerId}\s+-\s+not live$", BrokerRow(frames[1], elected.ControllerId));
        h.AssertSafety();
    }

    [Fact]
    public async Task An_unreachable_cluster_is_shown_in_the_frame_and_ctrl_c_ends_the_watch_with_exit_0()
    {
        var nobody = $"akka.tcp://actorkafka@127.0.0.1:{FreePorts.Next()}";
        var stdout = new FrameGate(hold: false);
        using var ctrlC = new CancellationTokenSource();

        var run = RunAsync("", stdout, ["watch", "--plain", "--interval", "100ms", "--bootstrap-controllers", nobody], ctrlC.Token);
        await stdout.FirstFrame.WaitAsync(Bound);
        ctrlC.Cancel();
        var output = await run;

        Assert.True(output.ExitCode == 0, output.Shown);
        var first = Frames(output.Stdout)[0];
        Assert.EndsWith("frame 1  kraft  changes: cluster unreachable", first[0]);
        Assert.StartsWith($"Cluster unreachable: no active controller answered: {nobody}: no answer within 5 s", first[1]);
        Assert.Equal("Asking again every 100 ms; it has not answered yet.", first[2]);
    }

    /// <summary>The frames of --plain output: each starts at its header line.</summary>
    private static List<List<string>> Frames(IReadOnlyList<string> stdout)
    {
        var frames = new List<List<string>>();
        foreach (var line in stdout)
        {
            if (line.StartsWith(WatchRender.HeaderMark + " ", StringComparison.Ordinal)) frames.Add([]);
            Assert.True(frames.Count > 0, $"output before the first header line: {line}");
            frames[^1].Add(line);
        }
        return frames;
    }

    /// <summary>The broker's row of a frame's broker table (the quorum's table has rows for broker ids too).</summary>
    private static string BrokerRow(IReadOnlyList<string> frame, int brokerId)
    {
        var table = frame.SkipWhile(l => !l.StartsWith("Brokers:", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal));
        return Assert.Single(table, l => l.StartsWith($"  {brokerId} ", StringComparison.Ordinal));
    }

    /// <summary>
    /// The watch's stdout. It flushes each frame whole, so the first flush is the end of frame 1:
    /// there it is held (as a slow terminal would hold it) until the test has changed the cluster,
    /// so that the next frame is fetched after the change, whatever the machine's speed.
    /// </summary>
    private sealed class FrameGate(bool hold = true) : StringWriter
    {
        private readonly TaskCompletionSource _firstFrame = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _release = new(!hold);
        private int _flushes;

        public Task FirstFrame => _firstFrame.Task;

        public void Release() => _release.Set();

        public override void Flush()
        {
            base.Flush();
            if (Interlocked.Increment(ref _flushes) != 1) return;
            _firstFrame.TrySetResult();
            if (!_release.Wait(Bound)) throw new TimeoutException("the test did not release the watch after its first frame");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _release.Dispose();
            base.Dispose(disposing);
        }
    }

}
