using static ActorKafka.Coordination.Tests.Cli.CliHarness;

namespace ActorKafka.Coordination.Tests.Cli;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("no command given")]
    [InlineData("unknown command 'frobnicate'", "frobnicate")]
    [InlineData("'store' needs a subcommand", "store")]
    [InlineData("unknown store subcommand 'run'", "store", "run")]
    [InlineData("needs --data-dir DIR", "store", "shell")]
    [InlineData("--data-dir needs a value", "store", "shell", "--data-dir")]
    [InlineData("not both", "store", "shell", "--data-dir", "d", "--store", "akka.tcp://actorkafka@127.0.0.1:2552")]
    [InlineData("--store expects a store node's address", "store", "shell", "--store", "localhost:2552")]
    [InlineData("--store expects a store node's address", "store", "shell", "--store", "akka://actorkafka")]
    [InlineData("unknown option '--verbose' for 'demo'", "demo", "--verbose")]
    [InlineData("unexpected argument 'now' for 'demo'", "demo", "now")]
    [InlineData("--json given twice", "demo", "--json", "--json")]
    [InlineData("--json takes no value", "demo", "--json=yes")]
    [InlineData("--data-dir needs a value", "demo", "--data-dir", "--json")]
    public async Task A_bad_command_line_says_what_to_do_on_stderr_and_exits_2(string message, params string[] args)
    {
        var result = await RunAsync("", args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith("actorkafka: ", result.Stderr);
        Assert.Contains(message, result.Stderr);
        Assert.Contains("usage:", result.Stderr);
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("store", "shell", "--help")]
    public async Task Help_prints_usage_on_stdout_and_exits_0(params string[] args)
    {
        var result = await RunAsync("", args);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("usage:", result.Stdout[0]);
        Assert.Contains(result.Stdout, l => l.Contains("actorkafka store shell (--data-dir DIR | --store ADDRESS)"));
        Assert.Empty(result.Stderr);
    }
}
