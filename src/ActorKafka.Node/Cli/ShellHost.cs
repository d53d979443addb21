using ActorKafka.Coordination;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Node.Cli;

/// <summary>The ActorSystem the shell's session lives in, and how that session reaches the store.</summary>
internal sealed class ShellHost : IAsyncDisposable
{
    private readonly EmbeddedCluster? _cluster;

    private ShellHost(ActorSystem system, ClientSettings settings, EmbeddedCluster? cluster)
    {
        System = system;
        Settings = settings;
        _cluster = cluster;
    }

    public ActorSystem System { get; }
    public ClientSettings Settings { get; }

    /// <summary>A store node on dataDir in this process; the session is opened in the store's own system.</summary>
    public static async Task<ShellHost> EmbeddedAsync(string dataDir)
    {
        var cluster = await EmbeddedCluster.StartAsync(dataDir, logLevel: CliDefaults.LogLevel, storeHocon: StderrLogger.Hocon).ConfigureAwait(false);
        return new ShellHost(cluster.StoreSystem, cluster.ClientSettings(), cluster);
    }

    /// <summary>
    /// A client-only system that talks to the store by remoting without joining the cluster: a
    /// short-lived tool must not become a member the split-brain resolver counts. The store still
    /// death-watches the session's client actor (remote watch heartbeats non-members).
    /// </summary>
    public static ShellHost Remote(Address store)
    {
        var system = ActorSystem.Create(store.System, RemoteClientConfig());
        var settings = ClientSettings.From(system.Settings.Config) with { StoreAddress = store.ToString() };
        return new ShellHost(system, settings, null);
    }

    /// <summary>
    /// A command's client-only system: remoting on 127.0.0.1 at any free port with the node's
    /// serializers and the command's TLS, never a cluster member, logging to stderr only.
    /// </summary>
    public static Config RemoteClientConfig()
    {
        var options = new NodeOptions(NodeConfig.NodeDefaults.GetString("actorkafka.node.data-dir"), [], [], LogLevel: CliDefaults.LogLevel,
            ExtraHocon: "akka.actor.provider = remote\n" + StderrLogger.Hocon, Tls: ClientTls.Current);
        return NodeConfig.Build(options);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync().ConfigureAwait(false);
        else await System.Terminate().ConfigureAwait(false);
    }
}
