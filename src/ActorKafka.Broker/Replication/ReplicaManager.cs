using System.Diagnostics;
using ActorKafka.Broker.Log;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Broker.Replication;

/// <summary>
/// Kafka's ReplicaManager and replica fetchers for one broker: a thin shell over one
/// <see cref="PartitionReplica"/> per hosted partition. Roles come from
/// <see cref="PartitionStateChanged"/> (LeaderAndIsr in zk mode, the metadata log in kraft mode);
/// leaders serve Produce and Fetch, followers fetch from their leader's replica manager. Appends
/// are group-committed: everything that arrives while the mailbox drains shares one flush per
/// log, and no answer or fetch offset counts anything not yet flushed. Runs on its own thread
/// (the fsync is blocking). Lives at /user/replica-manager.
/// </summary>
public sealed partial class ReplicaManager : UntypedActor, IWithTimers
{
    private readonly ReplicaManagerSettings _settings;
    private readonly IActorRef _broker;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<TopicPartition, PartitionReplica> _replicas = new();
    private readonly HashSet<TopicPartition> _dirty = new();
    private bool _flushScheduled;
    private long _ticks;

    /// <summary>Broker addresses are refreshed every this many ticks while this broker follows anything.</summary>
    private const int AddressRefreshTicks = 20;
    private long _brokerEpoch = -1;

    public ReplicaManager(ReplicaManagerSettings settings, IActorRef broker)
    {
        _settings = settings;
        _broker = broker;
    }

    public static Props Props(ReplicaManagerSettings settings, IActorRef broker) =>
        Akka.Actor.Props.Create(() => new ReplicaManager(settings, broker)).WithDispatcher(ReplicaManagerSettings.DispatcherId);

