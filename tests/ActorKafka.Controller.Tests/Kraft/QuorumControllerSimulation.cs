using System.Text;
using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

public sealed class QuorumControllerSimulationFailure(string message) : Exception(message);

/// <summary>
/// One seeded history of random requests against a quorum controller core standing in for its
/// shell: batches go to a log, a random prefix of it commits, and a failover truncates the log to
/// that prefix and activates the core again from the committed image in the next epoch. Every
/// step checks the invariants; a failure names the seed and how to replay it.
/// </summary>
internal sealed class QuorumControllerSimulation
{
    private const int NodeId = 1;
    private const long SessionTimeoutMs = 1_000;
    private const int MaxBrokerId = 6;
    private const int TraceLength = 40;

    private static readonly string[] TopicNames = ["t0", "t1", "t2", "t3", "t4", "a.b", "a_b", "bad name", ""];

    private readonly Random _rng;
    private readonly QuorumControllerCore _core;
    private readonly int _maxRecordsPerBatch;
    private readonly MetadataImage _start;
    private readonly List<MetadataBatch> _log = [];
    private readonly Dictionary<int, Guid> _incarnations = new();
    private readonly Dictionary<(Guid TopicId, int PartitionId), (int LeaderEpoch, int PartitionEpoch)> _epochs = new();
    private readonly Queue<string> _trace = new();
    private MetadataImage _replayed;
    private int _committed;
    private int _epoch = 1;
    private long _now;

    public QuorumControllerSimulation(int seed)
    {
        Seed = seed;
        _rng = new Random(seed);
        _maxRecordsPerBatch = _rng.Next(1, 8);
        var unclean = _rng.Next(2) == 0;
        var ids = new Random(seed ^ 0x7091C);
        _core = new QuorumControllerCore(NodeId, new QuorumControllerConfig(SessionTimeoutMs, unclean, _maxRecordsPerBatch),
            () => new Guid(ids.Next(), (short)ids.Next(), (short)ids.Next(), new byte[8]), new Random(seed));
        _start = MetadataReplay.Apply(MetadataImage.Empty, new LeaderChangeRecord(NodeId, BrokerIdList.Of(NodeId)), 0, _epoch).Image;
        _log.Add(new MetadataBatch(0, _epoch, [new LeaderChangeRecord(NodeId, BrokerIdList.Of(NodeId))]));
        _committed = 1;
        _replayed = _start;
        _core.Activate(_start, _epoch, _now);
        Note($"seed {seed}: max {_maxRecordsPerBatch} records per batch, unclean election {(unclean ? "on" : "off")}");
    }

    public int Seed { get; }

    public int Steps { get; private set; }

    public long Records { get; private set; }

    public int Failovers { get; private set; }

    /// <summary>How often each kind of answer came back, so a run shows what it exercised.</summary>
    public Dictionary<string, int> Outcomes { get; } = new(StringComparer.Ordinal);

    private MetadataImage Image => _core.Image;

