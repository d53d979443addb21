using ActorKafka.Coordination;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>
/// hocon/cluster-3-machines*/ load through the node command's loader with the variables docs/RUNNING.md
/// tells each machine to set, and the store node keeps its log where its file says: SQLite in its data
/// dir, or PostgreSQL (resolved here, never connected to).
/// </summary>
public sealed class ClusterConfigFilesThreeMachinesTests : IDisposable
{
    // Not the files' example addresses, so that what loads is seen to come from the environment.
    private static readonly string[] Machines = ["192.168.56.21", "192.168.56.22", "192.168.56.23"];
    private static readonly string[] Seeds = Machines.Select(Address).ToArray();
    private static readonly string[] ExampleSeeds = ["10.0.0.11", "10.0.0.12", "10.0.0.13"];
    private const string Postgres = "Host=192.168.56.30;Port=5432;Database=actorkafka;Username=actorkafka;Password=secret";

    private readonly string _dataDir = NodeTestPaths.NewDataDir();

    private static string Address(string host) => $"akka.tcp://actorkafka@{host}:2552";

    private static string File(string dir, int node) => Path.Combine(NodeTestPaths.RepositoryRoot(), "hocon", dir, $"node-{node}.conf");

    /// <summary>What each machine exports before `actorkafka node --config FILE`.</summary>
    private static Dictionary<string, string> Environment(int node, string? postgres = null, string? dataDir = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ACTORKAFKA_SEED_NODES"] = string.Join(",", Seeds),
            ["ACTORKAFKA_STORE"] = Seeds[0],
            ["ACTORKAFKA_HOSTNAME"] = Machines[node - 1],
        };
        if (postgres is not null) environment[NodeHost.PostgresConnectionVariable] = postgres;
        if (dataDir is not null) environment["ACTORKAFKA_DATA_DIR"] = dataDir;
        return environment;
    }

    private static NodeSettings Load(string file, IReadOnlyDictionary<string, string> environment)
    {
        var loaded = NodeConfigLoader.Load(new Dictionary<string, string> { ["--config"] = file }, name => environment.GetValueOrDefault(name));
        Assert.True(loaded.Error is null, loaded.Error);
        return loaded.Settings!;
    }

    public static TheoryData<string, int> Files => new()
    {
        { "cluster-3-machines", 1 },
        { "cluster-3-machines", 2 },
        { "cluster-3-machines", 3 },
        { "cluster-3-machines-postgres", 1 },
    };

    [Fact]
    public void The_theories_cover_every_file_of_the_three_machine_configs()
    {
        var hocon = Path.Combine(NodeTestPaths.RepositoryRoot(), "hocon");
        var onDisk = Directory.GetDirectories(hocon, "cluster-3-machines*")
            .SelectMany(dir => Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(hocon, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        var covered = Files.Select(row => $"{row[0]}/node-{row[1]}.conf").Order(StringComparer.Ordinal);
        Assert.Equal(covered, onDisk);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_file_loads_with_this_machines_address_the_seeds_and_the_store_from_the_environment(string dir, int node)
    {
        var settings = Load(File(dir, node), Environment(node));

        Assert.Equal(node, settings.NodeId);
        Assert.Equal(node == 1 ? ["store", "broker"] : ["broker"], settings.Roles);
        Assert.Equal(Machines[node - 1], settings.Hostname);
        Assert.Equal(2552, settings.Port);
        Assert.Equal(Seeds, settings.SeedNodes.Select(a => a.ToString()));
        Assert.Equal(Seeds[0], settings.StoreAddress);
        Assert.Equal($"./data/node-{node}", settings.DataDir);

        // What the ActorSystem and the roles read.
        Assert.Equal(Machines[node - 1], settings.Config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(2552, settings.Config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(Seeds, settings.Config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(settings.Roles, settings.Config.GetStringList("akka.cluster.roles"));
        Assert.Equal(Seeds[0], settings.Config.GetString("actorkafka.coordination.client.store-address"));
        Assert.Equal(node, settings.Config.GetInt("actorkafka.broker.broker-id"));
        // Bind address and advertised address are the same unless the operator sets public-hostname (NAT).
        Assert.True(string.IsNullOrEmpty(settings.Config.GetString("akka.remote.dot-netty.tcp.public-hostname", "")));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Without_the_environment_each_file_names_the_example_machines(string dir, int node)
    {
        var settings = Load(File(dir, node), new Dictionary<string, string>());

        Assert.Equal(ExampleSeeds[node - 1], settings.Hostname);
        Assert.Equal(ExampleSeeds.Select(Address), settings.SeedNodes.Select(a => a.ToString()));
        Assert.Equal(Address(ExampleSeeds[0]), settings.StoreAddress);
    }

    [Fact]
    public void Node_1_keeps_the_store_log_in_sqlite_in_its_own_data_dir()
    {
        var settings = Load(File("cluster-3-machines", 1), Environment(1, dataDir: _dataDir));
        var config = NodeHost.SystemConfig(settings, _ => null);

        Assert.False(NodeHost.UsesPostgres(config));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("actorkafka.coordination.store.journal-plugin"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.snapshot-store.sql.provider-name"));
        var database = $"Data Source={Path.GetFullPath(Path.Combine(_dataDir, StorePersistence.SqliteFileName))}";
        Assert.Equal(database, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(database, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Nodes_2_and_3_run_no_store_and_keep_no_store_log(int node)
    {
        var settings = Load(File("cluster-3-machines", node), Environment(node, dataDir: _dataDir));

        Assert.Same(settings.Config, NodeHost.SystemConfig(settings, _ => null));
        Assert.False(Directory.Exists(_dataDir));
    }

    [Fact]
    public void The_postgres_variant_resolves_to_the_postgres_journal_and_snapshot_store_on_the_connection_from_the_environment()
    {
        var settings = Load(File("cluster-3-machines-postgres", 1), Environment(1, Postgres, _dataDir));
        var config = NodeHost.SystemConfig(settings, name => name == NodeHost.PostgresConnectionVariable ? Postgres : null);

        Assert.True(NodeHost.UsesPostgres(config));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("actorkafka.coordination.store.journal-plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("actorkafka.coordination.store.snapshot-plugin"));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));

        // The plugin's own settings readers, which the journal and snapshot store start from, see PostgreSQL.
        var journal = new JournalConfig(config.GetConfig("akka.persistence.journal.sql"));
        Assert.Equal("PostgreSQL.15", journal.ProviderName);
        Assert.Equal(Postgres, journal.ConnectionString);
        Assert.True(journal.AutoInitialize);
        var snapshots = new SnapshotConfig(config.GetConfig("akka.persistence.snapshot-store.sql"));
        Assert.Equal("PostgreSQL.15", snapshots.ProviderName);
        Assert.Equal(Postgres, snapshots.ConnectionString);

        // No SQLite file is made: resolving the config touches neither the data dir nor the database.
        Assert.False(Directory.Exists(_dataDir));
    }

    [Fact]
    public async Task The_postgres_journal_and_snapshot_store_start_on_the_resolved_config()
    {
        var settings = Load(File("cluster-3-machines-postgres", 1), Environment(1, Postgres, _dataDir));
        // Without auto-initialize the plugins open no connection until the first read or write, so no server is needed;
        // a local ActorSystem, as nothing here needs the machine's address.
        var config = ConfigurationFactory.ParseString("""
                akka.persistence.journal.sql.auto-initialize = off
                akka.persistence.snapshot-store.sql.auto-initialize = off
                akka.actor.provider = local
                """)
            .WithFallback(NodeHost.SystemConfig(settings, name => name == NodeHost.PostgresConnectionVariable ? Postgres : null));
        var system = ActorSystem.Create("postgres-plugins", config);
        try
        {
            var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
            foreach (var plugin in new[] { persistence.JournalFor("akka.persistence.journal.sql"), persistence.SnapshotStoreFor("akka.persistence.snapshot-store.sql") })
            {
                var identity = await plugin.Ask<ActorIdentity>(new Identify(plugin.Path.Name), TimeSpan.FromSeconds(10));
                Assert.Equal(plugin, identity.Subject);
            }
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void The_postgres_variant_without_a_connection_string_is_refused_naming_the_variable()
    {
        var settings = Load(File("cluster-3-machines-postgres", 1), Environment(1, dataDir: _dataDir));

        var refused = Assert.Throws<NodeConfigException>(() => NodeHost.SystemConfig(settings, _ => null));
        Assert.Contains(NodeHost.PostgresConnectionVariable, refused.Message, StringComparison.Ordinal);
        Assert.Contains("akka.persistence.journal.sql.connection-string", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_node_command_with_the_postgres_variant_and_no_connection_string_exits_2_and_starts_nothing()
    {
        var environment = Environment(1, dataDir: _dataDir);
        var run = await CliRun.RunAsync(name => environment.GetValueOrDefault(name), "node", "--config", File("cluster-3-machines-postgres", 1), "--port", "0");

        Assert.Equal(ActorKafka.Node.Cli.ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"set {NodeHost.PostgresConnectionVariable} to its connection string", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
        Assert.False(Directory.Exists(_dataDir), "nothing may start, not even the data dir");
    }

    public void Dispose() => NodeTestPaths.Delete(_dataDir);
}
