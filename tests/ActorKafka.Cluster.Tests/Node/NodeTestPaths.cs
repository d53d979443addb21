using Microsoft.Data.Sqlite;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>The repository's hocon/ directory and throwaway data dirs for the node tests.</summary>
public static class NodeTestPaths
{
    /// <summary>Walks up from the test assembly to the directory holding ActorKafka.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorKafka.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no ActorKafka.sln above {AppContext.BaseDirectory}");
    }

    public static string NewDataDir() => Path.Combine(Path.GetTempPath(), "actorkafka-node-tests", Guid.NewGuid().ToString("N"));

    public static void Delete(params string[] dirs)
    {
        SqliteConnection.ClearAllPools();
        foreach (var dir in dirs.Where(Directory.Exists)) Directory.Delete(dir, recursive: true);
    }
}
