using ActorKafka.Metadata;

namespace ActorKafka.Controller;

/// <summary>A topic as the controller holds it: id, replica assignment, and whether unclean election is allowed.</summary>
public sealed record TopicState(string TopicId, IReadOnlyDictionary<int, IReadOnlyList<int>> Assignment, bool UncleanLeaderElection);

/// <summary>One partition's leadership before and after a state-machine step; written conditionally on Before.PartitionEpoch.</summary>
public sealed record PartitionChange(TopicPartition Partition, LeaderAndIsr? Before, LeaderAndIsr After)
{
    /// <summary>Only the ISR changed: brokers learn it from UpdateMetadata, not LeaderAndIsr.</summary>
    public bool IsrOnly => Before is not null && Before.Leader == After.Leader && Before.LeaderEpoch == After.LeaderEpoch;
}

/// <summary>
/// The active controller's view of the cluster (Kafka's ControllerContext) and its partition
/// and replica state machines as pure functions: given live brokers, assignments and current
/// leaderships, they return the changes to write. Nothing here talks to the store or brokers.
/// </summary>
public sealed class ControllerContext(int controllerId, int epoch, int epochZkVersion, bool uncleanLeaderElectionDefault)
{
    public int ControllerId { get; } = controllerId;
    public int Epoch { get; } = epoch;
    public int EpochZkVersion { get; } = epochZkVersion;
    public Dictionary<int, BrokerInfo> LiveBrokers { get; } = new();
    public HashSet<int> ShuttingDown { get; } = new();
    public Dictionary<string, TopicState> Topics { get; } = new(StringComparer.Ordinal);
    public Dictionary<TopicPartition, LeaderAndIsr> States { get; } = new();

    /// <summary>Brokers that may lead: live and not shutting down.</summary>
    public IReadOnlySet<int> LiveBrokerIds => LiveBrokers.Keys.Where(id => !ShuttingDown.Contains(id)).ToHashSet();

    public IEnumerable<TopicPartition> AllPartitions =>
        Topics.SelectMany(t => t.Value.Assignment.Keys.Select(p => new TopicPartition(t.Key, p)));

    public IReadOnlyList<int> Replicas(TopicPartition tp) =>
        Topics.TryGetValue(tp.Topic, out var topic) && topic.Assignment.TryGetValue(tp.Partition, out var replicas) ? replicas : Array.Empty<int>();

    private bool Unclean(TopicPartition tp) => Topics.TryGetValue(tp.Topic, out var t) ? t.UncleanLeaderElection : uncleanLeaderElectionDefault;

    /// <summary>New partitions (no state yet): leader = first live replica, ISR = live replicas (Kafka's NewPartition -> OnlinePartition).</summary>
    public List<PartitionChange> InitializeNewPartitions(IEnumerable<TopicPartition> partitions)
    {
        var live = LiveBrokerIds;
        var changes = new List<PartitionChange>();
        foreach (var tp in partitions)
        {
            if (States.ContainsKey(tp)) continue;
            var liveReplicas = Replicas(tp).Where(live.Contains).ToArray();
            var leader = liveReplicas.Length > 0 ? liveReplicas[0] : LeaderAndIsr.NoLeader;
            changes.Add(new PartitionChange(tp, null, new LeaderAndIsr(leader, 0, liveReplicas, Epoch, 0)));
        }
        return changes;
    }

    /// <summary>
    /// Brokers died: every partition they led gets a new leader (Offline strategy) or goes
    /// offline with leader -1; they leave the ISR of every other partition (the last member stays).
    /// Each change bumps the leader epoch, as Kafka's controller does.
    /// </summary>
    public List<PartitionChange> OnBrokersFailed(IReadOnlySet<int> dead)
    {
        var live = LiveBrokerIds;
        var changes = new List<PartitionChange>();
        foreach (var (tp, state) in States)
        {
            if (dead.Contains(state.Leader))
            {
                var result = PartitionLeaderElection.Offline(Replicas(tp), state.Isr, live, Unclean(tp));
                changes.Add(new PartitionChange(tp, state, state.NewLeader(result.Leader ?? LeaderAndIsr.NoLeader, result.Isr, Epoch)));
            }
            else if (state.Isr.Any(dead.Contains))
            {
                var isr = PartitionLeaderElection.ShrinkIsr(state.Isr, dead);
                if (!isr.SequenceEqual(state.Isr))
                    changes.Add(new PartitionChange(tp, state, state.NewLeader(state.Leader, isr, Epoch)));
            }
        }
        return changes;
    }

