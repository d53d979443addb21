using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ActorKafka.Broker.Tests.Replication;

/// <summary>
/// Seeded random histories of one partition's three replicas (see <see cref="ReplicaSimulation"/>).
/// ACTORKAFKA_REPLICA_SEED=n replays one seed; ACTORKAFKA_REPLICA_SEEDS=n runs n seeds (default 200).
/// </summary>
public sealed class ReplicaSimulationTests(ITestOutputHelper output)
{
    private const int DefaultSeeds = 200;
    private const int FaultSteps = 1_500;

    [Fact]
    public void ReplicaSimulation_random_crashes_and_clean_elections_lose_no_acknowledged_record()
    {
        var single = Environment.GetEnvironmentVariable("ACTORKAFKA_REPLICA_SEED");
        var count = int.TryParse(Environment.GetEnvironmentVariable("ACTORKAFKA_REPLICA_SEEDS"), out var n) ? n : DefaultSeeds;
        var seeds = single is { Length: > 0 } ? [int.Parse(single, CultureInfo.InvariantCulture)] : Enumerable.Range(1, count).ToArray();
        var clock = Stopwatch.StartNew();
        long steps = 0, acknowledged = 0, committed = 0, crashes = 0, elections = 0, isrCommits = 0, truncations = 0;
        foreach (var seed in seeds)
        {
            var sim = new ReplicaSimulation(seed);
            sim.Run(FaultSteps);
            steps += sim.Steps;
            acknowledged += sim.AcknowledgedRecords;
            committed += sim.CommittedRecords;
            crashes += sim.Crashes;
            elections += sim.Elections;
            isrCommits += sim.IsrCommits;
            truncations += sim.Truncations;
        }
        output.WriteLine($"{seeds.Length} seeds, {steps} steps, {acknowledged} acknowledged and {committed} committed records, {crashes} crashes, " +
                         $"{elections} elections, {isrCommits} ISR changes, {truncations} truncations in {clock.ElapsedMilliseconds} ms");
        Assert.True(acknowledged > seeds.Length * 20L, "almost nothing was acknowledged: the simulation is not exercising replication");
        if (seeds.Length >= 20)
        {
            Assert.True(truncations > 0, "no replica ever truncated: divergence is not exercised");
            Assert.True(isrCommits > seeds.Length, "ISR changes are rare: shrink and expand are not exercised");
        }
    }

    [Fact]
    public void ReplicaSimulation_a_failure_names_the_seed_and_how_to_replay_it()
    {
        var sim = new ReplicaSimulation(42);
        var failure = Assert.Throws<SimulationFailure>(() => sim.Fail("deliberate"));
        Assert.Contains("seed 42", failure.Message);
        Assert.Contains("replay: ACTORKAFKA_REPLICA_SEED=42 dotnet test tests/ActorKafka.Broker.Tests --filter ReplicaSimulation", failure.Message);
    }
}
