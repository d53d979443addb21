using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Examples;

/// <summary>
/// The lag monitor's decisions as plain deterministic code: given a replica manager's
/// <see cref="ReplicaStates"/> and the time, which hosted replicas are unhealthy, and which changes to
/// report. A condition is reported once it has lasted <c>reportAfterMs</c> (an ISR that shrinks and
/// grows back between two looks raises nothing); a return to health is reported at once, and only
/// after an unhealthy report. Nothing here reads a clock, sends or schedules: the actor
/// (<see cref="PartitionLagMonitor"/>) does.
/// </summary>
public sealed class LagMonitorCore
{
    private readonly int _minInsyncReplicas;
    private readonly long _reportAfterMs;
    private readonly Dictionary<TopicPartition, Tracked> _tracked = new();

    public LagMonitorCore(int minInsyncReplicas, long reportAfterMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minInsyncReplicas, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(reportAfterMs);
        _minInsyncReplicas = minInsyncReplicas;
        _reportAfterMs = reportAfterMs;
    }

    /// <summary>The broker the replica manager answered for; -1 before the first answer.</summary>
    public int BrokerId { get; private set; } = -1;

    /// <summary>The replicas currently reported unhealthy, in partition order.</summary>
    public IReadOnlyList<ReportedReplica> Reported =>
        _tracked.Where(t => t.Value.Reported is not null)
            .Select(t => new ReportedReplica(t.Key, t.Value.Reported!.Value))
            .OrderBy(r => r.Partition.Topic, StringComparer.Ordinal).ThenBy(r => r.Partition.Partition)
            .ToArray();

    /// <summary>One replica's health from its own broker's view (Kafka counts the same conditions on the leader).</summary>
    public static ReplicaHealth Judge(ReplicaStatus replica, int brokerId, int minInsyncReplicas)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return replica.Role switch
        {
            ReplicaRole.Leader when replica.Isr.Length < minInsyncReplicas => ReplicaHealth.UnderMinIsr,
            ReplicaRole.Leader => ReplicaHealth.Healthy,
            ReplicaRole.Follower when replica.LeaderId < 0 => ReplicaHealth.Leaderless,
            ReplicaRole.Follower when !replica.Isr.Contains(brokerId) => ReplicaHealth.OutOfSync,
            ReplicaRole.Follower => ReplicaHealth.Healthy,
            _ => ReplicaHealth.NotHosted,
        };
    }

    private static bool IsUnhealthy(ReplicaHealth health) => health is not (ReplicaHealth.Healthy or ReplicaHealth.NotHosted);

    /// <summary>Judges one answer of the replica manager at <paramref name="nowMs"/>; returns the changes to publish.</summary>
    public IReadOnlyList<ReplicaHealthChanged> Observe(ReplicaStates states, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(states);
        BrokerId = states.BrokerId;
        var changes = new List<ReplicaHealthChanged>();
        var seen = new HashSet<TopicPartition>();
        foreach (var replica in states.Replicas)
        {
            seen.Add(replica.Partition);
            var health = Judge(replica, states.BrokerId, _minInsyncReplicas);
            if (!_tracked.TryGetValue(replica.Partition, out var tracked))
            {
                if (!IsUnhealthy(health)) continue;
                tracked = new Tracked(health, nowMs, null);
            }
            else if (tracked.Health != health) tracked = tracked with { Health = health, SinceMs = nowMs };

            if (!IsUnhealthy(health))
            {
                // Healthy again: said at once, if anything else was said before.
                if (tracked.Reported is { } previous) changes.Add(Change(replica, health, previous));
                _tracked.Remove(replica.Partition);
                continue;
            }
            if (tracked.Reported != health && nowMs - tracked.SinceMs >= _reportAfterMs)
            {
                changes.Add(Change(replica, health, tracked.Reported ?? ReplicaHealth.Healthy));
                tracked = tracked with { Reported = health };
            }
            _tracked[replica.Partition] = tracked;
        }

        // A replica the answer no longer lists: its last report must not stand.
        foreach (var gone in _tracked.Keys.Where(tp => !seen.Contains(tp)).ToArray())
        {
            if (_tracked[gone].Reported is { } previous)
                changes.Add(new ReplicaHealthChanged(BrokerId, gone, ReplicaHealth.NotHosted, previous, -1, -1, -1, []));
            _tracked.Remove(gone);
        }
        return changes;

        ReplicaHealthChanged Change(ReplicaStatus r, ReplicaHealth health, ReplicaHealth previous) =>
            new(states.BrokerId, r.Partition, health, previous, r.LeaderId, r.LeaderEpoch, r.PartitionEpoch, r.Isr);
    }

    /// <summary>A replica seen unhealthy: its current health, since when, and what was last reported (null: nothing yet).</summary>
    private sealed record Tracked(ReplicaHealth Health, long SinceMs, ReplicaHealth? Reported);
}
