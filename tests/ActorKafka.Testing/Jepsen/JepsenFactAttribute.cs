namespace ActorKafka.Testing.Jepsen;

/// <summary>
/// A Jepsen run of whole clusters. It runs by default with the replication issue's bar of 30
/// seeded schedules per mode (in its own test assembly, beside the other cluster tests);
/// ACTORKAFKA_JEPSEN_SCHEDULES=n runs n per mode, and 0 reports the runs skipped (for a quick
/// local `dotnet test`).
/// </summary>
public sealed class JepsenFactAttribute : FactAttribute
{
    public JepsenFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(JepsenTests.SchedulesVariable) is "0")
            Skip = $"{JepsenTests.SchedulesVariable}=0: cluster-level Jepsen runs skipped (unset it to run {JepsenTests.DefaultSchedules} schedules per mode)";
    }
}
