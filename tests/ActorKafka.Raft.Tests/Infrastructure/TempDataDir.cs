using Microsoft.Data.Sqlite;

namespace ActorKafka.Raft.Tests.Infrastructure;

/// <summary>A data directory for one node of one test, removed with everything in it afterwards.</summary>
public sealed class TempDataDir : IDisposable
{
    public TempDataDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "actorkafka-raft-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A journal connection still closing; the OS temp dir is cleaned eventually.
        }
    }
}
