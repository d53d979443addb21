namespace ActorKafka.Cluster.Tests.Jepsen;

/// <summary>
/// A Jepsen run of whole clusters: minutes of CPU, so it runs when ACTORKAFKA_JEPSEN_SCHEDULES
/// says how many seeded schedules per mode (30 is the replication issue's bar), and is reported
/// skipped otherwise, so a plain `dotnet test` stays within its time budget.
/// </summary>
public sealed class JepsenFactAttribute : FactAttribute
{
    public JepsenFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(JepsenTests.SchedulesVariable)))
            Skip = $"cluster-level Jepsen runs take minutes: set {JepsenTests.SchedulesVariable}=30 (schedules per mode) to run them";
    }
}