    /// <summary>Partitions without a live leader get one if a replica can now lead (a broker returned, or failover found them offline).</summary>
    public List<PartitionChange> ElectOfflinePartitions()
    {
        var live = LiveBrokerIds;
        var changes = new List<PartitionChange>();
        foreach (var (tp, state) in States)
        {
            if (state.HasLeader && live.Contains(state.Leader)) continue;
            var result = PartitionLeaderElection.Offline(Replicas(tp), state.Isr, live, Unclean(tp));
            if (result.Leader is { } leader)
                changes.Add(new PartitionChange(tp, state, state.NewLeader(leader, result.Isr, Epoch)));
            else if (state.HasLeader)
                changes.Add(new PartitionChange(tp, state, state.NewLeader(LeaderAndIsr.NoLeader, result.Isr, Epoch)));
        }
        return changes;
    }

    /// <summary>
    /// Partition states read back from the store: a leader changed its ISR (an
    /// /isr_change_notification), or one of this controller's writes found the partition moved.
    /// A state with a newer partition epoch (the znode version the next conditional write must
    /// expect) replaces the cached one; partitions of unknown topics are ignored. Returns the
    /// partitions whose cached state changed. A returning replica rejoins an ISR only this way,
    /// when its leader proposes it, as in Kafka.
    /// </summary>
    public List<TopicPartition> Refresh(IEnumerable<(TopicPartition Partition, LeaderAndIsr Stored)> states)
    {
        var changed = new List<TopicPartition>();
        foreach (var (tp, stored) in states)
        {
            if (Replicas(tp).Count == 0) continue;
            if (States.TryGetValue(tp, out var cached) && cached.PartitionEpoch >= stored.PartitionEpoch) continue;
            States[tp] = stored;
            changed.Add(tp);
        }
        return changed;
    }

    /// <summary>Preferred-replica election for the given partitions (only those whose preferred replica can lead and does not).</summary>
    public List<PartitionChange> ElectPreferred(IEnumerable<TopicPartition> partitions)
    {
        var live = LiveBrokerIds;
        var changes = new List<PartitionChange>();
        foreach (var tp in partitions)
        {
            if (!States.TryGetValue(tp, out var state)) continue;
            var result = PartitionLeaderElection.PreferredReplica(Replicas(tp), state.Isr, live);
            if (result.Leader is { } leader && leader != state.Leader)
                changes.Add(new PartitionChange(tp, state, state.NewLeader(leader, result.Isr, Epoch)));
        }
        return changes;
    }

    /// <summary>
    /// Kafka's auto leader rebalance: a broker whose share of partitions it prefers but does not
    /// lead is above the threshold gets those partitions back.
    /// </summary>
    public List<TopicPartition> ImbalancedPartitions(double imbalancePercentage)
    {
        var result = new List<TopicPartition>();
        foreach (var group in States.Keys.GroupBy(tp => Replicas(tp).FirstOrDefault(-1)).Where(g => g.Key >= 0))
        {
            var notLed = group.Where(tp => States[tp].Leader != group.Key).ToList();
            if (notLed.Count * 100.0 / group.Count() > imbalancePercentage) result.AddRange(notLed);
        }
        return result;
    }

    /// <summary>
    /// Controlled shutdown of a broker: its leaderships move to another ISR replica, it leaves
    /// every ISR. Returns the changes and the partitions it would still lead.
    /// </summary>
    public (List<PartitionChange> Changes, List<TopicPartition> Remaining) ControlledShutdown(int brokerId)
    {
        ShuttingDown.Add(brokerId);
        var live = LiveBrokerIds;
        var changes = new List<PartitionChange>();
        var remaining = new List<TopicPartition>();
        var shutting = new HashSet<int> { brokerId };
        foreach (var (tp, state) in States)
        {
            if (state.Leader == brokerId)
            {
                var result = PartitionLeaderElection.ControlledShutdown(Replicas(tp), state.Isr, live, ShuttingDown);
                if (result.Leader is { } leader) changes.Add(new PartitionChange(tp, state, state.NewLeader(leader, result.Isr, Epoch)));
                else remaining.Add(tp);
            }
            else if (state.Isr.Contains(brokerId) && state.Isr.Count > 1)
            {
                changes.Add(new PartitionChange(tp, state, state.NewLeader(state.Leader, state.Isr.Where(r => r != brokerId).ToArray(), Epoch)));
            }
        }
        return (changes, remaining);
    }

    public PartitionStateInfo StateInfo(TopicPartition tp) => PartitionStateInfo.From(tp, States[tp], Replicas(tp));
}
