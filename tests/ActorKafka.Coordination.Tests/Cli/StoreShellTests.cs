using ActorKafka.Coordination.Tests.Infrastructure;
using ActorKafka.Node.Hosting;
using static ActorKafka.Coordination.Tests.Cli.CliHarness;

namespace ActorKafka.Coordination.Tests.Cli;

public sealed class StoreShellTests : IDisposable
{
    private readonly TempDataDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<CliResult> ShellAsync(string script) => RunAsync(script, "store", "shell", "--data-dir", _dir.Path);

    [Fact]
    public async Task Every_command_and_every_error_code_answers_one_line()
    {
        var result = await ShellAsync("""
            # comments and blank lines are ignored

            create /a hello
            create /a again
            get /a
            set /a world
            set -v 0 /a stale
            set -v 1 /a "two words"
            get -s /a
            create -e /a/eph e
            create /a/eph/child c
            create -s /a/seq- s
            create -e -s /a/eseq- x
            ls /a
            ls -s /a
            stat /a
            stat /nope
            get /nope
            create /x/y z
            delete /a
            delete -v 5 /a/seq-0000000001
            delete -v 0 /a/seq-0000000001
            create a/b x
            get /a/
            set -v x /a 1
            frobnicate /a
            get
            sync
            close
            get /a
            create /b x
            close
            """);

        Assert.Equal(0, result.ExitCode);
        AssertLines(result.Stdout,
        [
            Exact("/a"),
            Error(ZkErrorCode.NodeExists, "/a"),
            Exact("hello"),
            Exact("OK"),
            Error(ZkErrorCode.BadVersion, "/a"),
            Exact("OK"),
            Exact("two words"),
            .. Stat(dataVersion: 2, dataLength: 9, numChildren: 0),
            Exact("/a/eph"),
            Error(ZkErrorCode.NoChildrenForEphemerals, "/a/eph/child"),
            Exact("/a/seq-0000000001"),
            Exact("/a/eseq-0000000002"),
            Exact("[eph, eseq-0000000002, seq-0000000001]"),
            Exact("[eph, eseq-0000000002, seq-0000000001]"),
            .. Stat(dataVersion: 2, dataLength: 9, numChildren: 3),
            .. Stat(dataVersion: 2, dataLength: 9, numChildren: 3),
            Error(ZkErrorCode.NoNode, "/nope"),
            Error(ZkErrorCode.NoNode, "/nope"),
            Error(ZkErrorCode.NoNode, "/x/y"),
            Error(ZkErrorCode.NotEmpty, "/a"),
            Error(ZkErrorCode.BadVersion, "/a/seq-0000000001"),
            Exact("OK"),
            Error(ZkErrorCode.BadArguments, "a/b"),
            Error(ZkErrorCode.BadArguments, "/a/"),
            Usage("VERSION must be an integer, not 'x'"),
            Usage("unknown command 'frobnicate'"),
            Usage("missing PATH"),
            Exact("OK"),
            Exact("OK"),
            Error(ZkErrorCode.SessionExpired, "/a"),
            Error(ZkErrorCode.SessionExpired, "/b"),
            Error(ZkErrorCode.SessionExpired, "/"),
        ]);
    }

    [Fact]
    public async Task Ephemeral_stat_names_its_session()
    {
        var result = await ShellAsync("""
            create -e /e x
            stat /e
            """);

        AssertLines(result.Stdout, [Exact("/e"), .. Stat(dataVersion: 0, dataLength: 1, numChildren: 0, ephemeral: true)]);
    }

    [Fact]
    public async Task A_fired_watch_is_printed_before_the_reply_that_follows_it()
    {
        var result = await ShellAsync("""
            create /w data
            get -w /w
            set /w v2
            stat -w /w/new
            create /w/new n
            ls -w /w
            create /w/other o
            get -w /w/other
            delete /w/other
            """);

        AssertLines(result.Stdout,
        [
            Exact("/w"),
            Exact("data"),
            Exact("WATCHER: NodeDataChanged /w"),
            Exact("OK"),
            Error(ZkErrorCode.NoNode, "/w/new"),
            Exact("WATCHER: NodeCreated /w/new"),
            Exact("/w/new"),
            Exact("[new]"),
            Exact("WATCHER: NodeChildrenChanged /w"),
            Exact("/w/other"),
            Exact("o"),
            Exact("WATCHER: NodeDeleted /w/other"),
            Exact("OK"),
        ]);
    }

    [Fact]
    public async Task A_second_run_on_the_same_data_dir_sees_persistent_nodes_but_not_ephemerals()
    {
        var first = await ShellAsync("""
            create /p kept
            create /p/child c
            create -e /p/eph gone
            """);
        AssertLines(first.Stdout, [Exact("/p"), Exact("/p/child"), Exact("/p/eph")]);

        var second = await ShellAsync("""
            get /p
            ls /p
            stat /p/eph
            """);

        Assert.Equal(0, second.ExitCode);
        AssertLines(second.Stdout, [Exact("kept"), Exact("[child]"), Error(ZkErrorCode.NoNode, "/p/eph")]);
    }

    [Fact]
    public async Task Store_mode_talks_to_a_running_store_prints_idle_watches_and_closes_at_end_of_input()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(_dir.Path, logLevel: "ERROR");
        await using var admin = await CoordinationSession.OpenAsync(cluster.StoreSystem, cluster.ClientSettings());
        var stdin = new FedReader();
        var stdout = new AwaitableWriter();
        var stderr = new StringWriter();
        var shell = Node.Cli.CliRunner.RunAsync(["store", "shell", "--store", cluster.StoreAddress.ToString()], stdin, stdout,
            TextWriter.Synchronized(stderr));

        stdin.Send("create /idle v1");
        stdin.Send("get -w /idle");
        await stdout.WaitForLineAsync("v1", Bound);
        // Nothing more is typed: the watch must be printed while the shell waits for input.
        await admin.SetDataAsync("/idle", "v2"u8.ToArray());
        await stdout.WaitForLineAsync("WATCHER: NodeDataChanged /idle", Bound);
        stdin.Send("create -e /remote-eph x");
        await stdout.WaitForLineAsync("/remote-eph", Bound);
        Assert.NotNull(await admin.ExistsAsync("/remote-eph"));
        stdin.End();

        Assert.Equal(0, await shell.WaitAsync(Bound));
        AssertLines(stdout.Lines, [Exact("/idle"), Exact("v1"), Exact("WATCHER: NodeDataChanged /idle"), Exact("/remote-eph")]);
        Assert.Null(await admin.ExistsAsync("/remote-eph"));
    }
}
