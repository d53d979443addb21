using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Raft;

public sealed record VoterAddress(int Id, string Address);

/// <summary>The voter's settings, read from actorkafka.raft; a malformed section is a ConfigurationException naming the key.</summary>
public sealed record RaftSettings(
    int NodeId,
    IReadOnlyList<VoterAddress> Voters,
    string ActorNamePrefix,
    string PersistenceIdPrefix,
    TimeSpan ElectionTimeout,
    TimeSpan FetchTimeout,
    TimeSpan FetchMaxWait,
    TimeSpan RequestTimeout,
    TimeSpan RetryBackoff,
    int MaxFetchEntries,
    long MaxFetchBytes,
    int MaxBatch,
    TimeSpan TickInterval,
    int SnapshotEveryEntries,
    int JournalSnapshotEvery,
    string JournalPluginId,
    string SnapshotPluginId)
{
    public const string Section = "actorkafka.raft";

    public static Config Defaults { get; } = ConfigurationFactory.FromResource<RaftSettings>("ActorKafka.Raft.reference.conf");

    public string ActorName => ActorNamePrefix + NodeId;

    public string PersistenceId => PersistenceIdPrefix + NodeId;

    public bool IsVoter => Voters.Any(v => v.Id == NodeId);

    public string PathOf(VoterAddress voter) => $"{voter.Address}/user/{ActorNamePrefix}{voter.Id}";

    public static RaftSettings From(Config config)
    {
        var c = config.WithFallback(Defaults).GetConfig(Section) ?? throw new ConfigurationException($"missing config section {Section}");
        var settings = new RaftSettings(
            c.GetInt("node-id"),
            ReadVoters(c),
            c.GetString("actor-name-prefix"),
            c.GetString("persistence-id-prefix"),
            c.GetTimeSpan("election-timeout"),
            c.GetTimeSpan("fetch-timeout"),
            c.GetTimeSpan("fetch-max-wait"),
            c.GetTimeSpan("request-timeout"),
            c.GetTimeSpan("retry-backoff"),
            c.GetInt("max-fetch-entries"),
            c.GetByteSize("max-fetch-bytes") ?? throw Bad("max-fetch-bytes", "must be a size such as 1MiB"),
            c.GetInt("max-batch"),
            c.GetTimeSpan("tick-interval"),
            c.GetInt("snapshot-every-entries"),
            c.GetInt("journal-snapshot-every"),
            c.GetString("journal-plugin"),
            c.GetString("snapshot-plugin"));
        settings.Validate();
        return settings;
    }

    /// <summary>The voter set alone, without the rest of the settings: what a node's start-up checks compare its id with.</summary>
    public static IReadOnlyList<VoterAddress> VotersOf(Config config) =>
        ReadVoters(config.WithFallback(Defaults).GetConfig(Section) ?? throw new ConfigurationException($"missing config section {Section}"));

    private static List<VoterAddress> ReadVoters(Config c)
    {
        var voters = new List<VoterAddress>();
        var value = c.GetValue("voters");
        if (value is null || !value.IsArray()) throw Bad("voters", "must be a list of { id, address }");
        foreach (var item in value.GetArray())
        {
            if (!item.IsObject()) throw Bad("voters", "entries must be objects { id = N, address = \"akka.tcp://system@host:port\" }");
            var obj = item.GetObject();
            var id = obj.GetKey("id");
            var address = obj.GetKey("address");
            if (id is null || address is null) throw Bad("voters", "every entry needs an id and an address");
            if (!int.TryParse(id.GetString(), out var parsed)) throw Bad("voters", $"id '{id.GetString()}' is not an integer");
            voters.Add(new VoterAddress(parsed, address.GetString()));
        }
        return voters;
    }

    public void Validate()
    {
        if (NodeId < 0) throw Bad("node-id", "must be set to a non-negative id");
        if (Voters.Count == 0) throw Bad("voters", "must name at least one voter");
        if (Voters.Select(v => v.Id).Distinct().Count() != Voters.Count) throw Bad("voters", "ids must be unique");
        foreach (var v in Voters)
        {
            if (v.Id < 0) throw Bad("voters", $"id {v.Id} is negative");
            if (!ActorPath.TryParseAddress(v.Address, out _)) throw Bad("voters", $"address '{v.Address}' of voter {v.Id} is not an actor system address");
        }
        if (string.IsNullOrWhiteSpace(ActorNamePrefix)) throw Bad("actor-name-prefix", "must not be empty");
        if (string.IsNullOrWhiteSpace(PersistenceIdPrefix)) throw Bad("persistence-id-prefix", "must not be empty");
        if (MaxBatch <= 0) throw Bad("max-batch", "must be positive");
        if (TickInterval <= TimeSpan.Zero) throw Bad("tick-interval", "must be positive");
        if (SnapshotEveryEntries <= 0) throw Bad("snapshot-every-entries", "must be positive");
        if (JournalSnapshotEvery <= 0) throw Bad("journal-snapshot-every", "must be positive");
        var problems = CoreConfig().Problems();
        if (problems.Count > 0) throw new ConfigurationException($"{Section}: {string.Join("; ", problems)}");
    }

    public RaftCoreConfig CoreConfig() => new(
        NodeId,
        Voters.Select(v => v.Id).ToArray(),
        (long)ElectionTimeout.TotalMilliseconds,
        (long)FetchTimeout.TotalMilliseconds,
        (long)FetchMaxWait.TotalMilliseconds,
        (long)RequestTimeout.TotalMilliseconds,
        (long)RetryBackoff.TotalMilliseconds,
        MaxFetchEntries,
        MaxFetchBytes);

    private static ConfigurationException Bad(string key, string why) => new($"{Section}.{key} {why}");
}
