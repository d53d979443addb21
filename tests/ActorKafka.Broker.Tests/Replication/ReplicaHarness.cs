using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Replication;

/// <summary>
/// Replicas of one partition wired by hand: each call is one step a shell would take, so a test
/// says exactly which fetch, flush or tick happens when. Every record's value is a unique id.
/// </summary>
internal sealed class ReplicaHarness
{
    public static readonly TopicPartition Tp = new("events", 0);

    private readonly Dictionary<int, MemoryPartitionLog> _logs = new();
    private readonly Dictionary<int, PartitionReplica> _replicas = new();
    private long _nextCorrelation = 1000;
    private long _nextValue = 1;

    public ReplicaHarness(ReplicaConfig config, params int[] ids)
    {
        Config = config;
        Ids = ids;
        foreach (var id in ids)
        {
            _logs[id] = new MemoryPartitionLog();
            _replicas[id] = new PartitionReplica(id, Tp, _logs[id], config);
        }
    }

    public ReplicaConfig Config { get; }

    public int[] Ids { get; }

    public long Now { get; set; }

    public List<ProduceCompletion> Completions { get; } = new();

    public List<IsrChangeProposal> Proposals { get; } = new();

    public PartitionReplica this[int id] => _replicas[id];

    public MemoryPartitionLog Log(int id) => _logs[id];

    /// <summary>Replaces a replica after a crash: its log loses what was not flushed, the core starts fresh.</summary>
    public void CrashAndRestart(int id)
    {
        _logs[id].Crash();
        _replicas[id] = new PartitionReplica(id, Tp, _logs[id], Config);
    }

    /// <summary>What a controller sends: leader and followers of one epoch (followers only among <paramref name="alive"/> when given).</summary>
    public void Elect(int leader, int leaderEpoch, int partitionEpoch, int[] isr, int[]? alive = null)
    {
        Assert.Equal(RoleChangeOutcome.BecameLeader, _replicas[leader].BecomeLeader(leaderEpoch, partitionEpoch, isr, Ids, Now));
        foreach (var id in alive ?? Ids)
        {
            if (id != leader) _replicas[id].BecomeFollower(leader, leaderEpoch, partitionEpoch, isr, Ids);
        }
        Collect();
    }

    public ProducerRecord[] NewRecords(int count) =>
        Enumerable.Range(0, count).Select(_ => new ProducerRecord(null, BitConverter.GetBytes(_nextValue++), Now)).ToArray();

    public static long ValueOf(ProducerRecord record) => BitConverter.ToInt64(record.Value, 0);

    public ProduceRequest Request(int count, Acks acks, int timeoutMs = 30_000, int currentLeaderEpoch = -1) =>
        new(_nextCorrelation++, Tp, acks, timeoutMs, currentLeaderEpoch, NewRecords(count));

    public Sent Produce(int leader, int count, Acks acks = Acks.All, int timeoutMs = 30_000, int currentLeaderEpoch = -1)
    {
        var request = Request(count, acks, timeoutMs, currentLeaderEpoch);
        var result = _replicas[leader].Produce(request, Now);
        Collect();
        return new Sent(request, result);
    }

    /// <summary>The answer to <paramref name="sent"/> so far: its immediate error, or its completion, or null while it waits.</summary>
    public ProduceResponse? Answer(Sent sent) =>
        sent.Result.Response ?? Completions.SingleOrDefault(c => c.Response.CorrelationId == sent.Request.CorrelationId)?.Response;

    public void Flush(int id)
    {
        _logs[id].Flush();
        _replicas[id].OnLogFlushed(Now);
        Collect();
    }

    public void Tick(int id)
    {
        _replicas[id].Tick(Now);
        Collect();
    }

    /// <summary>One fetch from <paramref name="follower"/> to its leader, answered at once; returns the response (null when it sent none).</summary>
    public FetchRecordsResponse? FetchOnce(int follower)
    {
        var replica = _replicas[follower];
        var request = replica.NextFetch(Now);
        if (request is null) return null;
        var response = _replicas[replica.LeaderId].HandleFetch(request, Now);
        replica.OnFetchResponse(response, Now);
        Collect();
        return response;
    }

    /// <summary>Fetch and flush rounds for the followers until none gets anything new.</summary>
    public void CatchUp(params int[] followers)
    {
        for (var round = 0; round < 100; round++)
        {
            var moved = false;
            foreach (var f in followers)
            {
                var before = (_logs[f].LogEndOffset, _logs[f].DurableEndOffset, _replicas[f].HighWatermark);
                if (_replicas[f].NeedsFlush) Flush(f);
                FetchOnce(f);
                if (_replicas[f].NeedsFlush) Flush(f);
                moved |= before != (_logs[f].LogEndOffset, _logs[f].DurableEndOffset, _replicas[f].HighWatermark);
            }
            if (!moved) return;
        }
        throw new InvalidOperationException("no quiescence after 100 rounds");
    }

    public void Collect()
    {
        foreach (var r in _replicas.Values)
        {
            Completions.AddRange(r.TakeCompletions());
            if (r.TakeIsrChangeProposal() is { } p) Proposals.Add(p);
        }
    }

    /// <summary>Values in a replica's log, in offset order.</summary>
    public List<long> Values(int id)
    {
        var log = _logs[id];
        return log.Batches.SelectMany(b => b.Records).Select(ValueOf).ToList();
    }
}

internal sealed record Sent(ProduceRequest Request, ProduceResult Result);
