using ActorKafka.Broker;
using ActorKafka.Coordination;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// One node of a deployed cluster: its ActorSystem joined to the cluster, and the roles it was
/// given started on it. Stopping is graceful: a broker's controlled shutdown first, then the node
/// leaves the cluster through CoordinatedShutdown.
/// </summary>
public sealed class NodeHost : IAsyncDisposable
{
    private NodeHost(NodeSettings settings, ActorSystem system, IActorRef? store, ZkNode? broker, KraftNode? kraft, IReadOnlyList<string> startupLines)
    {
        Settings = settings;
        System = system;
        Store = store;
        Broker = broker;
        Kraft = kraft;
        StartupLines = startupLines;
    }

    public NodeSettings Settings { get; }
    public ActorSystem System { get; }
    public IActorRef? Store { get; }
    /// <summary>A zk-mode broker node's broker and controller candidate.</summary>
    public ZkNode? Broker { get; }

    /// <summary>A KRaft node's roles: its Raft replica and the quorum controller (a voter) or the broker (an observer).</summary>
    public KraftNode? Kraft { get; }

    /// <summary>One readable line for the node and one per role it started (or declined to start).</summary>
    public IReadOnlyList<string> StartupLines { get; }

    public Address SelfAddress => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>
    /// Creates the ActorSystem, waits until it is Up in the cluster (or the start is cancelled),
    /// then starts the roles. <paramref name="beforeRoles"/> runs on the joined system first,
    /// so observers see every event the roles publish.
    /// </summary>
    public static async Task<NodeHost> StartAsync(NodeSettings settings, CancellationToken cancel = default, Action<ActorSystem>? beforeRoles = null,
        Func<string, string?>? environment = null)
    {
        // Checked before anything exists: a config problem starts nothing, not even the data dir.
        var config = SystemConfig(settings, environment ?? Environment.GetEnvironmentVariable);
        Directory.CreateDirectory(settings.DataDir);
        var kraft = NodeMetadataMode.IsKRaft(settings.Config);
        var system = ActorSystem.Create(settings.SystemName, config);
        try
        {
            await JoinAsync(system, settings.SeedNodes, cancel).ConfigureAwait(false);
            beforeRoles?.Invoke(system);
            if (kraft)
            {
                var node = KraftNode.Start(system);
                return new NodeHost(settings, system, null, null, node, NodeStartupLines.ForKRaft(settings, system, node));
            }
            var store = settings.HasRole(NodeRoles.Store) ? system.StartCoordinationStore() : null;
            var broker = settings.HasRole(NodeRoles.Broker) ? ZkNode.Start(system) : null;
            return new NodeHost(settings, system, store, broker, null, NodeStartupLines.For(settings, system, broker));
        }
        catch
        {
            await system.Terminate().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Gives a node's PostgreSQL journal its connection string, so that the password stays out of the config file.</summary>
    public const string PostgresConnectionVariable = "ACTORKAFKA_POSTGRES_CONNECTION";

    private const string JournalSql = "akka.persistence.journal.sql";
    private const string SnapshotSql = "akka.persistence.snapshot-store.sql";

    /// <summary>
    /// The HOCON the node's ActorSystem starts with. The store's journal and a KRaft node's Raft log
    /// live in SQLite in the node's data dir, unless the config names a PostgreSQL provider
    /// (akka.persistence.journal.sql.provider-name, as hocon/cluster-3-machines-postgres/node-1.conf
    /// does): then the journal and the snapshots go to PostgreSQL, on the connection string in
    /// ACTORKAFKA_POSTGRES_CONNECTION if that is set, else on the config's. Nothing is opened for PostgreSQL here;
    /// a PostgreSQL log without a connection string is a <see cref="NodeConfigException"/> naming the variable.
    /// </summary>
    public static Config SystemConfig(NodeSettings settings, Func<string, string?> environment)
    {
        if (!settings.HasRole(NodeRoles.Store) && !NodeMetadataMode.IsKRaft(settings.Config)) return settings.Config;
        if (!UsesPostgres(settings.Config)) return settings.Config.WithFallback(StorePersistence.Sqlite(settings.DataDir));

        var config = settings.Config;
        if (environment(PostgresConnectionVariable) is { Length: > 0 } connection)
            config = ConfigurationFactory.ParseString($"""
                {JournalSql}.connection-string = {NodeConfig.Quote(connection)}
                {SnapshotSql}.connection-string = {NodeConfig.Quote(connection)}
                """).WithFallback(config);
        // Only the plugin's own defaults beneath: the PostgreSQL template embedded from hocon/persistence-postgres.conf
        // carries a ${?ACTORKAFKA_PG} substitution that this HOCON parser does not resolve from the environment, and with
        // it beneath, creating the journal overflows the stack.
        config = config.WithFallback(SqlPersistence.DefaultConfiguration);
        foreach (var key in new[] { JournalSql + ".connection-string", SnapshotSql + ".connection-string" })
            if (string.IsNullOrWhiteSpace(config.GetString(key)))
                throw new NodeConfigException(
                    $"{key} is empty: the node keeps its log in PostgreSQL, so set {PostgresConnectionVariable} to its connection string " +
                    "(Host=...;Port=5432;Database=...;Username=...;Password=...)");
        return config;
    }

    /// <summary>Whether a node with this config keeps its log (the store's, or a KRaft node's Raft log) in PostgreSQL rather than SQLite.</summary>
    public static bool UsesPostgres(Config config) =>
        config.GetString(JournalSql + ".provider-name", "").StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase);

    private static async Task JoinAsync(ActorSystem system, IReadOnlyList<Address> seeds, CancellationToken cancel)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        // Seed nodes in the config make the cluster join them on its own; with none this node starts a new cluster.
        if (seeds.Count == 0) cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs until <paramref name="cancel"/> fires, then stops gracefully. Returns the shutdown's
    /// lines, or null when the node left on its own (downed, its system terminated, or its broker stopped: <see cref="StoppedBecause"/>).
    /// </summary>
    public async Task<IReadOnlyList<string>?> RunAsync(CancellationToken cancel)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A broker that stops on its own (its registration refused as a duplicate, its metadata log
        // lost) leaves a node that serves nothing: the node goes too, as Kafka's broker process
        // exits, so that a supervisor starts it again.
        var brokerGone = (Broker?.Broker ?? Kraft?.Broker)?.WatchAsync() ?? new TaskCompletionSource<bool>().Task;
        await using (cancel.Register(() => cancelled.TrySetResult()).ConfigureAwait(false))
        {
            var first = await Task.WhenAny(cancelled.Task, System.WhenTerminated, brokerGone).ConfigureAwait(false);
            if (first == brokerGone)
            {
                StoppedBecause = $"broker {Settings.NodeId} stopped on its own (its log says why); the node left the cluster, start it again";
                await Akka.Actor.CoordinatedShutdown.Get(System).Run(Akka.Actor.CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
                return null;
            }
            if (first != cancelled.Task)
            {
                StoppedBecause = $"node {Settings.NodeId} was removed from the cluster and stopped";
                return null;
            }
        }
        return await StopAsync().ConfigureAwait(false);
    }

    /// <summary>Why <see cref="RunAsync"/> returned without being asked to stop; null until then.</summary>
    public string? StoppedBecause { get; private set; }

    /// <summary>Controlled shutdown of the broker (bounded by its own settings), then leaving the cluster.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        var lines = new List<string>();
        if (Broker is not null) lines.Add(await ShutdownBrokerAsync(Broker).ConfigureAwait(false));
        if (Kraft?.Broker is { } kraftBroker) lines.Add(await ShutdownKraftBrokerAsync(kraftBroker, Kraft.NodeId).ConfigureAwait(false));
        await Akka.Actor.CoordinatedShutdown.Get(System).Run(Akka.Actor.CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
        lines.Add($"node {Settings.NodeId}: left the cluster");
        return lines;
    }

    private static async Task<string> ShutdownBrokerAsync(ZkNode node)
    {
        var settings = BrokerSettings.From(node.System.Settings.Config);
        // Every attempt may wait for the controller's lookup and its answer, then back off; after
        // the attempts the broker deletes its registration and closes its session.
        var bound = (settings.ControlledShutdownTimeout * 2 + settings.ControlledShutdownRetryBackoff) * settings.ControlledShutdownMaxRetries
                    + settings.StoreRequestTimeout * 2;
        var stopped = node.Broker.Ask<BrokerStopped>(ShutdownBroker.Instance, bound);
        var terminated = node.Broker.WatchAsync();
        try
        {
            if (await Task.WhenAny(stopped, terminated).ConfigureAwait(false) == stopped || stopped.IsCompleted)
                return $"broker {node.BrokerId}: {(await stopped.ConfigureAwait(false)).Reason}";
            return $"broker {node.BrokerId}: had already stopped";
        }
        catch (AskTimeoutException)
        {
            return $"broker {node.BrokerId}: controlled shutdown did not finish within {bound.TotalSeconds:0}s; leaving the cluster anyway";
        }
    }

    private async Task<string> ShutdownKraftBrokerAsync(IActorRef broker, int brokerId)
    {
        var settings = ActorKafka.Broker.Kraft.KraftBrokerSettings.From(System.Settings.Config);
        // The controller moves the broker's leaderships away and answers; a controller that never
        // answers is waited for one timeout and a retry.
        var bound = settings.ControlledShutdownTimeout * 2 + settings.RequestTimeout * 2;
        try
        {
            return $"broker {brokerId}: {(await broker.Ask<BrokerStopped>(ShutdownBroker.Instance, bound).ConfigureAwait(false)).Reason}";
        }
        catch (AskTimeoutException)
        {
            return $"broker {brokerId}: controlled shutdown did not finish within {bound.TotalSeconds:0}s; leaving the cluster anyway";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate().ConfigureAwait(false);
        // The store's SQLite pool keeps the file open after the system is gone; release it so the data dir can be moved or deleted.
        if (Store is not null || Kraft is not null) SqliteConnection.ClearAllPools();
    }
}
