using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Coordination;

/// <summary>Persistence configuration for a node: SQLite in its data dir by default, PostgreSQL when configured.</summary>
public static class StorePersistence
{
    public const string SqliteFileName = "actorkafka.db";

    public static Config CoordinationDefaults { get; } =
        ConfigurationFactory.FromResource<CoordinationStore>("ActorKafka.Coordination.reference.conf");

    private static Config SqliteTemplate { get; } =
        ConfigurationFactory.FromResource<CoordinationStore>("ActorKafka.Coordination.persistence-sqlite.conf");

    public static Config PostgresTemplate { get; } =
        ConfigurationFactory.FromResource<CoordinationStore>("ActorKafka.Coordination.persistence-postgres.conf");

    /// <summary>
    /// The SQLite journal and snapshot store on DATA_DIR/actorkafka.db. Creates the directory
    /// and switches the file to WAL before the plugin opens it (WAL is a property of the file).
    /// </summary>
    public static Config Sqlite(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var file = Path.GetFullPath(Path.Combine(dataDir, SqliteFileName));
        var connectionString = $"Data Source={file}";
        EnableWal(connectionString);
        var quoted = "\"" + connectionString.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return ConfigurationFactory.ParseString($"""
                akka.persistence.journal.sql.connection-string = {quoted}
                akka.persistence.snapshot-store.sql.connection-string = {quoted}
                """)
            .WithFallback(SqliteTemplate)
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    public static Config Postgres(Config overrides) =>
        overrides.WithFallback(PostgresTemplate).WithFallback(SqlPersistence.DefaultConfiguration);

    public static void EnableWal(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }
}
