using static ActorKafka.Testing.CliRun;

namespace ActorKafka.Migration.Tests.Cli;

/// <summary>`actorkafka migrate ...` and `demo --mode migrate` refusing bad command lines, and `migrate` with nobody to ask.</summary>
public sealed class MigrateUsageTests
{
    [Theory]
    [InlineData("'migrate' needs a subcommand: use 'actorkafka migrate status', 'actorkafka migrate finalize' or 'actorkafka migrate rollback'", "migrate")]
    [InlineData("unknown migrate subcommand 'start'", "migrate", "start")]
    [InlineData("'migrate status' needs --bootstrap-controllers ADDRESS[,ADDRESS...]: the KRaft controller nodes' addresses", "migrate", "status")]
    [InlineData("'migrate finalize' needs --bootstrap-controllers ADDRESS[,ADDRESS...]", "migrate", "finalize", "--json")]
    [InlineData("--bootstrap-controllers expects controller node addresses like akka.tcp://actorkafka@127.0.0.1:2552, separated by commas, not '127.0.0.1:9093'",
        "migrate", "status", "--bootstrap-controllers", "127.0.0.1:9093")]
    [InlineData("--bootstrap-controllers needs a value", "migrate", "finalize", "--bootstrap-controllers")]
    [InlineData("unknown option '--store' for 'migrate status' (it takes --json, --bootstrap-controllers)",
        "migrate", "status", "--store", "akka.tcp://actorkafka@127.0.0.1:2552")]
    [InlineData("'migrate rollback' needs --data-dir DIR (run an embedded store) or --store ADDRESS (use a running one)", "migrate", "rollback")]
    [InlineData("--store expects a store node's address", "migrate", "rollback", "--store", "localhost")]
    [InlineData("unknown option '--bootstrap-controllers' for 'migrate rollback'",
        "migrate", "rollback", "--bootstrap-controllers", "akka.tcp://actorkafka@127.0.0.1:9093")]
    [InlineData("--mode takes 'membership', 'zk', 'kraft' or 'migrate', not 'migration'", "demo", "--mode", "migration")]
    [InlineData("--replication-factor 4 is larger than the 3 brokers", "demo", "--mode", "migrate", "--replication-factor", "4")]
    public async Task A_bad_migrate_command_line_says_what_to_do_and_exits_2(string message, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith("actorkafka: ", result.Stderr);
        Assert.Contains(message, result.Stderr);
        Assert.Contains("actorkafka migrate status --bootstrap-controllers", result.Stderr);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("finalize")]
    public async Task Controllers_that_do_not_answer_fail_with_exit_1_naming_each_address_and_what_to_check(string subcommand)
    {
        var controllers = new[] { $"akka.tcp://actorkafka@127.0.0.1:{FreePorts.Next()}", $"akka.tcp://actorkafka@127.0.0.1:{FreePorts.Next()}" };

        var result = await RunAsync("migrate", subcommand, "--bootstrap-controllers", string.Join(",", controllers));

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith($"actorkafka migrate {subcommand}: no active controller answered: ", result.Stderr);
        Assert.All(controllers, c => Assert.Contains($"{c}: no answer within 5 s", result.Stderr));
        Assert.Contains("Check the addresses and that the controller nodes are running", result.Stderr);
    }

}
