using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// Kafka's BrokerHeartbeatManager: the soft state of broker sessions that only the active
/// controller keeps and the log never holds (heartbeats would flood it): when each registration's
/// session runs out, the metadata offset each broker last reported, and the offset a controlled
/// shutdown's leadership moves end at. A controller that becomes active starts it afresh.
/// </summary>
internal sealed class BrokerHeartbeatManager(long sessionTimeoutMs)
{
    private readonly Dictionary<int, Session> _sessions = new();

    public void Clear() => _sessions.Clear();

    /// <summary>A session for the registration with this epoch; any session of an earlier registration of the id ends.</summary>
    public void Register(int brokerId, long brokerEpoch, long nowMs) =>
        _sessions[brokerId] = new Session(brokerEpoch) { DeadlineMs = nowMs + sessionTimeoutMs };

    /// <summary>Kafka's hasValidSession: the registration has a session whose deadline has not passed.</summary>
    public bool HasValidSession(int brokerId, long brokerEpoch, long nowMs) =>
        SessionOf(brokerId, brokerEpoch) is { } session && nowMs <= session.DeadlineMs;

    /// <summary>A heartbeat from the registration with this epoch: its session starts over.</summary>
    public void Touch(int brokerId, long brokerEpoch, long nowMs, long metadataOffset)
    {
        var session = SessionOf(brokerId, brokerEpoch);
        if (session is null)
        {
            session = new Session(brokerEpoch);
            _sessions[brokerId] = session;
        }
        session.DeadlineMs = nowMs + sessionTimeoutMs;
        session.MetadataOffset = metadataOffset;
    }

    /// <summary>
    /// The broker has been told to stop: its session ends, so its next incarnation may register at
    /// once instead of waiting out the session timeout as a duplicate (a fenced broker that is
    /// starting up keeps its session, so nobody else can take its id meanwhile).
    /// </summary>
    public void EndSession(int brokerId, long brokerEpoch)
    {
        if (SessionOf(brokerId, brokerEpoch) is not null) _sessions.Remove(brokerId);
    }

    /// <summary>The controlled shutdown's leadership moves reach this offset: the broker may stop once every active broker has replayed it.</summary>
    public void ControlledShutdownMoved(int brokerId, long brokerEpoch, long offset)
    {
        if (SessionOf(brokerId, brokerEpoch) is { } session) session.ControlledShutdownOffset = Math.Max(session.ControlledShutdownOffset, offset);
    }

    /// <summary>The broker's state as of its registration in the image and its controlled shutdown.</summary>
    public static BrokerControlState CurrentState(BrokerRegistration broker) =>
        broker.Fenced ? BrokerControlState.Fenced
        : broker.InControlledShutdown ? BrokerControlState.ControlledShutdown
        : BrokerControlState.Unfenced;

    /// <summary>
    /// Whether the broker has replayed its own registration. A migrating zk broker reads no log: it
    /// learns metadata from the controller's LeaderAndIsr and UpdateMetadata, so it counts as caught up.
    /// </summary>
    public static bool IsCaughtUp(BrokerRegistration broker, BrokerHeartbeatRequest request) =>
        broker.IsMigratingZkBroker || request.CurrentMetadataOffset >= broker.Epoch;

    /// <summary>
    /// Kafka's calculateNextBrokerState. A fenced broker is unfenced once it is caught up with its own
    /// registration (and neither wants to be fenced nor to stop, nor is in controlled shutdown: it
    /// leaves that only by registering again). An unfenced broker asking to stop enters controlled
    /// shutdown while it still leads partitions, else stops at once. A broker in controlled shutdown
    /// may stop once it leads nothing and every active broker has replayed the records that moved
    /// its leaderships, so no partition is left waiting for a leader that does not know it leads.
    /// </summary>
    public BrokerControlState NextState(BrokerRegistration broker, BrokerHeartbeatRequest request, Func<bool> hasLeaderships,
        IReadOnlySet<int> activeBrokers)
    {
        switch (CurrentState(broker))
        {
            case BrokerControlState.Fenced:
                if (request.WantShutDown) return BrokerControlState.ShutdownNow;
                var mayUnfence = !request.WantFence && !broker.InControlledShutdown && IsCaughtUp(broker, request);
                return mayUnfence ? BrokerControlState.Unfenced : BrokerControlState.Fenced;
            case BrokerControlState.Unfenced:
                if (request.WantFence) return request.WantShutDown ? BrokerControlState.ShutdownNow : BrokerControlState.Fenced;
                if (request.WantShutDown) return hasLeaderships() ? BrokerControlState.ControlledShutdown : BrokerControlState.ShutdownNow;
                return BrokerControlState.Unfenced;
            default:
                if (hasLeaderships()) return BrokerControlState.ControlledShutdown;
                var shutdownOffset = SessionOf(broker.Id, broker.Epoch)?.ControlledShutdownOffset ?? -1;
                return shutdownOffset <= LowestActiveOffset(activeBrokers) ? BrokerControlState.ShutdownNow : BrokerControlState.ControlledShutdown;
        }
    }

    /// <summary>Unfenced brokers (sorted by id) whose session has run out, or that have none.</summary>
    public List<int> ExpiredUnfenced(ClusterImage cluster, long nowMs)
    {
        var expired = new List<int>();
        foreach (var broker in cluster.Brokers.Values)
        {
            if (!broker.Fenced && !HasValidSession(broker.Id, broker.Epoch, nowMs)) expired.Add(broker.Id);
        }
        return expired;
    }

    /// <summary>The lowest metadata offset reported by an active broker (-1 for one not heard from yet); none: no bound.</summary>
    private long LowestActiveOffset(IReadOnlySet<int> activeBrokers)
    {
        var lowest = long.MaxValue;
        foreach (var id in activeBrokers)
        {
            var offset = _sessions.TryGetValue(id, out var session) ? session.MetadataOffset : -1;
            lowest = Math.Min(lowest, offset);
        }
        return lowest;
    }

    private Session? SessionOf(int brokerId, long brokerEpoch) =>
        _sessions.TryGetValue(brokerId, out var session) && session.Epoch == brokerEpoch ? session : null;

    private sealed class Session(long epoch)
    {
        public long Epoch { get; } = epoch;
        public long DeadlineMs { get; set; }
        public long MetadataOffset { get; set; } = -1;
        public long ControlledShutdownOffset { get; set; } = -1;
    }
}
