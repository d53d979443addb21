namespace ActorKafka.MultiProcess.Tests;

/// <summary>
/// A multi-process fault run: five node processes on loopback. ACTORKAFKA_PROCESS_ROUNDS=n runs
/// n rounds of faults (default 1, the CI-sized run), 0 skips the runs.
/// </summary>
public sealed class ProcessFactAttribute : FactAttribute
{
    public ProcessFactAttribute()
    {
        if (ProcessFaultRun.Rounds == 0) Skip = $"{ProcessFaultRun.RoundsVariable}=0: multi-process fault runs skipped";
    }
}

/// <summary>The same with every node a host of its own in a network namespace: needs root, skipped with the reason otherwise.</summary>
public sealed class NamespaceFactAttribute : FactAttribute
{
    public NamespaceFactAttribute()
    {
        if (ProcessFaultRun.Rounds == 0) Skip = $"{ProcessFaultRun.RoundsVariable}=0: multi-process fault runs skipped";
        else if (NetworkNamespaces.Unavailable() is { } why) Skip = $"partitioning hosts skipped: {why}";
    }
}
