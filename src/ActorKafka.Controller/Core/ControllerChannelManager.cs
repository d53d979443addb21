namespace ActorKafka.Controller;

/// <summary>
/// Kafka's ControllerChannelManager over a transport that may drop a message (a remoting
/// association that fails and is re-established loses what was in flight): the controller's
/// requests to a broker go out at once and in order, and each stays pending until the broker
/// answers its correlation id. When the oldest unanswered one has waited <c>retryAfter</c>, it
/// and every request sent to that broker after it (answered or not) go out again, in their
/// order, so the last request the broker applies is still the newest (an UpdateMetadata
/// re-sent alone would put older metadata over newer). Requests are idempotent at the broker
/// (a LeaderAndIsr whose leader epoch it already holds changes nothing). A broker's queue goes
/// when it dies or registers again (Kafka's removeBroker), all of them when the controller resigns.
/// Pure: the actor stamps, sends, and brings the clock.
/// </summary>
public sealed class ControllerChannelManager<TTarget>(TimeSpan retryAfter)
{
    private readonly Dictionary<int, BrokerQueue> _queues = new();
    private long _lastCorrelationId;

    /// <summary>Requests sent and not yet known to be superseded by an answer, over all brokers.</summary>
    public int Pending => _queues.Values.Sum(q => q.Entries.Count);

    /// <summary>The correlation id for the next request (unique for this controller's life, never 0: 0 is "none").</summary>
    public long NextCorrelationId() => ++_lastCorrelationId;

    /// <summary>Records a request just sent to <paramref name="brokerId"/> at <paramref name="now"/>.</summary>
    public void Sent(int brokerId, TTarget target, long correlationId, object request, TimeSpan now)
    {
        if (!_queues.TryGetValue(brokerId, out var queue)) _queues[brokerId] = queue = new BrokerQueue();
        queue.Entries.Add(new Entry(target, correlationId, request) { SentAt = now });
    }

    /// <summary>The broker answered: returns false when the answer is for no pending request (a duplicate, or a dropped queue's).</summary>
    public bool Answered(int brokerId, long correlationId)
    {
        if (!_queues.TryGetValue(brokerId, out var queue)) return false;
        var entry = queue.Entries.Find(e => e.CorrelationId == correlationId && !e.Answered);
        if (entry is null) return false;
        entry.Answered = true;
        // The answered head goes: the queue keeps only what follows the oldest unanswered request.
        var answeredHead = 0;
        while (answeredHead < queue.Entries.Count && queue.Entries[answeredHead].Answered) answeredHead++;
        if (answeredHead > 0)
        {
            queue.Entries.RemoveRange(0, answeredHead);
            queue.Resends = 0;
        }
        if (queue.Entries.Count == 0) _queues.Remove(brokerId);
        return true;
    }

    /// <summary>What to send again at <paramref name="now"/>: per broker whose oldest request waited too long, all of its queue, in order.</summary>
    public IReadOnlyList<Resend> Due(TimeSpan now)
    {
        var due = new List<Resend>();
        foreach (var (brokerId, queue) in _queues.OrderBy(q => q.Key))
        {
            if (now - queue.Entries[0].SentAt < retryAfter) continue;
            queue.Resends++;
            foreach (var entry in queue.Entries)
            {
                entry.SentAt = now;
                due.Add(new Resend(brokerId, entry.Target, entry.Request, queue.Resends));
            }
        }
        return due;
    }

    /// <summary>The broker died or registered again: what was pending for its old incarnation is dropped.</summary>
    public void RemoveBroker(int brokerId) => _queues.Remove(brokerId);

    public void Clear() => _queues.Clear();

    /// <summary>A request to send again; <paramref name="Attempt"/> counts the resends of its broker's queue since its last answer.</summary>
    public sealed record Resend(int BrokerId, TTarget Target, object Request, int Attempt);

    private sealed class Entry(TTarget target, long correlationId, object request)
    {
        public TTarget Target { get; } = target;
        public long CorrelationId { get; } = correlationId;
        public object Request { get; } = request;
        public TimeSpan SentAt { get; set; }
        public bool Answered { get; set; }
    }

    private sealed class BrokerQueue
    {
        // From the oldest unanswered request on, in the order sent (the head is never answered).
        public List<Entry> Entries { get; } = new();

        public int Resends { get; set; }
    }
}
