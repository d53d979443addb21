using ActorKafka.Raft;

namespace ActorKafka.Raft.Tests.Simulation;

/// <summary>Timing and fault rates of one simulated cluster, in virtual milliseconds.</summary>
internal sealed record SimOptions
{
    public int Voters { get; init; } = 3;
    public int Observers { get; init; }
    public long TickMs { get; init; } = 5;
    public long MinLatencyMs { get; init; } = 1;
    public long MaxLatencyMs { get; init; } = 8;
    public double DropRate { get; init; }
    public double DuplicateRate { get; init; }
    public long MinDiskMs { get; init; } = 1;
    public long MaxDiskMs { get; init; } = 4;
    public long SlowDiskMs { get; init; } = 400;
    /// <summary>Applied entries between state-machine snapshots; 0 disables them.</summary>
    public int SnapshotEvery { get; init; }

    public RaftCoreConfig CoreConfig(int id) => new(
        id, Enumerable.Range(1, Voters).ToArray(),
        ElectionTimeoutMs: 150, FetchTimeoutMs: 300, FetchMaxWaitMs: 60, RequestTimeoutMs: 60, RetryBackoffMs: 20, MaxFetchEntries: 16,
        // Small enough that fetch responses are cut by bytes and every snapshot travels in several chunks.
        MaxFetchBytes: 64);
}
