using System.Data.Common;
using ActorKafka.Broker;
using ActorKafka.Coordination;
using Akka.Actor;

namespace ActorKafka.Node.Hosting;

/// <summary>What a started node tells its operator: where it is, where its data lives, which ids it took.</summary>
internal static class NodeStartupLines
{
    public static IReadOnlyList<string> For(NodeSettings settings, ActorSystem system, ZkNode? broker)
    {
        var address = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var dataDir = Path.GetFullPath(settings.DataDir);
        var seeds = settings.SeedNodes.Count == 0 ? "none, it started a new cluster" : string.Join(", ", settings.SeedNodes);
        var lines = new List<string>
        {
            $"node {settings.NodeId}: up at {address} (roles {string.Join(", ", settings.Roles)}; seed nodes: {seeds}; data dir {dataDir})",
        };
        if (settings.Tls is { } tls)
            lines.Add($"tls: remoting over TLS with the certificate in {Path.GetFullPath(tls.CertificatePath)}" +
                      (tls.SuppressValidation ? "; peers' certificates are NOT validated (suppress-validation is on: for trials only)" : ""));
        if (settings.HasRole(NodeRoles.Store))
        {
            var store = StoreSettings.From(system.Settings.Config);
            var log = NodeHost.UsesPostgres(system.Settings.Config) ? "log" : "SQLite log";
            lines.Add($"store: coordination store at {address}/user/{store.ActorName}, {log} in {LogLocation(settings, system)}");
        }
        if (broker is not null)
        {
            var brokerSettings = BrokerSettings.From(system.Settings.Config);
            var store = settings.StoreAddress.Length == 0 ? "on this node" : "at " + settings.StoreAddress;
            lines.Add($"broker: broker {broker.BrokerId} and controller candidate {broker.BrokerId} at {address}, " +
                      $"listener {brokerSettings.Host}:{brokerSettings.Port}, store {store}");
        }
        if (settings.HasRole(NodeRoles.Controller))
            lines.Add(broker is null
                ? "controller: note: in zk mode the controller runs on brokers (every broker is a candidate for /controller); this node starts no controller"
                : "controller: note: in zk mode the controller runs on brokers; this node's broker is already a candidate for /controller");
        return lines;
    }

    public static IReadOnlyList<string> ForKRaft(NodeSettings settings, ActorSystem system, KraftNode node)
    {
        var address = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var raft = Raft.RaftSettings.From(system.Settings.Config);
        var seeds = settings.SeedNodes.Count == 0 ? "none, it started a new cluster" : string.Join(", ", settings.SeedNodes);
        var log = LogLocation(settings, system);
        var voters = string.Join(", ", raft.Voters.Select(v => v.Id));
        return
        [
            $"node {settings.NodeId}: up at {address} (KRaft mode, roles {string.Join(", ", settings.Roles)}; seed nodes: {seeds}; data dir {Path.GetFullPath(settings.DataDir)})",
            node.IsController
                ? $"controller: quorum controller {node.NodeId}, a Raft voter of [{voters}], metadata log in {log}"
                : $"broker: broker {node.NodeId}, a Raft observer of voters [{voters}] (metadata log in {log}), " +
                  $"listener {BrokerSettings.From(system.Settings.Config).Host}:{BrokerSettings.From(system.Settings.Config).Port}",
        ];
    }

    /// <summary>
    /// Where the node's log is: DATA_DIR/actorkafka.db, or "PostgreSQL database D on H:P", leaving
    /// everything else in the connection string (the password above all) out.
    /// </summary>
    private static string LogLocation(NodeSettings settings, ActorSystem system)
    {
        var config = system.Settings.Config;
        if (!NodeHost.UsesPostgres(config)) return Path.Combine(Path.GetFullPath(settings.DataDir), StorePersistence.SqliteFileName);
        var builder = new DbConnectionStringBuilder { ConnectionString = config.GetString("akka.persistence.journal.sql.connection-string") };
        string Part(string key, string fallback) => builder.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } text ? text : fallback;
        return $"PostgreSQL database {Part("Database", "?")} on {Part("Host", "?")}:{Part("Port", "5432")}";
    }
}