    public void Run(int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            Steps++;
            _now += _rng.Next(0, 150);
            var roll = _rng.Next(100);
            if (roll < 14) Register();
            else if (roll < 50) Heartbeat();
            else if (roll < 60) CreateTopics();
            else if (roll < 74) AlterPartition();
            else if (roll < 81) ElectLeaders();
            else if (roll < 91) FenceExpired();
            else if (roll < 97) _committed = _rng.Next(_committed, _log.Count + 1);
            else Failover();
            CheckImage();
        }
    }

    public void Fail(string message)
    {
        var text = new StringBuilder()
            .AppendLine($"QuorumControllerSimulation seed {Seed} failed at step {Steps}: {message}")
            .AppendLine($"replay: ACTORKAFKA_QC_SEED={Seed} dotnet test tests/ActorKafka.Controller.Tests --filter QuorumControllerSimulation")
            .AppendLine("last steps:");
        foreach (var line in _trace) text.AppendLine("  " + line);
        throw new QuorumControllerSimulationFailure(text.ToString());
    }

    private void Check(bool condition, string message)
    {
        if (!condition) Fail(message);
    }

    private void Note(string line)
    {
        _trace.Enqueue($"[{Steps}] t={_now} {line}");
        while (_trace.Count > TraceLength) _trace.Dequeue();
    }

    /// <summary>Checks a result like the shell would take it, appends it to the log, and replays it.</summary>
    private ControllerResult<T> Do<T>(string what, Func<QuorumControllerCore, ControllerResult<T>> call)
    {
        var before = Image.Offset;
        ControllerResult<T> result;
        try
        {
            result = call(_core);
        }
        catch (Exception e)
        {
            Fail($"{what} threw {e}");
            throw;
        }
        var outcome = Describe(result.Response);
        Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + 1;
        Note($"{what} -> {outcome} ({result.RecordCount} records in {result.Batches.Count} batches)");
        Check(before + result.Batches.Count == Image.Offset, $"{result.Batches.Count} batches moved the image from {before} to {Image.Offset}");
        foreach (var batch in result.Batches)
            Check(batch.Count >= 1 && batch.Count <= _maxRecordsPerBatch, $"a batch of {batch.Count} records (max {_maxRecordsPerBatch})");
        var batches = result.Batches.Select((records, i) => new MetadataBatch(before + 1 + i, _core.Epoch, records)).ToList();
        _log.AddRange(batches);
        Records += result.RecordCount;
        var replay = MetadataReplay.Replay(_replayed, batches);
        Check(replay.IsOk, $"replay rejected the core's records: {string.Join("; ", replay.Errors)}");
        _replayed = replay.Image;
        return result;
    }

    private static string Describe(object? response) => response switch
    {
        BrokerHeartbeatResponse { Error: ControlError.None } r =>
            $"BrokerHeartbeat{(r.ShouldShutDown ? " ShouldShutDown" : r.IsFenced ? " Fenced" : " Unfenced")}",
        CreateTopicsResponse { Error: ControlError.None } r => $"CreateTopics {string.Join(",", r.Topics.Select(t => t.Error).Distinct().Order())}",
        AlterPartitionResponse { Error: ControlError.None } r => $"AlterPartition {string.Join(",", r.Partitions.Select(p => p.Error).Distinct().Order())}",
        ElectLeadersResponse { Error: ControlError.None } r => $"ElectLeaders {string.Join(",", r.Partitions.Select(p => p.Error).Distinct().Order())}",
        IQuorumControllerResponse r => $"{r.GetType().Name.Replace("Response", "")} {r.Error}",
        IReadOnlyList<int> fenced => $"fenced [{string.Join(",", fenced)}]",
        _ => "?",
    };

    private void Register()
    {
        var id = _rng.Next(1, MaxBrokerId + 1);
        if (!_incarnations.TryGetValue(id, out var incarnation) || _rng.Next(4) == 0)
            incarnation = new Guid(_rng.Next(), 0, 0, new byte[8]);
        _incarnations[id] = incarnation;
        var rack = _rng.Next(3) == 0 ? null : "rack" + (id % 3);
        var result = Do($"register {id} incarnation {incarnation.ToString()[..8]}",
            c => c.RegisterBroker(new BrokerRegistrationRequest(Steps, id, incarnation, $"akka.tcp://sim@10.0.0.{id}:2552", rack), _now));
        if (result.Response.Error != ControlError.None) return;
        var index = result.Batches.ToList().FindIndex(b => b.OfType<RegisterBrokerRecord>().Any(r => r.BrokerId == id));
        Check(index >= 0, $"registration of {id} wrote no RegisterBroker record");
        var offset = Image.Offset - result.Batches.Count + 1 + index;
        Check(result.Response.BrokerEpoch == offset, $"broker {id} got epoch {result.Response.BrokerEpoch}, its record is at offset {offset}");
        Check(Image.Cluster.Broker(id) is { Fenced: true } b && b.Epoch == offset, $"broker {id} is not registered fenced at epoch {offset}");
    }

    private void Heartbeat()
    {
        var brokers = Image.Cluster.Brokers.Values.ToArray();
        if (brokers.Length == 0) return;
        var broker = brokers[_rng.Next(brokers.Length)];
        var epoch = _rng.Next(10) == 0 ? broker.Epoch - 1 : broker.Epoch;
        var offset = _rng.Next(4) switch
        {
            0 => _rng.NextInt64(-1, Image.Offset + 1),
            _ => Image.Offset,
        };
        var (wantFence, wantShutDown) = (_rng.Next(20) == 0, _rng.Next(12) == 0);
        var result = Do($"heartbeat {broker.Id} epoch {epoch} offset {offset}{(wantFence ? " wantFence" : "")}{(wantShutDown ? " wantShutDown" : "")}",
            c => c.Heartbeat(new BrokerHeartbeatRequest(Steps, broker.Id, epoch, offset, wantFence, wantShutDown), _now));
        var r = result.Response;
        if (epoch != broker.Epoch)
        {
            Check(r.Error == ControlError.StaleBrokerEpoch && result.Batches.Count == 0, $"a stale heartbeat got {r.Error}");
            return;
        }
        Check(r.Error == ControlError.None, $"heartbeat of {broker.Id} failed with {r.Error}");
        var after = Image.Cluster.Broker(broker.Id)!;
        Check(r.IsFenced == after.Fenced, $"heartbeat says fenced={r.IsFenced}, the image says {after.Fenced}");
        Check(!r.ShouldShutDown || r.IsFenced, "told to shut down while unfenced");
        Check(r.IsCaughtUp == offset >= broker.Epoch, "IsCaughtUp does not compare the offset with the broker epoch");
        if (broker.Fenced)
        {
            var mayUnfence = offset >= broker.Epoch && !wantFence && !wantShutDown && !broker.InControlledShutdown;
            Check(after.Fenced != mayUnfence, $"fenced broker {broker.Id} {(mayUnfence ? "stayed fenced though caught up" : "was unfenced")}");
        }
        if (r.ShouldShutDown)
            Check(AllPartitions().All(p => p.Partition.Leader != broker.Id), $"broker {broker.Id} may shut down but still leads");
    }

    private void CreateTopics()
    {
        var topics = Enumerable.Range(0, _rng.Next(1, 4))
            .Select(_ => new CreatableTopic(TopicNames[_rng.Next(TopicNames.Length)], _rng.Next(-1, 7), (short)_rng.Next(-1, 5)))
            .ToArray();
        var result = Do($"create {string.Join(", ", topics.Select(t => $"{t.Name}/{t.NumPartitions}x{t.ReplicationFactor}"))}",
            c => c.CreateTopics(new CreateTopicsRequest(Steps, topics)));
        Check(result.Response.Topics.Length == topics.Length, "one result per requested topic");
        foreach (var created in result.Response.Topics.Where(t => t.Error == ControlError.None))
        {
            var topic = Image.Topics.Topic(created.Name);
            Check(topic is not null && topic.Id == created.TopicId && topic.Partitions.Count == created.NumPartitions,
                $"created topic {created.Name} is not in the image as answered");
        }
    }

    private void AlterPartition()
    {
        var partitions = AllPartitions().ToArray();
        var brokers = Image.Cluster.Brokers.Values.ToArray();
        if (partitions.Length == 0 || brokers.Length == 0) return;
        var (topic, partitionId, p) = partitions[_rng.Next(partitions.Length)];
        var requester = p.HasLeader && _rng.Next(5) > 0 ? Image.Cluster.Broker(p.Leader)! : brokers[_rng.Next(brokers.Length)];
        var isr = _rng.Next(6) == 0
            ? Enumerable.Range(0, _rng.Next(0, 4)).Select(_ => _rng.Next(0, MaxBrokerId + 2)).ToArray()
            : new[] { requester.Id }.Concat(p.Replicas.Where(r => r != requester.Id && _rng.Next(2) == 0)).ToArray();
        var item = new AlterPartitionItem(topic.Name, partitionId, p.LeaderEpoch + Skew(), p.PartitionEpoch + Skew(), isr);
        var brokerEpoch = _rng.Next(15) == 0 ? requester.Epoch + 1 : requester.Epoch;
        var result = Do($"alter {topic.Name}-{partitionId} by {requester.Id} isr [{string.Join(",", isr)}] epochs {item.LeaderEpoch}/{item.PartitionEpoch}",
            c => c.AlterPartition(new AlterPartitionRequest(Steps, requester.Id, brokerEpoch, [item])));
        if (result.Response.Error != ControlError.None) return;
        var answer = result.Response.Partitions[0];
        if (answer.Error != ControlError.None) return;
        var now = Image.Topics.Topic(topic.Id)!.Partition(partitionId)!;
        Check(answer.Leader == now.Leader && answer.LeaderEpoch == now.LeaderEpoch && answer.PartitionEpoch == now.PartitionEpoch
            && answer.Isr.SequenceEqual(now.Isr), $"AlterPartition answered a state the image does not hold: {now}");
    }

    private int Skew() => _rng.Next(8) == 0 ? _rng.Next(-1, 2) : 0;

    private void ElectLeaders()
    {
        var type = _rng.Next(2) == 0 ? ElectionType.Preferred : ElectionType.Unclean;
        TopicPartition[]? partitions = null;
        if (_rng.Next(3) > 0)
        {
            var all = AllPartitions().Select(p => new TopicPartition(p.Topic.Name, p.PartitionId)).Append(new TopicPartition("t0", 99)).ToArray();
            partitions = Enumerable.Range(0, _rng.Next(1, 4)).Select(_ => all[_rng.Next(all.Length)]).ToArray();
        }
        Do($"elect {type} {(partitions is null ? "all" : string.Join(",", partitions))}", c => c.ElectLeaders(new ElectLeadersRequest(Steps, type, partitions)));
    }

    private void FenceExpired()
    {
        _now += _rng.Next(0, (int)SessionTimeoutMs);
        var result = Do("fence expired", c => c.FenceExpiredBrokers(_now));
        foreach (var id in result.Response) Check(Image.Cluster.Broker(id) is { Fenced: true }, $"broker {id} was reported fenced but is not");
    }

    /// <summary>The Raft leader changes: what committed stays, the rest of the log is lost, and the core starts over from it.</summary>
    private void Failover()
    {
        _committed = _rng.Next(_committed, _log.Count + 1);
        _log.RemoveRange(_committed, _log.Count - _committed);
        var replay = MetadataReplay.Replay(_start, _log.Skip(1));
        Check(replay.IsOk, $"the committed log does not replay: {string.Join("; ", replay.Errors)}");
        var committed = replay.Image;
        _core.Deactivate(committed);
        Check(Image.Equals(committed), "after resigning the image is not the committed one");
        var refused = _core.CreateTopics(new CreateTopicsRequest(Steps, [new CreatableTopic("t0", 1, 1)]));
        Check(refused.Response.Error == ControlError.NotController && refused.Batches.Count == 0, "a standby core wrote records");
        _epoch++;
        _log.Add(new MetadataBatch(committed.Offset + 1, _epoch, [new LeaderChangeRecord(NodeId, BrokerIdList.Of(NodeId))]));
        committed = MetadataReplay.Apply(committed, _log[^1]).Image;
        _committed = _log.Count;
        _replayed = committed;
        _core.Activate(committed, _epoch, _now);
        Failovers++;
        _epochs.Clear();
        Note($"failover to epoch {_epoch} at committed offset {committed.Offset}");
    }

    private IEnumerable<(TopicImage Topic, int PartitionId, PartitionRegistration Partition)> AllPartitions() =>
        from topic in Image.Topics.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal)
        from partition in topic.Partitions
        select (topic, partition.Key, partition.Value);

    private void CheckImage()
    {
        Check(_core.IsActive, "the core is not active");
        Check(_replayed.Equals(Image), "replaying the emitted batches from the activation image does not give the core's image");
        var cluster = Image.Cluster;
        bool Active(int id) => cluster.Broker(id) is { Fenced: false, InControlledShutdown: false };
        foreach (var (topic, partitionId, p) in AllPartitions())
        {
            var name = $"{topic.Name}-{partitionId} ({p})";
            Check(p.Invalidity() is null, $"{name} is invalid: {p.Invalidity()}");
            Check(p.Isr.Count > 0, $"{name} has an empty ISR");
            Check(!p.HasLeader || Active(p.Leader), $"{name} is led by a broker that is fenced, shutting down or unknown");
            Check(!p.HasLeader || p.Isr.All(Active), $"{name} has a leader and an ISR member that may not be in it");
            var key = (topic.Id, partitionId);
            if (_epochs.TryGetValue(key, out var seen))
                Check(p.LeaderEpoch >= seen.LeaderEpoch && p.PartitionEpoch >= seen.PartitionEpoch, $"{name} epochs went back from {seen}");
            _epochs[key] = (p.LeaderEpoch, p.PartitionEpoch);
        }
    }
}
