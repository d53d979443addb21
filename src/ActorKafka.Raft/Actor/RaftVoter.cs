using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Remote;

namespace ActorKafka.Raft;

/// <summary>
/// One controller node's Raft replica: a thin persistent shell around <see cref="RaftCore"/>.
/// The core decides; the shell writes its persist operations to the journal (one write in
/// flight, everything that accumulates meanwhile in the next: group commit), holds every message
/// that depends on a write in an outbox until that write is durable, and only then sends. Votes
/// and epochs are therefore on disk before anyone hears of them, and a restart of any kind
/// recovers exactly what was promised.
/// </summary>
public sealed partial class RaftVoter : UntypedPersistentActor, IWithTimers
{
    private readonly RaftSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<int, ICanTell> _peers = new();
    private readonly Dictionary<Address, int> _voterAtAddress = new();
    private readonly Queue<(long DependsOn, Outgoing Message)> _outbox = new();
    private readonly List<(long Seq, IPersistOp Op)> _unwritten = new();
    private PersistedState _disk = new();
    private RaftCore _core = null!;
    private PendingProposals<(IActorRef ReplyTo, long RequestId)> _proposals = new();
    private long _lastPersistSeq, _durableSeq;
    private bool _writing;
    private long _journalWrites, _opsWritten, _writesSinceJournalSnapshot;

    public RaftVoter(RaftSettings settings)
    {
        _settings = settings;
        JournalPluginId = settings.JournalPluginId;
        SnapshotPluginId = settings.SnapshotPluginId;
        foreach (var voter in settings.Voters.Where(v => v.Id != settings.NodeId))
        {
            _peers[voter.Id] = Context.ActorSelection(settings.PathOf(voter));
            if (ActorPath.TryParseAddress(voter.Address, out var address)) _voterAtAddress[address] = voter.Id;
        }
    }

    public static Props Props(RaftSettings settings) => Akka.Actor.Props.Create(() => new RaftVoter(settings));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => _settings.PersistenceId;

    private long Now => _clock.ElapsedMilliseconds;

