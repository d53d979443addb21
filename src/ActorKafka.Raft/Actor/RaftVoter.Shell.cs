using Akka.Actor;

namespace ActorKafka.Raft;

/// <summary>The shell's I/O: persist before send, group commit, delivery of committed batches.</summary>
public sealed partial class RaftVoter
{
    private readonly HashSet<IActorRef> _subscribers = new();
    private RaftLeaderChanged? _lastLeaderView;
    private long _committedSinceSnapshot;
    private bool _snapshotDueSent;

    private void Process()
    {
        while (true)
        {
            var ready = _core.TakeReady();
            if (ready.IsEmpty) break;
            if (ready.Persist.Count > 0)
            {
                foreach (var op in ready.Persist) _unwritten.Add((ready.Seq, op));
                _lastPersistSeq = ready.Seq;
            }
            if (ready.LoadSnapshot is not null)
            {
                // Entries the loaded snapshot covers no longer count toward the next one.
                _committedSinceSnapshot = 0;
                Publish(new LoadSnapshot(_settings.NodeId, ready.LoadSnapshot));
            }
            foreach (var entry in ready.Committed) Publish(Batch(entry));
            _committedSinceSnapshot += ready.Committed.Count;
            foreach (var (token, committed, offset) in _proposals.Settle(ready))
            {
                token.ReplyTo.Tell(committed
                    ? new Proposed(token.RequestId, offset, _core.Log.EpochAt(offset) ?? _core.Epoch)
                    : new ProposalRejected(token.RequestId, RaftError.FencedLeaderEpoch, _core.Epoch, _core.LeaderId, null,
                        "a newer epoch replaced the entry before it was committed"));
            }
            foreach (var message in ready.Messages)
            {
                if (message.AfterPersist && _lastPersistSeq > _durableSeq) _outbox.Enqueue((_lastPersistSeq, message));
                else Transmit(message);
            }
        }
        var view = LeaderView();
        if (view != _lastLeaderView)
        {
            _lastLeaderView = view;
            Publish(view);
        }
        if (_committedSinceSnapshot >= _settings.SnapshotEveryEntries && !_snapshotDueSent && _subscribers.Count > 0)
        {
            _snapshotDueSent = true;
            Publish(new SnapshotDue(_settings.NodeId, _core.HighWatermark));
        }
        if (_committedSinceSnapshot == 0) _snapshotDueSent = false;
        Flush();
    }

    private void Flush()
    {
        if (_writing || _unwritten.Count == 0) return;
        var take = Math.Min(_unwritten.Count, _settings.MaxBatch);
        // Never split one Ready across writes: its seq is durable only once all of its operations are.
        var lastSeq = _unwritten[take - 1].Seq;
        while (take < _unwritten.Count && _unwritten[take].Seq == lastSeq) take++;
        var ops = _unwritten.GetRange(0, take);
        _unwritten.RemoveRange(0, take);
        _writing = true;
        PersistAsync(new JournalBatch(ops.Select(o => o.Op).ToArray()), batch => OnWritten(batch, lastSeq));
    }

    private void OnWritten(JournalBatch batch, long seq)
    {
        _writing = false;
        foreach (var op in batch.Ops) _disk.Apply(op);
        _durableSeq = seq;
        _journalWrites++;
        _opsWritten += batch.Ops.Count;
        _core.OnDurable(seq);
        while (_outbox.Count > 0 && _outbox.Peek().DependsOn <= _durableSeq) Transmit(_outbox.Dequeue().Message);
        // With nothing in flight the image matches the journal exactly, so this is the moment to compact it.
        if (++_writesSinceJournalSnapshot >= _settings.JournalSnapshotEvery && _unwritten.Count == 0)
        {
            _writesSinceJournalSnapshot = 0;
            SaveSnapshot(_disk.Copy());
        }
        Process();
    }

    private void Transmit(Outgoing message)
    {
        if (_peers.TryGetValue(message.To, out var peer)) peer.Tell(new RaftPacket(_settings.NodeId, message.Message), Self);
    }

    private RaftLeaderChanged LeaderView() => new(_settings.NodeId, _core.Epoch, _core.Role == RaftRole.Resigned ? null : _core.LeaderId, _core.Role);

    private CommittedBatch Batch(LogEntry entry) => new(_settings.NodeId, entry.Offset, entry.Epoch, entry.Type, entry.Records);

    private void Publish(object message)
    {
        foreach (var subscriber in _subscribers) subscriber.Tell(message, Self);
    }

    /// <summary>A new subscriber first gets the current snapshot and every committed entry after it, then the live stream.</summary>
    private void OnSubscribe(IActorRef subscriber)
    {
        if (!_subscribers.Add(subscriber)) return;
        Context.Watch(subscriber);
        if (_core.Snapshot is not null) subscriber.Tell(new LoadSnapshot(_settings.NodeId, _core.Snapshot), Self);
        for (var offset = _core.LogStartOffset; offset < _core.AppliedEnd; offset++) subscriber.Tell(Batch(_core.Log[offset]), Self);
        subscriber.Tell(_lastLeaderView ?? LeaderView(), Self);
    }
}