    public ITimerScheduler Timers { get; set; } = null!;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(PartitionStateChanged));
        Context.System.EventStream.Subscribe(Self, typeof(BrokerRegistered));
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.TickInterval);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        foreach (var replica in _replicas.Values)
        {
            replica.Stop();
            replica.Log.Dispose();
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ProduceRequest r:
                OnProduce(r);
                break;
            case FetchRecordsRequest r:
                OnFetch(r, Sender);
                break;
            case FetchRecordsResponse r:
                OnFetchResponse(r);
                break;
            case ListOffsetsRequest r:
                Sender.Tell(_replicas.TryGetValue(r.Partition, out var listed)
                    ? listed.HandleListOffsets(r)
                    : new ListOffsetsResponse(r.CorrelationId, r.Partition, ControlError.UnknownTopicOrPartition, -1, -1));
                break;
            case PartitionStateChanged c when c.BrokerId == _settings.BrokerId:
                OnPartitionState(c.Replica);
                break;
            case BrokerRegistered r when r.BrokerId == _settings.BrokerId:
                _brokerEpoch = r.BrokerEpoch;
                foreach (var replica in _replicas.Values) replica.BrokerEpoch = r.BrokerEpoch;
                break;
            case IsrChangeResult r:
                OnIsrChangeResult(r);
                break;
            case ClientMetadataResponse r:
                OnBrokerAddresses(r);
                break;
            case Flush:
                OnFlush();
                break;
            case AddressesTimeout:
                _addressesRequested = false;
                break;
            case Tick:
                OnTick();
                break;
            case GetReplicaStates:
                Sender.Tell(new ReplicaStates(_settings.BrokerId, _replicas.Values.OrderBy(r => r.Partition.Topic, StringComparer.Ordinal)
                    .ThenBy(r => r.Partition.Partition).Select(Status).ToArray()));
                break;
            case PartitionStateChanged or BrokerRegistered:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private static ReplicaStatus Status(PartitionReplica r) => new(r.Partition, r.Role, r.LeaderId, r.LeaderEpoch, r.PartitionEpoch, r.Isr.ToArray(),
        r.HighWatermark, r.Log.LogStartOffset, r.Log.LogEndOffset, r.Log.DurableEndOffset);

    private void OnPartitionState(ReplicaView view)
    {
        var replica = ReplicaOf(view.Partition);
        // A new leader may be a broker that came back on another address: learn the addresses afresh.
        if (view.Leader != replica.LeaderId && view.Leader != _settings.BrokerId && view.Leader >= 0) RequestAddresses();
        var now = Now;
        var outcome = view.Leader == _settings.BrokerId
            ? replica.BecomeLeader(view.LeaderEpoch, view.PartitionEpoch, view.Isr, view.Replicas, now)
            : replica.BecomeFollower(view.Leader, view.LeaderEpoch, view.PartitionEpoch, view.Isr, view.Replicas);
        if (outcome is RoleChangeOutcome.BecameLeader or RoleChangeOutcome.BecameFollower)
            _log.Info("{0}: {1} at leader epoch {2} (isr [{3}], log end {4}, high watermark {5})", view.Partition,
                outcome == RoleChangeOutcome.BecameLeader ? "leader" : $"follower of {view.Leader}", view.LeaderEpoch, string.Join(",", view.Isr),
                replica.Log.LogEndOffset, replica.HighWatermark);
        AfterEvent(replica);
    }

    private PartitionReplica ReplicaOf(TopicPartition tp)
    {
        if (_replicas.TryGetValue(tp, out var existing)) return existing;
        var log = SegmentLog.Open(SegmentLog.PartitionDirectory(_settings.LogDir, tp), new SegmentLogOptions { SegmentBytes = _settings.SegmentBytes });
        if (log.Recovery.Batches > 0)
            _log.Info("{0}: recovered log [{1}, {2}) from {3} segment(s), high watermark {4}", tp, log.LogStartOffset, log.LogEndOffset,
                log.Recovery.Segments, log.HighWatermark);
        var replica = new PartitionReplica(_settings.BrokerId, tp, log, _settings.Replica) { BrokerEpoch = _brokerEpoch };
        _replicas[tp] = replica;
        return replica;
    }

    /// <summary>After any input to a replica: flush later (grouped), answer what completed, send its ISR proposal, fetch on.</summary>
    private void AfterEvent(PartitionReplica replica)
    {
        if (replica.NeedsFlush && _dirty.Add(replica.Partition) && !_flushScheduled)
        {
            _flushScheduled = true;
            // Behind everything already in the mailbox: those appends share this flush.
            Self.Tell(Flush.Instance);
        }
        DeliverCompletions(replica);
        if (replica.TakeIsrChangeProposal() is { } proposal)
        {
            _pendingIsr[replica.Partition] = proposal;
            _pendingIsrSince[replica.Partition] = Now;
            _broker.Tell(new ProposeIsrChange(proposal.Partition, proposal.LeaderEpoch, proposal.PartitionEpoch, proposal.NewIsr.ToArray()), Self);
        }
        AnswerParked(replica);
        SendFetch(replica);
    }

    private void OnFlush()
    {
        _flushScheduled = false;
        var flushed = _dirty.Select(tp => _replicas[tp]).ToList();
        _dirty.Clear();
        foreach (var replica in flushed) replica.Log.Flush();
        var now = Now;
        foreach (var replica in flushed)
        {
            replica.OnLogFlushed(now);
            AfterEvent(replica);
        }
    }

    private void OnTick()
    {
        var now = Now;
        // Followers whose fetches go unanswered may be talking to an address their leader left: ask again now and then.
        if (++_ticks % AddressRefreshTicks == 0 && _replicas.Values.Any(r => r.Role == ReplicaRole.Follower)) RequestAddresses();
        ExpireParked(now);
        AbandonUnansweredIsrChanges(now);
        foreach (var replica in _replicas.Values)
        {
            replica.Tick(now);
            AfterEvent(replica);
        }
    }

    /// <summary>
    /// A proposal the broker never answered (lost on its way to a controller that failed over)
    /// would keep the leader from proposing again, and a caught-up follower out of the ISR for good:
    /// after replica-lag-time-max it counts as refused, and the next fetch or tick proposes anew. A
    /// late answer to it is then taken for what it says the partition's state is.
    /// </summary>
    private void AbandonUnansweredIsrChanges(long now)
    {
        foreach (var (tp, since) in _pendingIsrSince.Where(p => now - p.Value >= _settings.Replica.ReplicaLagTimeMaxMs).ToList())
        {
            _pendingIsrSince.Remove(tp);
            if (!_pendingIsr.Remove(tp, out var proposal) || !_replicas.TryGetValue(tp, out var replica)) continue;
            _log.Warning("{0}: ISR change to [{1}] unanswered for {2} ms; proposing again when due", tp, string.Join(",", proposal.NewIsr), now - since);
            replica.OnIsrChangeRejected(proposal, ControlError.RequestTimedOut);
        }
    }

    private void OnIsrChangeResult(IsrChangeResult r)
    {
        _pendingIsrSince.Remove(r.Partition);
        if (!_replicas.TryGetValue(r.Partition, out var replica) || !_pendingIsr.Remove(r.Partition, out var proposal)) return;
        if (r.Error == ControlError.None) replica.OnIsrChangeCommitted(r.Isr, r.PartitionEpoch, r.LeaderEpoch, Now);
        else
        {
            _log.Info("{0}: ISR change to [{1}] refused: {2}", r.Partition, string.Join(",", proposal.NewIsr), r.Error);
            replica.OnIsrChangeRejected(proposal, r.Error);
        }
        AfterEvent(replica);
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
