using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>
/// Seeded random request histories against the quorum controller core, every invariant checked
/// after every step. ACTORKAFKA_QC_SEED=n replays one seed; ACTORKAFKA_QC_SEEDS=n runs n seeds
/// (default 200).
/// </summary>
public sealed class QuorumControllerSimulationTests(ITestOutputHelper output)
{
    private const int DefaultSeeds = 200;
    private const int StepsPerSeed = 500;

    [Fact]
    public void QuorumControllerSimulation_random_requests_keep_every_invariant()
    {
        var single = Environment.GetEnvironmentVariable("ACTORKAFKA_QC_SEED");
        var count = int.TryParse(Environment.GetEnvironmentVariable("ACTORKAFKA_QC_SEEDS"), out var n) ? n : DefaultSeeds;
        var seeds = single is not null ? [int.Parse(single, CultureInfo.InvariantCulture)] : Enumerable.Range(1, count).ToArray();
        var clock = Stopwatch.StartNew();
        long steps = 0, records = 0, failovers = 0;
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var seed in seeds)
        {
            var simulation = new QuorumControllerSimulation(seed);
            simulation.Run(StepsPerSeed);
            steps += simulation.Steps;
            records += simulation.Records;
            failovers += simulation.Failovers;
            foreach (var (outcome, times) in simulation.Outcomes) outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + times;
        }
        output.WriteLine($"{seeds.Length} seeds, {steps} steps, {records} records, {failovers} failovers in {clock.ElapsedMilliseconds} ms");
        foreach (var (outcome, times) in outcomes.Where(o => !o.Key.StartsWith("fenced", StringComparison.Ordinal)).OrderBy(o => o.Key, StringComparer.Ordinal))
            output.WriteLine($"  {outcome}: {times}");
        Assert.True(records > seeds.Length * 20L, "the histories wrote almost nothing: the simulation is not exercising the controller");
    }

    [Fact]
    public void QuorumControllerSimulation_a_broken_invariant_reports_the_seed_and_how_to_replay_it()
    {
        var simulation = new QuorumControllerSimulation(42);
        var failure = Assert.Throws<QuorumControllerSimulationFailure>(() => simulation.Fail("deliberate"));
        Assert.Contains("seed 42", failure.Message);
        Assert.Contains("ACTORKAFKA_QC_SEED=42 dotnet test tests/ActorKafka.Controller.Tests --filter QuorumControllerSimulation", failure.Message);
    }
}
