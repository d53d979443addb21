using System.Text.RegularExpressions;
using ActorKafka.Node.Cli;

namespace ActorKafka.Coordination.Tests.Cli;

public sealed record CliResult(int ExitCode, IReadOnlyList<string> Stdout, string Stderr);

/// <summary>Runs the executable's entry point in-process with string streams, within a bound.</summary>
public static class CliHarness
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static async Task<CliResult> RunAsync(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliRunner.RunAsync(args, new StringReader(stdin), TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr))
            .WaitAsync(Bound);
        return new CliResult(code, Lines(stdout.ToString()), stderr.ToString());
    }

    public static IReadOnlyList<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>Asserts each output line against its pattern, with the whole output in the failure message.</summary>
    public static void AssertLines(IReadOnlyList<string> actual, IReadOnlyList<string> patterns)
    {
        var shown = string.Join(Environment.NewLine, actual);
        for (var i = 0; i < Math.Min(actual.Count, patterns.Count); i++)
            Assert.True(Regex.IsMatch(actual[i], patterns[i]), $"line {i + 1} '{actual[i]}' does not match {patterns[i]}; output:{Environment.NewLine}{shown}");
        Assert.True(actual.Count == patterns.Count, $"expected {patterns.Count} lines, got {actual.Count}; output:{Environment.NewLine}{shown}");
    }

    public static string Exact(string line) => "^" + Regex.Escape(line) + "$";

    /// <summary>"Error: CODE PATH", optionally followed by ": why".</summary>
    public static string Error(ZkErrorCode code, string path) => $"^Error: {code} {Regex.Escape(path)}(: .+)?$";

    public static string Usage(string problem) => $"^Error: BadArguments {Regex.Escape(problem)}; (usage|commands): .+$";

    /// <summary>The eleven zkCli Stat lines with the values a test can know in advance.</summary>
    public static IReadOnlyList<string> Stat(int dataVersion, int dataLength, int numChildren, bool ephemeral = false) =>
    [
        "^cZxid = 0x[0-9a-f]+$",
        @"^ctime = \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
        "^mZxid = 0x[0-9a-f]+$",
        @"^mtime = \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
        "^pZxid = 0x[0-9a-f]+$",
        @"^cversion = \d+$",
        Exact($"dataVersion = {dataVersion}"),
        Exact("aclVersion = 0"),
        ephemeral ? "^ephemeralOwner = 0x[1-9a-f][0-9a-f]*$" : Exact("ephemeralOwner = 0x0"),
        Exact($"dataLength = {dataLength}"),
        Exact($"numChildren = {numChildren}"),
    ];
}
