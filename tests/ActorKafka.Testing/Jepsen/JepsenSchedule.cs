namespace ActorKafka.Testing.Jepsen;

/// <summary>What the nemesis does in one step of a schedule.</summary>
public enum FaultKind
{
    /// <summary>Kill the broker that leads the step's partition (as the brokers' replica managers have it).</summary>
    KillLeader,

    /// <summary>Kill a live broker that follows the step's partition.</summary>
    KillFollower,

    /// <summary>Kill the active controller: a broker in zk mode, a quorum controller node in kraft mode.</summary>
    KillController,

    /// <summary>Restart a dead node on its data directory.</summary>
    Restart,

    /// <summary>No fault: the producer runs on for the step's gap.</summary>
    Pause,
}

/// <summary>
/// One nemesis step: the fault, the partition it aims at, a pick that chooses among several
/// candidates (followers, dead nodes) and the gap before the next step, during which the producer
/// keeps writing (pacing, not a wait for anything).
/// </summary>
public sealed record ScheduleStep(FaultKind Kind, int Partition, int Pick, int GapMs)
{
    public override string ToString() => Kind switch
    {
        FaultKind.KillLeader => $"kill the leader of p{Partition}, then {GapMs} ms",
        FaultKind.KillFollower => $"kill follower #{Pick} of p{Partition}, then {GapMs} ms",
        FaultKind.KillController => $"kill the active controller, then {GapMs} ms",
        FaultKind.Restart => $"restart dead node #{Pick}, then {GapMs} ms",
        _ => $"pause {GapMs} ms",
    };
}

/// <summary>A seeded nemesis schedule: the same seed always gives the same steps.</summary>
public sealed record JepsenSchedule(int Seed, int WarmupMs, IReadOnlyList<ScheduleStep> Steps)
{
    public override string ToString() =>
        $"seed {Seed}: warm up {WarmupMs} ms; " + string.Join("; ", Steps.Select((s, i) => $"{i + 1}. {s}"));

    /// <summary>
    /// A few faults over a few seconds, drawn from <see cref="System.Random"/>(seed). Kills are
    /// weighted towards leaders (where acknowledged writes are at stake), restarts keep the number
    /// of dead nodes small, and the run's own limits (at most two brokers and one controller dead)
    /// turn impossible kills into no-ops at run time.
    /// </summary>
    public static JepsenSchedule Generate(int seed, int partitions, int minSteps = 2, int maxSteps = 4)
    {
        var random = new Random(seed);
        var steps = new List<ScheduleStep>();
        var count = random.Next(minSteps, maxSteps + 1);
        var dead = 0;
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            var kind = roll switch
            {
                < 35 => FaultKind.KillLeader,
                < 55 => FaultKind.KillFollower,
                < 70 => FaultKind.KillController,
                < 90 => FaultKind.Restart,
                _ => FaultKind.Pause,
            };
            // Keep the nodes down few: a third kill becomes a restart, a restart with nothing dead a kill.
            if (kind is FaultKind.KillLeader or FaultKind.KillFollower or FaultKind.KillController && dead >= 2) kind = FaultKind.Restart;
            else if (kind == FaultKind.Restart && dead == 0) kind = FaultKind.KillLeader;
            dead += kind switch
            {
                FaultKind.Restart => -1,
                FaultKind.Pause => 0,
                _ => 1,
            };
            steps.Add(new ScheduleStep(kind, random.Next(partitions), random.Next(1000), random.Next(80, 600)));
        }
        return new JepsenSchedule(seed, random.Next(100, 300), steps);
    }
}
