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
    [InlineData("--mode takes 'membership', 'zk', 'kraft' or 'migrate', not 'raft'", "demo", "--mode", "raft")]
    [InlineData("--brokers applies to 'demo --mode zk' and 'demo --mode kraft' only", "demo", "--brokers", "4")]
    [InlineData("--brokers needs a whole number from 3 to 9, not '2'", "demo", "--mode", "zk", "--brokers", "2")]
    [InlineData("--partitions needs a whole number of at least 1, not 'six'", "demo", "--mode", "zk", "--partitions", "six")]
    [InlineData("--replication-factor 4 is larger than the 3 brokers", "demo", "--mode", "zk", "--replication-factor", "4")]
    [InlineData("--seed needs a whole number, not '1.5'", "demo", "--mode=zk", "--seed=1.5")]
    [InlineData("'cluster' needs a subcommand", "cluster")]
    [InlineData("unknown cluster subcommand 'list'", "cluster", "list")]
    [InlineData("'cluster describe' needs --data-dir DIR", "cluster", "describe")]
    [InlineData("give either --data-dir or --store to 'cluster describe', not both", "cluster", "describe", "--data-dir", "d", "--store", "akka.tcp://actorkafka@127.0.0.1:2552")]
    [InlineData("--store expects a store node's address", "cluster", "describe", "--store", "127.0.0.1:2552")]
    [InlineData("unknown option '--topic' for 'cluster describe'", "cluster", "describe", "--topic", "t", "--data-dir", "d")]
    [InlineData("'topics' needs a subcommand", "topics")]
    [InlineData("unknown topics subcommand 'delete'", "topics", "delete", "--topic", "t")]
    [InlineData("'topics create' needs --topic T", "topics", "create", "--data-dir", "d")]
    [InlineData("--topic needs a value", "topics", "create", "--topic", "--data-dir", "d")]
    [InlineData("--partitions needs a whole number of at least 1, not '0'", "topics", "create", "--topic", "t", "--partitions", "0", "--data-dir", "d")]
    [InlineData("--partitions needs a whole number of at least 1, not 'many'", "topics", "create", "--topic", "t", "--partitions", "many", "--data-dir", "d")]
    [InlineData("--replication-factor needs a whole number from 1 to 32767, not '-1'", "topics", "create", "--topic", "t", "--replication-factor", "-1", "--data-dir", "d")]
    [InlineData("--config expects key=value", "topics", "create", "--topic", "t", "--config", "retention.ms", "--data-dir", "d")]
    [InlineData("--config expects key=value", "topics", "create", "--topic", "t", "--config", "=1", "--data-dir", "d")]
    [InlineData("--config retention.ms given twice", "topics", "create", "--topic", "t", "--config", "retention.ms=1", "--config", "retention.ms=2", "--data-dir", "d")]
    [InlineData("--topic given twice", "topics", "describe", "--topic", "a", "--topic", "b", "--data-dir", "d")]
    [InlineData("'topics describe' needs --data-dir DIR", "topics", "describe", "--json")]
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
    [InlineData("topics", "create", "--help")]
    public async Task Help_prints_usage_on_stdout_and_exits_0(params string[] args)
    {
        var result = await RunAsync("", args);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("usage:", result.Stdout[0]);
        Assert.Contains(result.Stdout, l => l.Contains("actorkafka store shell (--data-dir DIR | --store ADDRESS)"));
        Assert.Contains(result.Stdout, l => l.Contains("actorkafka cluster describe (--data-dir DIR | --store ADDRESS) [--json]"));
        Assert.Contains(result.Stdout, l => l.Contains("actorkafka topics create --topic T [--partitions P] [--replication-factor R] [--config k=v ...]"));
        Assert.Contains(result.Stdout, l => l.Contains("actorkafka topics describe [--topic T] (--data-dir DIR | --store ADDRESS) [--json]"));
        Assert.Contains(result.Stdout, l => l.Contains("actorkafka demo [--mode membership|zk|kraft|migrate] [--json] [--data-dir DIR]"));
        Assert.Empty(result.Stderr);
    }
}
