using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ActorKafka.Benchmarks;

/// <summary>The disk's ceiling as SQLite sees it: single-row WAL commits per second, and rows per second in one transaction.</summary>
public static class SqliteDiskProbe
{
    public static (double CommitsPerSecond, double BatchedRowsPerSecond) Measure(string dir, TimeSpan duration)
    {
        var file = Path.Combine(dir, $"disk-probe-{Guid.NewGuid():N}.db");
        try
        {
            using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB);");
            var payload = new byte[100];
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO t (payload) VALUES ($p)";
            insert.Parameters.AddWithValue("$p", payload);

            var commits = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                insert.ExecuteNonQuery(); // autocommit: one transaction, one fsync per row
                commits++;
            }
            var commitRate = commits / clock.Elapsed.TotalSeconds;

            const int rows = 200_000;
            clock.Restart();
            using (var tx = connection.BeginTransaction())
            {
                insert.Transaction = tx;
                for (var i = 0; i < rows; i++) insert.ExecuteNonQuery();
                tx.Commit();
            }
            return (commitRate, rows / clock.Elapsed.TotalSeconds);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(dir, Path.GetFileName(file) + "*")) File.Delete(f);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
