using ActorKafka.Raft;

namespace ActorKafka.Raft.Tests.Simulation;

/// <summary>Shared steps of the simulated scenarios: waiting for a leader, for commits, for convergence.</summary>
internal sealed partial class SimCluster
{
    private bool _proposing;
    public const long ProposeEveryMs = 15;

    public SimNode AwaitLeader(long timeoutMs = 5_000)
    {
        if (!RunUntil(() => Leader is { } l && l.Core!.HighWatermark > l.Core.EpochStartOffset, timeoutMs))
            Fail($"no leader committed its epoch within {timeoutMs} ms");
        return Leader!;
    }

    public void StartProposing()
    {
        if (_proposing) return;
        _proposing = true;
        ProposeLoop();
    }

    public void StopProposing() => _proposing = false;

    private void ProposeLoop() => At(Now + ProposeEveryMs, () =>
    {
        if (!_proposing) return;
        ProposeToLeaders();
        ProposeLoop();
    });

    /// <summary>Runs until <paramref name="more"/> further entries are committed somewhere.</summary>
    public void AwaitCommits(int more, long timeoutMs = 10_000)
    {
        var target = CommittedEnd + more;
        StartProposing();
        if (!RunUntil(() => CommittedEnd >= target, timeoutMs)) Fail($"committed only up to {CommittedEnd}, expected {target} within {timeoutMs} ms");
    }

    /// <summary>
    /// Heals everything, restarts every node and waits until one leader has committed a new entry and
    /// every node has applied exactly the leader's log: liveness once the faults stop, and the final
    /// ConsistentCommittedData check (no committed entry lost anywhere).
    /// </summary>
    public void AwaitConvergence(long timeoutMs = 30_000)
    {
        Heal();
        DropRate = DuplicateRate = 0;
        foreach (var node in Nodes.Values)
        {
            node.SlowDisk = false;
            Restart(node.Id);
        }
        var before = CommittedEnd;
        AwaitCommits(1, timeoutMs);
        StopProposing();
        bool Converged()
        {
            var leader = Leader;
            if (leader is null) return false;
            var hw = leader.Core!.HighWatermark;
            return hw == leader.Core.LogEndOffset && hw > before
                   && Nodes.Values.All(n => n.Up && n.AppliedEnd == hw && n.Core!.HighWatermark == hw && n.Unflushed.Count == 0);
        }
        if (!RunUntil(Converged, timeoutMs)) Fail($"nodes did not converge within {timeoutMs} ms after the faults stopped");
        CheckLogMatching();
        var leaderLog = Leader!.Core!.Log;
        for (var offset = leaderLog.StartOffset; offset < CommittedEnd; offset++)
            if (_committed.TryGetValue(offset, out var entry) && !leaderLog[offset].SameAs(entry))
                Fail($"committed offset {offset} changed after convergence");
        if (CommittedEnd > leaderLog.EndOffset) Fail($"committed up to {CommittedEnd} but the final log ends at {leaderLog.EndOffset}");
    }

    /// <summary>A random fault history: crashes, restarts, partitions, slow disks, lossy links, false alarms.</summary>
    public void RunRandomFaults(long durationMs)
    {
        DropRate = Random.NextDouble() < 0.5 ? 0 : Random.NextDouble() * 0.15;
        DuplicateRate = Random.NextDouble() < 0.5 ? 0 : Random.NextDouble() * 0.1;
        Log($"drop {DropRate:0.000} duplicate {DuplicateRate:0.000}");
        StartProposing();
        var end = Now + durationMs;
        while (Now < end)
        {
            RunFor(50 + Random.NextInt64(400));
            var ids = Nodes.Keys.ToArray();
            var id = ids[Random.Next(ids.Length)];
            switch (Random.Next(8))
            {
                case 0: Crash(id); break;
                case 1:
                case 2: Restart(id); break;
                case 3:
                    var side = ids.Where(_ => Random.Next(2) == 0).ToArray();
                    Partition(side);
                    break;
                case 4: Heal(); break;
                case 5:
                    SetSlowDisk(id, !Nodes[id].SlowDisk);
                    break;
                case 6: HintLeaderUnreachable(id); break;
                case 7:
                    if (Leader is { } leader) Crash(leader.Id);
                    break;
            }
        }
    }
}
