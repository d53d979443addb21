namespace ActorKafka.Benchmarks;

/// <summary>The zk-mode baseline: the zk controller stopped, a new one elected that loads the same cluster's state.</summary>
public sealed record ZkFailoverBaseline(double StateLoad, double Total);

/// <summary>
/// PRE_MIGRATION -> MIGRATION on a fresh quorum, every time in ms from the last zk broker's
/// registration with the quorum. Copy: the driver's own clock (read the store, append the batch,
/// wait for its commit, record the offset in /migration); CopyWall: the claim event -> the
/// migrated event, as seen in this process.
/// </summary>
public sealed record MigrationTimes(double BrokersUnfenced, double Claimed, double Copied, double DualWrite, double Copy, double CopyWall,
    int Topics, int Partitions)
{
    /// <summary>Topic and partition records plus the closing ZkMigrationStateRecord.</summary>
    public int Records => Topics + Partitions + 1;

    public double RecordsPerSecond => Records / (Copy / 1000);
}

/// <summary>
/// A broker killed in DualWrite: Fenced = kill -> the first leader moved by the quorum; Latencies:
/// for each partition it led, its LeaderElected (committed in KRaft) -> its state znode written.
/// </summary>
public sealed record DualWriteTimes(int Victim, int Moved, double Fenced, double LastWritten, IReadOnlyList<double> Latencies, int Missing)
{
    public double Median => Statistics.Median(Latencies);
    public double P99 => Statistics.Percentile(Latencies, 99);
    public double Max => Latencies.Count == 0 ? double.NaN : Latencies.Max();
}

public sealed record MigrationRun(ZkFailoverBaseline Baseline, MigrationTimes Migration, DualWriteTimes DualWrite)
{
    public double CopyToZkLoad => Migration.Copy / Baseline.StateLoad;
}
