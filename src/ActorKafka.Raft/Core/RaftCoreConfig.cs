namespace ActorKafka.Raft;

/// <summary>What the pure core needs to know: who it is, who votes, and its timeouts in milliseconds.</summary>
public sealed record RaftCoreConfig(
    int LocalId,
    IReadOnlyCollection<int> Voters,
    long ElectionTimeoutMs,
    long FetchTimeoutMs,
    long FetchMaxWaitMs,
    long RequestTimeoutMs,
    long RetryBackoffMs,
    int MaxFetchEntries,
    long MaxFetchBytes = 1 << 20)
{
    public bool IsVoter => Voters.Contains(LocalId);

    public int Majority => Voters.Count / 2 + 1;

    /// <summary>Typed rejection of a configuration the core cannot run with.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Voters.Count == 0) problems.Add("voters must not be empty");
        if (Voters.Any(v => v < 0)) problems.Add("voter ids must not be negative");
        if (LocalId < 0) problems.Add("node id must not be negative");
        if (ElectionTimeoutMs <= 0) problems.Add("election-timeout must be positive");
        if (FetchTimeoutMs <= 0) problems.Add("fetch-timeout must be positive");
        if (FetchMaxWaitMs < 0 || FetchMaxWaitMs >= FetchTimeoutMs) problems.Add("fetch-max-wait must be below fetch-timeout");
        if (RequestTimeoutMs <= 0) problems.Add("request-timeout must be positive");
        if (RetryBackoffMs <= 0) problems.Add("retry-backoff must be positive");
        if (MaxFetchEntries <= 0) problems.Add("max-fetch-entries must be positive");
        if (MaxFetchBytes <= 0) problems.Add("max-fetch-bytes must be positive");
        return problems;
    }
}

public enum RaftRole
{
    Unattached,
    Follower,
    Prospective,
    Candidate,
    Leader,
    Resigned,
}

/// <summary>A message for another node; <see cref="AfterPersist"/> holds it until every earlier persist operation is durable.</summary>
public readonly record struct Outgoing(int To, IRaftRpc Message, bool AfterPersist);

/// <summary>The leader's view of one replica: how far its log matches and how long ago it fetched (-1: never).</summary>
public readonly record struct ReplicaProgress(int ReplicaId, bool IsVoter, long LogEndOffset, long LastFetchAgoMs);

/// <summary>The answer to a proposal at the moment it is made.</summary>
public abstract record ProposeResult
{
    public sealed record Appended(long Offset, int Epoch) : ProposeResult;

    public sealed record NotLeader(int Epoch, int? LeaderId) : ProposeResult;

    public sealed record Invalid(string Reason) : ProposeResult;

    /// <summary>The leader is not in the epoch the proposer required, or the batch would not land at the required offset.</summary>
    public sealed record Unexpected(string Reason) : ProposeResult;
}
