using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ActorKafka.Raft.Tests.Simulation;

/// <summary>
/// Seeded random fault histories over simulated clusters, every invariant checked after every
/// event, then liveness once the faults stop. ACTORKAFKA_RAFT_SEED=n replays one seed;
/// ACTORKAFKA_RAFT_SEEDS=n runs n seeds (default 500).
/// </summary>
public sealed class RaftSimulationTests(ITestOutputHelper output)
{
    private const int DefaultSeeds = 500;
    private const long FaultMs = 3_000;

    [Fact]
    public void RaftSimulation_random_fault_histories_keep_every_invariant()
    {
        var single = Environment.GetEnvironmentVariable("ACTORKAFKA_RAFT_SEED");
        var count = int.TryParse(Environment.GetEnvironmentVariable("ACTORKAFKA_RAFT_SEEDS"), out var n) ? n : DefaultSeeds;
        var seeds = single is not null ? new[] { int.Parse(single, CultureInfo.InvariantCulture) } : Enumerable.Range(1, count).ToArray();
        var clock = Stopwatch.StartNew();
        long steps = 0, committed = 0, acknowledged = 0;
        foreach (var seed in seeds)
        {
            var cluster = RunSeed(seed);
            steps += cluster.Steps;
            committed += cluster.CommittedEnd;
            acknowledged += cluster.Acknowledged;
        }
        output.WriteLine($"{seeds.Length} seeds, {steps} events, {committed} committed entries, {acknowledged} acknowledged proposals in {clock.ElapsedMilliseconds} ms");
        Assert.True(committed > seeds.Length * 10L, "the histories committed almost nothing: the simulation is not exercising replication");
    }

    /// <summary>The cluster shape varies with the seed: 1, 3 or 5 voters, sometimes an observer, sometimes snapshots.</summary>
    internal static SimCluster RunSeed(int seed)
    {
        var shape = new Random(seed ^ 0x5EED);
        var options = new SimOptions
        {
            Voters = shape.Next(10) switch { 0 => 1, < 7 => 3, _ => 5 },
            Observers = shape.Next(3) == 0 ? 1 : 0,
            SnapshotEvery = shape.Next(3) == 0 ? 10 + shape.Next(30) : 0,
        };
        var cluster = new SimCluster(seed, options);
        cluster.RunRandomFaults(FaultMs);
        cluster.AwaitConvergence();
        return cluster;
    }

    [Fact]
    public void RaftSimulation_a_broken_invariant_reports_the_seed_and_how_to_replay_it()
    {
        var cluster = new SimCluster(42, new SimOptions());
        cluster.AwaitLeader();
        var failure = Assert.Throws<SimulationFailure>(() => cluster.Fail("deliberate"));
        Assert.Contains("seed 42", failure.Message);
        Assert.Contains("replay: ACTORKAFKA_RAFT_SEED=42 dotnet test tests/ActorKafka.Raft.Tests --filter RaftSimulation", failure.Message);
    }
}
