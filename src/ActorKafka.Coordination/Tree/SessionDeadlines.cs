namespace ActorKafka.Coordination;

/// <summary>
/// When each live session expires unless it is heard from (ZooKeeper's ExpiryQueue).
/// Times are monotonic milliseconds supplied by the caller.
/// </summary>
public sealed class SessionDeadlines
{
    private readonly Dictionary<long, (int TimeoutMs, long Deadline)> _sessions = new();

    public int Count => _sessions.Count;

    public void Touch(long sessionId, int timeoutMs, long now) => _sessions[sessionId] = (timeoutMs, now + timeoutMs);

    public bool Touch(long sessionId, long now)
    {
        if (!_sessions.TryGetValue(sessionId, out var entry)) return false;
        _sessions[sessionId] = (entry.TimeoutMs, now + entry.TimeoutMs);
        return true;
    }

    public void Remove(long sessionId) => _sessions.Remove(sessionId);

    public List<long> Expired(long now)
    {
        var expired = new List<long>();
        foreach (var (id, entry) in _sessions)
            if (entry.Deadline <= now) expired.Add(id);
        expired.Sort();
        return expired;
    }
}
