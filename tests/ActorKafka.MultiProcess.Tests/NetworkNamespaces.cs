using System.Diagnostics;

namespace ActorKafka.MultiProcess.Tests;

/// <summary>
/// Separate hosts on one machine: each node gets a network namespace with its own address, linked
/// to a bridge in the test's namespace by a veth pair. Cutting a host's link (its veth end on the
/// bridge down) partitions it from every other host and from the test's clients; healing brings
/// the link back up. Needs root (CAP_NET_ADMIN) and iproute2.
/// </summary>
public sealed class NetworkNamespaces : IDisposable
{
    private readonly string _prefix;
    private readonly string _bridge;
    private readonly List<int> _hosts = new();

    private NetworkNamespaces(string prefix, int subnet)
    {
        _prefix = prefix;
        _bridge = $"{prefix}br";
        Subnet = subnet;
    }

    /// <summary>The third octet of 10.213.X.0/24 this run's hosts live in.</summary>
    public int Subnet { get; }

    public string BridgeAddress => $"10.213.{Subnet}.1";

    /// <summary>Why namespaces cannot be used here, or null when they can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces need Linux";
        if (Environment.UserName != "root") return $"network namespaces need root (running as {Environment.UserName}); run the tests as root to partition hosts";
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip")) return "network namespaces need iproute2's `ip`";
        return null;
    }

    public static NetworkNamespaces Create()
    {
        // Names are short (interface names hold 15 characters) and unique per run, so runs on one machine do not collide.
        var tag = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4");
        var namespaces = new NetworkNamespaces($"ak{tag}", Random.Shared.Next(1, 250));
        try
        {
            Ip($"link add {namespaces._bridge} type bridge");
            Ip($"addr add {namespaces.BridgeAddress}/24 dev {namespaces._bridge}");
            Ip($"link set {namespaces._bridge} up");
            return namespaces;
        }
        catch
        {
            namespaces.Dispose();
            throw;
        }
    }

    public string NamespaceOf(int host) => $"{_prefix}n{host}";

    public string AddressOf(int host) => $"10.213.{Subnet}.{10 + host}";

    private string HostLink(int host) => $"{_prefix}h{host}";

    public void AddHost(int host)
    {
        var ns = NamespaceOf(host);
        var inside = $"{_prefix}i{host}";
        Ip($"netns add {ns}");
        _hosts.Add(host);
        Ip($"link add {HostLink(host)} type veth peer name {inside}");
        Ip($"link set {inside} netns {ns}");
        Ip($"-n {ns} addr add {AddressOf(host)}/24 dev {inside}");
        Ip($"-n {ns} link set {inside} up");
        Ip($"-n {ns} link set lo up");
        Ip($"-n {ns} route add default via {BridgeAddress}");
        Ip($"link set {HostLink(host)} master {_bridge}");
        Ip($"link set {HostLink(host)} up");
    }

    /// <summary>Partitions the host: nothing reaches it or leaves it until <see cref="Heal"/>.</summary>
    public void Cut(int host) => Ip($"link set {HostLink(host)} down");

    public void Heal(int host) => Ip($"link set {HostLink(host)} up");

    private static void Ip(string arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)) start.ArgumentList.Add(arg);
        using var ip = Process.Start(start)!;
        var error = ip.StandardError.ReadToEnd();
        ip.StandardOutput.ReadToEnd();
        ip.WaitForExit();
        if (ip.ExitCode != 0) throw new InvalidOperationException($"ip {arguments} failed ({ip.ExitCode}): {error.Trim()}");
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            TryIp($"link del {HostLink(host)}");
            TryIp($"netns del {NamespaceOf(host)}");
        }
        TryIp($"link del {_bridge}");
    }

    private static void TryIp(string arguments)
    {
        try
        {
            Ip(arguments);
        }
        catch (InvalidOperationException)
        {
            // Teardown goes on: a link may already be gone with its namespace.
        }
    }
}
