namespace ActorKafka.Metadata;

/// <summary>
/// Kafka's PartitionLeaderElectionAlgorithms together with the ISR each strategy writes
/// (as the ZooKeeper controller's partition and replica state machines do).
/// A result with no leader means the election failed: the caller leaves the partition
/// without a leader (Offline) or keeps its current leadership (the other strategies).
/// </summary>
public static class PartitionLeaderElection
{
    /// <summary>
    /// Elects a leader for a partition whose leader is gone (or that is new).
    /// Clean: the first replica in assignment order that is live and in the ISR; the ISR
    /// keeps its live members. Unclean (only if enabled and no clean candidate): the first
    /// live replica, whose log may lag, so it becomes the sole ISR member.
    /// No candidate: the dead members leave the ISR, but the last one stays (see <see cref="ShrinkIsr"/>)
    /// so that a clean election can bring that replica back as leader when it returns.
    /// </summary>
    public static ElectionResult Offline(
        IReadOnlyList<int> assignment,
        IReadOnlyList<int> isr,
        IReadOnlySet<int> liveBrokers,
        bool uncleanLeaderElectionEnabled)
    {
        var clean = FirstLiveInIsr(assignment, isr, liveBrokers, shuttingDownBrokers: null);
        if (clean is int leader)
            return new ElectionResult(leader, isr.Where(liveBrokers.Contains).ToArray());

        if (uncleanLeaderElectionEnabled)
        {
            foreach (var replica in assignment)
            {
                if (liveBrokers.Contains(replica))
                    return new ElectionResult(replica, [replica], Unclean: true);
            }
        }

        var dead = isr.Where(replica => !liveBrokers.Contains(replica)).ToHashSet();
        return new ElectionResult(null, ShrinkIsr(isr, dead));
    }

    /// <summary>
    /// Moves leadership back to the preferred replica (the first assigned one), and only to it.
    /// The ISR is unchanged: the preferred replica is already in it.
    /// </summary>
    public static ElectionResult PreferredReplica(
        IReadOnlyList<int> assignment,
        IReadOnlyList<int> isr,
        IReadOnlySet<int> liveBrokers)
    {
        if (assignment.Count > 0 && liveBrokers.Contains(assignment[0]) && isr.Contains(assignment[0]))
            return new ElectionResult(assignment[0], isr);
        return new ElectionResult(null, isr);
    }

    /// <summary>
    /// Moves leadership off brokers that are shutting down: the first live ISR replica (in
    /// assignment order) that is not shutting down. Shutting-down brokers leave the ISR so that
    /// the new leader does not wait for them. On failure nothing is written and the ISR is unchanged.
    /// </summary>
    public static ElectionResult ControlledShutdown(
        IReadOnlyList<int> assignment,
        IReadOnlyList<int> isr,
        IReadOnlySet<int> liveBrokers,
        IReadOnlySet<int> shuttingDownBrokers)
    {
        var leader = FirstLiveInIsr(assignment, isr, liveBrokers, shuttingDownBrokers);
        if (leader is null)
            return new ElectionResult(null, isr);
        return new ElectionResult(leader, isr.Where(replica => !shuttingDownBrokers.Contains(replica)).ToArray());
    }

    /// <summary>
    /// Elects a leader from the target replicas of a reassignment: the first one that is live
    /// and in the ISR. The ISR is unchanged; replicas leaving the assignment are removed later.
    /// </summary>
    public static ElectionResult Reassign(
        IReadOnlyList<int> reassignment,
        IReadOnlyList<int> isr,
        IReadOnlySet<int> liveBrokers) =>
        new(FirstLiveInIsr(reassignment, isr, liveBrokers, shuttingDownBrokers: null), isr);

    /// <summary>
    /// Removes replicas from an ISR, keeping its order. Kafka's replica state machine removes
    /// an offline replica from the ISR unless it is the only member: an ISR never becomes empty,
    /// because its last member holds every committed record and is the only replica a clean
    /// election may pick when it comes back. When every member is removed at once, the one
    /// kept is the last in ISR order, as if they had been removed one by one in that order.
    /// </summary>
    public static IReadOnlyList<int> ShrinkIsr(IReadOnlyList<int> isr, IReadOnlySet<int> removed)
    {
        var kept = isr.Where(replica => !removed.Contains(replica)).ToArray();
        if (kept.Length == 0 && isr.Count > 0)
            return [isr[^1]];
        return kept;
    }

    private static int? FirstLiveInIsr(
        IReadOnlyList<int> replicas,
        IReadOnlyList<int> isr,
        IReadOnlySet<int> liveBrokers,
        IReadOnlySet<int>? shuttingDownBrokers)
    {
        foreach (var replica in replicas)
        {
            if (liveBrokers.Contains(replica) && isr.Contains(replica) && shuttingDownBrokers?.Contains(replica) != true)
                return replica;
        }
        return null;
    }
}