    protected override void PreStart()
    {
        // A dropped connection to the leader's node is a strong hint it is gone: do not wait out the fetch timeout.
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        base.PreStart();
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        foreach (var (replyTo, requestId) in _proposals.Drain())
            replyTo.Tell(new ProposalRejected(requestId, RaftError.NotLeader, _core?.Epoch ?? 0, null, null, "the voter stopped before the batch was decided"));
        base.PostStop();
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: PersistedState image }:
                _disk = image;
                break;
            case JournalBatch batch:
                foreach (var op in batch.Ops) _disk.Apply(op);
                break;
            case RecoveryCompleted:
                _core = new RaftCore(_settings.CoreConfig(), _disk.Copy(), Now, new Random());
                Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.TickInterval);
                _log.Info($"Raft node {_settings.NodeId} recovered: epoch {_core.Epoch}, voted for {_core.VotedFor?.ToString() ?? "none"}, " +
                          $"leader {_core.LeaderId?.ToString() ?? "none"}, log [{_core.LogStartOffset}, {_core.LogEndOffset}), role {_core.Role}");
                Process();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case RaftPacket p:
                OnPacket(p);
                break;
            case Tick:
                _core.Tick(Now);
                break;
            case Propose p:
                OnPropose(p);
                break;
            case SubscribeCommitted s:
                OnSubscribe(s.Subscriber);
                break;
            case UnsubscribeCommitted u:
                _subscribers.Remove(u.Subscriber);
                Context.Unwatch(u.Subscriber);
                break;
            case Terminated t:
                _subscribers.Remove(t.ActorRef);
                break;
            case TakeSnapshot t:
                OnTakeSnapshot(t);
                break;
            case DescribeQuorum:
                Sender.Tell(new QuorumDescription(_settings.NodeId, _core.Role, _core.Epoch, _core.LeaderId, _core.HighWatermark, _core.ReplicaProgress()));
                break;
            case GetRaftStatus:
                Sender.Tell(new RaftStatus(_settings.NodeId, _core.Role, _core.Epoch, _core.LeaderId, _core.VotedFor, _core.HighWatermark,
                    _core.LogStartOffset, _core.LogEndOffset, _journalWrites, _opsWritten));
                break;
            case DisassociatedEvent d:
                if (_voterAtAddress.TryGetValue(d.RemoteAddress, out var lost)) _core.LeaderUnreachable(lost, Now);
                break;
            case PauseVoter:
                _log.Warning("Raft node {0} paused: processing nothing until resumed", _settings.NodeId);
                BecomeStacked(Paused);
                return;
            case SaveSnapshotSuccess s:
                DeleteMessages(s.Metadata.SequenceNr);
                DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
                return;
            case SaveSnapshotFailure f:
                _log.Warning(f.Cause, "Journal snapshot at {0} failed; the journal still holds everything", f.Metadata.SequenceNr);
                return;
            case DeleteMessagesSuccess or DeleteMessagesFailure or DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                return;
            default:
                Unhandled(message);
                return;
        }
        Process();
    }

    /// <summary>A stop-the-world pause: everything waits in the stash, timers included, as in a long GC.</summary>
    private void Paused(object message)
    {
        if (message is ResumeVoter)
        {
            _log.Warning("Raft node {0} resumed", _settings.NodeId);
            UnbecomeStacked();
            Stash.UnstashAll();
            return;
        }
        if (message is Tick) return;
        Stash.Stash();
    }

    private void OnPacket(RaftPacket p)
    {
        // Observers are not in the voter list: their address is whoever sent the packet.
        if (!_peers.ContainsKey(p.From) || !_settings.Voters.Any(v => v.Id == p.From)) _peers[p.From] = Sender;
        _core.Handle(p.From, p.Rpc, Now);
    }

    private void OnPropose(Propose p)
    {
        var bytes = p.Records.Sum(r => (long)r.Length);
        if (bytes > _settings.MaxFetchBytes)
        {
            Sender.Tell(new ProposalRejected(p.RequestId, RaftError.RecordBatchTooLarge, _core.Epoch, _core.LeaderId, null,
                $"a proposal of {bytes} bytes exceeds max-fetch-bytes ({_settings.MaxFetchBytes}): followers fetch an entry whole; propose it in smaller batches"));
            return;
        }
        switch (_core.Propose(p.Records, Now, p.RequiredEpoch, p.RequiredBaseOffset))
        {
            case ProposeResult.Appended a:
                _proposals.Add(a.Offset, a.Epoch, (Sender, p.RequestId));
                break;
            case ProposeResult.NotLeader n:
                Sender.Tell(NotLeader(p.RequestId, n.Epoch, n.LeaderId, "this node is not the leader"));
                break;
            case ProposeResult.Unexpected u:
                Sender.Tell(new ProposalRejected(p.RequestId, RaftError.UnexpectedBaseOffset, _core.Epoch, _core.LeaderId, null, u.Reason));
                break;
            case ProposeResult.Invalid i:
                Sender.Tell(new ProposalRejected(p.RequestId, RaftError.InvalidRequest, _core.Epoch, _core.LeaderId, null, i.Reason));
                break;
        }
    }

    private ProposalRejected NotLeader(long requestId, int epoch, int? leaderId, string reason)
    {
        var leader = leaderId is int id ? _settings.Voters.FirstOrDefault(v => v.Id == id) : null;
        return new ProposalRejected(requestId, RaftError.NotLeader, epoch, leaderId, leader is null ? null : _settings.PathOf(leader), reason);
    }

    private void OnTakeSnapshot(TakeSnapshot t)
    {
        var error = _core.TakeSnapshot(t.EndOffset, t.Data, Now);
        if (error is null)
        {
            _committedSinceSnapshot = 0;
            Sender.Tell(new SnapshotAccepted(_core.Snapshot!.Id));
        }
        else Sender.Tell(new SnapshotRejected(t.EndOffset, error));
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The core already acts on these operations; without them on disk it must start over from the journal.
        throw new InvalidOperationException($"journal rejected Raft write {sequenceNr}", cause);
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
