using ActorKafka.Node.Hosting;

namespace ActorKafka.Node.Cli;

/// <summary>
/// The TLS a client command's remoting speaks: the ACTORKAFKA_TLS_* variables, read and checked as
/// a node reads and checks them, so the CLI talks to a cluster in the protocol its nodes do.
/// </summary>
internal static class ClientTls
{
    /// <summary>
    /// Flows with the running command's calls to wherever it builds a client system, rather than
    /// through every command's parameters; commands run side by side in one process (the tests)
    /// each keep their own.
    /// </summary>
    private static readonly AsyncLocal<RemotingTls?> CommandTls = new();

    /// <summary>Null (plain TCP) unless the running command was configured for TLS.</summary>
    public static RemotingTls? Current => CommandTls.Value;

    /// <summary>Resolves and checks the command's TLS; the problem, naming the variable and file, or null once it is in effect.</summary>
    public static string? Configure(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var loaded = NodeConfigLoader.LoadTls(environment);
        if (loaded.Error is not null) return loaded.Error;
        if (ProtocolMismatch(args, loaded.Tls) is { } mismatch) return mismatch;
        CommandTls.Value = loaded.Tls;
        return null;
    }

    /// <summary>
    /// A node address of the other protocol has no transport in this process: Akka would log an
    /// error for every attempt to reach it until the command timed out, so it is refused up front.
    /// Every address a command takes is an argument (alone, or in a comma-separated list).
    /// </summary>
    private static string? ProtocolMismatch(IReadOnlyList<string> args, RemotingTls? tls)
    {
        var expected = RemotingTls.ProtocolOf(tls);
        foreach (var part in args.SelectMany(a => a.Split(',', StringSplitOptions.TrimEntries)))
        {
            var scheme = part.IndexOf("://", StringComparison.Ordinal) is var at and > 0 ? part[..at] : null;
            if (scheme is not (RemotingTls.AddressProtocol or RemotingTls.PlainAddressProtocol) || scheme == expected) continue;
            return tls is null
                ? $"'{part}' is the address of a TLS node: set {NodeSetting.TlsEnabled.EnvironmentVariable}=on and " +
                  $"{NodeSetting.TlsCertificate.EnvironmentVariable} (and {NodeSetting.TlsCertificatePassword.EnvironmentVariable}) to reach it (docs/TLS.md)"
                : $"'{part}' is a plain-TCP address, but {NodeSetting.TlsEnabled.EnvironmentVariable} is on: " +
                  $"the nodes of a TLS cluster are at {RemotingTls.AddressProtocol}://";
        }
        return null;
    }
}
