using System.Text.Json;
using ActorKafka.Node.Cli;

namespace ActorKafka.Testing;

public sealed record CliOutput(int ExitCode, IReadOnlyList<string> Stdout, string Stderr)
{
    public string Shown => string.Join(Environment.NewLine, Stdout) + Environment.NewLine + Stderr;

    public JsonElement Json() => JsonDocument.Parse(Assert.Single(Stdout)).RootElement;
}

/// <summary>Runs the executable's entry point in-process with string streams, within a bound.</summary>
public static class CliRun
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    public static Task<CliOutput> RunAsync(params string[] args) => RunAsync("", args);

    /// <summary>With <paramref name="stdin"/> as the command's standard input.</summary>
    public static Task<CliOutput> RunAsync(string stdin, string[] args) => RunAsync(stdin, new StringWriter(), args, CancellationToken.None);

    /// <summary>Writing stdout to <paramref name="stdout"/> (to watch it while the command runs); <paramref name="shutdown"/> is Ctrl-C.</summary>
    public static Task<CliOutput> RunAsync(string stdin, StringWriter stdout, string[] args, CancellationToken shutdown) =>
        RunAsync(stdin, stdout, args, Environment.GetEnvironmentVariable, shutdown);

    /// <summary>With <paramref name="environment"/> as the command's environment variables (the process's stay untouched).</summary>
    public static Task<CliOutput> RunAsync(Func<string, string?> environment, params string[] args) =>
        RunAsync("", new StringWriter(), args, environment, CancellationToken.None);

    public static async Task<CliOutput> RunAsync(string stdin, StringWriter stdout, string[] args, Func<string, string?> environment,
        CancellationToken shutdown)
    {
        var stderr = new StringWriter();
        var code = await CliRunner.RunAsync(args, new StringReader(stdin), TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr),
                environment, shutdown)
            .WaitAsync(Bound);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        return new CliOutput(code, lines, stderr.ToString());
    }

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
