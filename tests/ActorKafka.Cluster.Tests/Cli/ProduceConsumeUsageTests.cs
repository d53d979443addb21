using static ActorKafka.Testing.CliRun;

namespace ActorKafka.Cluster.Tests.Cli;

/// <summary>`produce` and `consume` refusing what they cannot use, before or without any cluster.</summary>
public sealed class ProduceConsumeUsageTests
{
    private const string Broker = "akka.tcp://actorkafka@127.0.0.1:2552";

    [Theory]
    [InlineData("'produce' needs --bootstrap-brokers ADDRESS[,ADDRESS...]", "produce", "--topic", "t")]
    [InlineData("'consume' needs --topic T: the topic to consume records from", "consume", "--bootstrap-brokers", Broker)]
    [InlineData("--bootstrap-brokers expects broker node addresses like akka.tcp://actorkafka@127.0.0.1:2552, separated by commas, not '127.0.0.1:2552'",
        "produce", "--bootstrap-brokers", "127.0.0.1:2552", "--topic", "t")]
    [InlineData("--acks takes 0, 1 or all, not '2'", "produce", "--bootstrap-brokers", Broker, "--topic", "t", "--acks", "2")]
    [InlineData("--partition needs a partition number (0, 1, ...), not 'all'", "produce", "--bootstrap-brokers", Broker, "--topic", "t", "--partition", "all")]
    [InlineData("--partition needs a partition number (0, 1, ...) or 'all', not '-1'", "consume", "--bootstrap-brokers", Broker, "--topic", "t", "--partition", "-1")]
    [InlineData("--offset N needs --partition N: an offset belongs to one partition", "consume", "--bootstrap-brokers", Broker, "--topic", "t", "--offset", "3")]
    [InlineData("give either --from-beginning or --offset N to 'consume', not both",
        "consume", "--bootstrap-brokers", Broker, "--topic", "t", "--partition", "0", "--offset", "3", "--from-beginning")]
    [InlineData("--max-records needs a whole number of at least 1, not '0'", "consume", "--bootstrap-brokers", Broker, "--topic", "t", "--max-records", "0")]
    [InlineData("--format takes 'text' or 'json', not 'xml'", "consume", "--bootstrap-brokers", Broker, "--topic", "t", "--format", "xml")]
    [InlineData("unknown option '--follow' for 'produce'", "produce", "--bootstrap-brokers", Broker, "--topic", "t", "--follow")]
    public async Task A_bad_command_line_is_a_usage_error(string message, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains($"actorkafka: {message}", result.Stderr);
        Assert.Contains("actorkafka produce --bootstrap-brokers ADDRESS[,ADDRESS...] --topic T", result.Stderr);
    }

    [Fact]
    public async Task A_topic_name_that_cannot_exist_is_bad_input()
    {
        var result = await RunAsync("x\n", ["produce", "--bootstrap-brokers", Broker, "--topic", "no/slash"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("actorkafka produce: 'no/slash' cannot be a topic (INVALID_TOPIC_EXCEPTION", result.Stderr);
    }

    [Fact]
    public async Task No_broker_answering_is_a_failure_that_lists_every_address_tried()
    {
        var nobody = $"akka.tcp://actorkafka@127.0.0.1:{FreePorts.Next()}";
        var nobodyElse = $"akka.tcp://actorkafka@127.0.0.1:{FreePorts.Next()}";

        var result = await RunAsync(["consume", "--bootstrap-brokers", $"{nobody},{nobodyElse}", "--topic", "t"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains($"actorkafka consume: no broker answered (asked {nobody}, {nobodyElse}, waiting 5 s for each). " +
                        "Check the addresses", result.Stderr);
    }

}
