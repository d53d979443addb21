using System.Globalization;
using ActorKafka.Broker.Log;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Replication;

internal sealed class SimulationFailure(string message) : Exception(message);

/// <summary>
/// Three replicas of one partition over <see cref="MemoryPartitionLog"/>s, a fake controller that
/// elects only from the ISR (clean), a network that reorders, drops and isolates, crashes that
/// lose unflushed data (all of it, or only part, as a killed process whose writes reached the page
/// cache), restarts and leader moves; all from one seed, in virtual time. After every step:
/// every acknowledged acks=all record is at its offset on every ISR member; every replica agrees
/// with the committed history below its high watermark (the history only grows); a leader's high
/// watermark never goes back within its epoch.
/// </summary>
internal sealed class ReplicaSimulation
{
    private static readonly TopicPartition Tp = new("sim", 0);
    private static readonly int[] Ids = [1, 2, 3];
    private const int TraceLines = 60;

    private readonly Random _random;
    private readonly ReplicaConfig _config;
    private readonly Dictionary<int, Node> _nodes = new();
    private readonly List<Message> _network = new();
    private readonly Dictionary<long, long[]> _produced = new();
    private readonly List<long> _committed = new();
    private readonly Dictionary<long, long> _acknowledged = new();
    private readonly HashSet<long> _acknowledgedValues = new();
    private readonly HashSet<long> _failedFirstValues = new();
    private readonly Dictionary<(int Node, int Epoch), long> _leaderHighWatermarks = new();
    private readonly Queue<string> _trace = new();
    private readonly HashSet<int> _alive = new(Ids);
    private long _messageSeq;
    private long _nextValue = 1;
    private long _nextCorrelation = 1;

    // The controller's partition state.
    private int _leader = -1;
    private int _leaderEpoch;
    private int _partitionEpoch;
    private List<int> _isr = [.. Ids];

    public ReplicaSimulation(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
        _config = new ReplicaConfig(ReplicaLagTimeMaxMs: 400, MinInsyncReplicas: 1 + _random.Next(2), MaxBatchBytes: 1 << 20,
            ReplicaFetchMaxBytes: 200 + _random.Next(4_000), ReplicaFetchBackoffMs: 50, ReplicaFetchResponseTimeoutMs: 300);
        foreach (var id in Ids) _nodes[id] = new Node(id, new MemoryPartitionLog(), _config);
        Elect(Ids[_random.Next(Ids.Length)], "initial election");
    }

    public int Seed { get; }

    public long Now { get; private set; }

    public long Steps { get; private set; }

    public long AcknowledgedRecords => _acknowledged.Count;

    public long CommittedRecords => _committed.Count;

    public int Crashes { get; private set; }

    public int Elections { get; private set; }

    public int IsrCommits { get; private set; }

    public int Truncations { get; private set; }

    /// <summary>Random faults for <paramref name="steps"/> steps, then healing: everyone up, nothing dropped, until a last write is acknowledged everywhere.</summary>
    public void Run(int steps)
    {
        for (var i = 0; i < steps; i++) Step(faults: true);
        foreach (var id in Ids.Where(id => !_nodes[id].Up)) Restart(id);
        foreach (var node in _nodes.Values) node.IsolatedUntil = 0;
        long finalValue = -1;
        for (var i = 0; i < 20_000; i++)
        {
            if (finalValue >= 0 && _failedFirstValues.Contains(finalValue)) finalValue = -1; // timed out, say: send another
            if (finalValue < 0 && _leader > 0 && _nodes[_leader].Core!.Role == ReplicaRole.Leader && _nodes[_leader].Core!.Isr.Count == Ids.Length)
            {
                var (first, appended) = Produce(_leader, Acks.All);
                if (appended) finalValue = first;
            }
            // Converged: every replica's log ends where the leader's does and is committed up to there
            // (so, by the invariants, identical to it).
            if (finalValue >= 0 && _acknowledgedValues.Contains(finalValue) &&
                Ids.All(id => _nodes[id].Log.LogEndOffset == _nodes[_leader].Log.LogEndOffset && _nodes[id].Core!.HighWatermark == _nodes[id].Log.LogEndOffset))
            {
                CheckAllAgree();
                return;
            }
            Step(faults: false);
        }
        Fail($"no convergence after healing: leader {_leader} isr [{string.Join(",", _isr)}], final write {(finalValue < 0 ? "not sent" : "not acknowledged")}");
    }

    private void Step(bool faults)
    {
        Steps++;
        var roll = _random.Next(1000);
        if (!faults && roll >= 900) roll = _random.Next(900);
        switch (roll)
        {
            case < 150:
                if (faults) ProduceSomewhere(); // healing lets the followers catch up
                break;
            case < 280:
                FlushSomeone();
                break;
            case < 470:
                StartFetch();
                break;
            case < 760:
                DeliverOne(faults);
                break;
            case < 900:
                AdvanceTime();
                break;
            case < 930:
                if (_network.Count > 0) Drop(_network[_random.Next(_network.Count)], "dropped");
                break;
            case < 945:
                Crash(Ids[_random.Next(Ids.Length)]);
                break;
            case < 975:
                var down = Ids.Where(id => !_nodes[id].Up).ToArray();
                if (down.Length > 0) Restart(down[_random.Next(down.Length)]);
                break;
            case < 988:
                MoveLeader();
                break;
            default:
                var victim = _nodes[Ids[_random.Next(Ids.Length)]];
                victim.IsolatedUntil = Now + 200 + _random.Next(800);
                Log($"isolate {victim.Id} until {victim.IsolatedUntil}");
                break;
        }
        Collect();
        CheckInvariants();
    }

    private void ProduceSomewhere()
    {
        var up = Ids.Where(id => _nodes[id].Up).ToArray();
        if (up.Length == 0) return;
        var target = _leader > 0 && _nodes[_leader].Up && _random.Next(10) > 0 ? _leader : up[_random.Next(up.Length)];
        var acks = _random.Next(20) switch { 0 => Acks.None, < 4 => Acks.Leader, _ => Acks.All };
        Produce(target, acks);
    }

    /// <summary>Sends a produce of 1-4 records; returns its first record's value and whether it was appended.</summary>
    private (long FirstValue, bool Appended) Produce(int target, Acks acks)
    {
        var count = 1 + _random.Next(4);
        var values = Enumerable.Range(0, count).Select(_ => _nextValue++).ToArray();
        var records = values.Select(v => new ProducerRecord(null, BitConverter.GetBytes(v), Now)).ToArray();
        var epoch = _random.Next(4) == 0 ? _leaderEpoch : -1;
        var request = new ProduceRequest(_nextCorrelation++, Tp, acks, 1_000 + _random.Next(2_000), epoch, records);
        var result = _nodes[target].Core!.Produce(request, Now);
        if (result.Response is null) _produced[request.CorrelationId] = values;
        Log($"produce {values[0]}..{values[^1]} acks {acks} to {target}: {(result.Response is { } r ? r.Error.ToString() : "appended at " + result.BaseOffset)}");
        return (values[0], result.Response is null);
    }

    private void FlushSomeone()
    {
        var up = Ids.Where(id => _nodes[id].Up).ToArray();
        if (up.Length == 0) return;
        var node = _nodes[up[_random.Next(up.Length)]];
        if (!node.Core!.NeedsFlush && _random.Next(4) > 0) return;
        node.Log.Flush();
        node.Core.OnLogFlushed(Now);
        Log($"flush {node.Id} -> durable {node.Log.DurableEndOffset}");
    }

    private void StartFetch()
    {
        var up = Ids.Where(id => _nodes[id].Up && _nodes[id].Core!.Role == ReplicaRole.Follower).ToArray();
        if (up.Length == 0) return;
        var node = _nodes[up[_random.Next(up.Length)]];
        if (node.Core!.NeedsFlush)
        {
            node.Log.Flush();
            node.Core.OnLogFlushed(Now);
        }
        var request = node.Core.NextFetch(Now);
        if (request is null) return;
        Send(new FetchRequestMessage(node.Core.LeaderId, node.Id, request));
    }

    private void AdvanceTime()
    {
        Now += 1 + _random.Next(120);
        foreach (var node in _nodes.Values.Where(n => n.Up)) node.Core!.Tick(Now);
    }

    private void Send(Message message)
    {
        message.Seq = _messageSeq++;
        _network.Add(message);
    }

    private void DeliverOne(bool faults)
    {
        if (_network.Count == 0) return;
        var message = _network[_random.Next(_network.Count)];
        // Metadata reaches each broker in the order the controller sent it.
        if (message is MetadataMessage) message = _network.Where(m => m is MetadataMessage && m.To == message.To).MinBy(m => m.Seq)!;
        _network.Remove(message);
        if (message.To != 0 && !_nodes[message.To].Up) return;
        var isolated = faults && (message is FetchRequestMessage or FetchResponseMessage) &&
            (_nodes[message.To].IsolatedUntil > Now || (message is FetchRequestMessage fr && _nodes[fr.From].IsolatedUntil > Now) ||
             (message is FetchResponseMessage && _nodes[message.Sender].IsolatedUntil > Now));
        if (isolated) return;
        switch (message)
        {
            case FetchRequestMessage f:
                var response = _nodes[f.To].Core!.HandleFetch(f.Request, Now);
                Send(new FetchResponseMessage(f.From, f.To, response));
                break;
            case FetchResponseMessage r:
                var node = _nodes[r.To];
                var before = node.Log.LogEndOffset;
                node.Core!.OnFetchResponse(r.Response, Now);
                if (node.Log.LogEndOffset < before)
                {
                    Truncations++;
                    Log($"{node.Id} truncated {before} -> {node.Log.LogEndOffset} ({(r.Response.Diverging is { } d ? $"diverging {d.Epoch}@{d.EndOffset}" : r.Response.Error.ToString())})");
                }
                break;
            case MetadataMessage m:
                var core = _nodes[m.To].Core!;
                var outcome = m.IsLeader
                    ? core.BecomeLeader(m.LeaderEpoch, m.PartitionEpoch, m.Isr, Ids, Now)
                    : core.BecomeFollower(m.Leader, m.LeaderEpoch, m.PartitionEpoch, m.Isr, Ids);
                Log($"metadata to {m.To}: leader {m.Leader} epoch {m.LeaderEpoch} pe {m.PartitionEpoch} isr [{string.Join(",", m.Isr)}] -> {outcome}");
                break;
            case ProposalMessage p:
                OnProposal(p);
                break;
            case ProposalResultMessage pr:
                var leaderCore = _nodes[pr.To].Core!;
                if (pr.Committed) leaderCore.OnIsrChangeCommitted(pr.Isr, pr.PartitionEpoch, pr.LeaderEpoch, Now);
                else leaderCore.OnIsrChangeRejected(pr.Proposal, ControlError.InvalidUpdateVersion);
                break;
        }
    }

    private void Drop(Message message, string why)
    {
        if (message is MetadataMessage or ProposalMessage or ProposalResultMessage) return; // the control channel retries until delivered
        _network.Remove(message);
        Log($"{why}: {message.GetType().Name} to {message.To}");
    }

    /// <summary>The controller's AlterPartition: the leader's epoch and the partition epoch must match; a broker that is down may not join.</summary>
    private void OnProposal(ProposalMessage p)
    {
        var proposal = p.Proposal;
        var joining = proposal.NewIsr.Except(_isr);
        var ok = p.From == _leader && proposal.LeaderEpoch == _leaderEpoch && proposal.PartitionEpoch == _partitionEpoch &&
                 proposal.NewIsr.Contains(_leader) && joining.All(id => _alive.Contains(id));
        if (!ok)
        {
            Log($"controller rejects {proposal}");
            Send(new ProposalResultMessage(p.From, proposal, false, [], 0, 0));
            return;
        }
        _isr = proposal.NewIsr.ToList();
        _partitionEpoch++;
        IsrCommits++;
        Log($"controller commits isr [{string.Join(",", _isr)}] pe {_partitionEpoch}");
        Send(new ProposalResultMessage(p.From, proposal, true, _isr.ToArray(), _partitionEpoch, _leaderEpoch));
        Broadcast();
    }

    private void Crash(int id)
    {
        var node = _nodes[id];
        if (!node.Up) return;
        var kept = _random.Next(3) == 0 ? _random.Next(3) : 0;
        var durable = node.Log.DurableEndOffset;
        var leo = node.Log.LogEndOffset;
        node.Log.Crash(kept);
        node.Core = null;
        Crashes++;
        _network.RemoveAll(m => m.To == id);
        _alive.Remove(id);
        Log($"crash {id}: leo {leo} durable {durable} -> {node.Log.LogEndOffset}");
        if (id == _leader)
        {
            var liveIsr = _isr.Where(_alive.Contains).ToList();
            if (liveIsr.Count > 0)
            {
                _isr = liveIsr;
                Elect(liveIsr[_random.Next(liveIsr.Count)], $"leader {id} crashed");
            }
            else
            {
                // No clean candidate: the partition waits, leaderless, for an ISR member to return.
                _leader = -1;
                _leaderEpoch++;
                _partitionEpoch++;
                Elections++;
                Log($"controller: partition offline, isr [{string.Join(",", _isr)}] epoch {_leaderEpoch}");
                Broadcast();
            }
        }
        else if (_isr.Contains(id) && _isr.Count > 1)
        {
            _isr.Remove(id);
            _partitionEpoch++;
            Log($"controller removes {id} from the isr: [{string.Join(",", _isr)}] pe {_partitionEpoch}");
            Broadcast();
        }
    }

    private void Restart(int id)
    {
        var node = _nodes[id];
        node.Core = new PartitionReplica(id, Tp, node.Log, _config);
        _alive.Add(id);
        Log($"restart {id}: leo {node.Log.LogEndOffset} hw {node.Core.HighWatermark} epochs {node.Log.EpochCache}");
        if (_leader < 0 && _isr.Contains(id))
        {
            _isr = _isr.Where(_alive.Contains).ToList();
            Elect(id, $"{id} returns to a leaderless partition");
        }
        else
        {
            Send(new MetadataMessage(id, _leader, false, _leaderEpoch, _partitionEpoch, _isr.ToArray()));
        }
    }

    private void MoveLeader()
    {
        if (_leader < 0) return;
        var candidates = _isr.Where(id => id != _leader && _alive.Contains(id)).ToArray();
        if (candidates.Length == 0) return;
        Elect(candidates[_random.Next(candidates.Length)], "leader move");
    }

    private void Elect(int leader, string why)
    {
        _leader = leader;
        _leaderEpoch++;
        _partitionEpoch++;
        Elections++;
        Log($"controller elects {leader} epoch {_leaderEpoch} isr [{string.Join(",", _isr)}] ({why})");
        Broadcast();
    }

    private void Broadcast()
    {
        foreach (var id in Ids.Where(_alive.Contains))
        {
            Send(new MetadataMessage(id, _leader, id == _leader, _leaderEpoch, _partitionEpoch, _isr.ToArray()));
        }
    }

    private void Collect()
    {
        foreach (var node in _nodes.Values.Where(n => n.Up))
        {
            foreach (var completion in node.Core!.TakeCompletions())
            {
                var response = completion.Response;
                if (!_produced.Remove(response.CorrelationId, out var values)) Fail($"a completion for unknown produce {response.CorrelationId}");
                if (response.Error != ControlError.None) _failedFirstValues.Add(values![0]);
                if (completion.Acks != Acks.All || response.Error != ControlError.None) continue;
                for (var i = 0; i < values!.Length; i++)
                {
                    var offset = response.BaseOffset + i;
                    if (_acknowledged.TryGetValue(offset, out var earlier) && earlier != values[i])
                        Fail($"offset {offset} acknowledged twice: value {earlier}, then {values[i]}");
                    _acknowledged[offset] = values[i];
                    _acknowledgedValues.Add(values[i]);
                    node.NewlyAcknowledged.Add(offset);
                }
                Log($"{node.Id} acknowledges {values[0]}..{values[^1]} at {response.BaseOffset}");
            }
            if (node.Core.TakeIsrChangeProposal() is { } proposal)
            {
                Log($"{node.Id} proposes {proposal}");
                Send(new ProposalMessage(node.Id, proposal));
            }
        }
    }

    private void CheckInvariants()
    {
        // First every replica's agreement with the committed history, extended by the high
        // watermarks; then, with the history as long as it gets this step, the checks.
        foreach (var node in _nodes.Values)
        {
            ExtendVerified(node);
            if (!node.Up) continue;
            var hw = node.Core!.HighWatermark;
            if (hw > _committed.Count && node.Verified == _committed.Count)
            {
                for (var o = _committed.Count; o < hw; o++) _committed.Add(ValueAt(node.Log, o));
                node.Verified = hw;
            }
        }
        foreach (var node in _nodes.Values)
        {
            ExtendVerified(node);
            if (!node.Up) continue;
            var core = node.Core!;
            var hw = core.HighWatermark;
            if (node.Verified < hw)
                Fail($"replica {node.Id} disagrees with the committed history at offset {node.Verified}, below its high watermark {hw}: " +
                     $"has {ValueAt(node.Log, node.Verified)}, committed {(node.Verified < _committed.Count ? _committed[(int)node.Verified] : -1)}");
            if (core.Role == ReplicaRole.Leader)
            {
                var key = (node.Id, core.LeaderEpoch);
                if (_leaderHighWatermarks.TryGetValue(key, out var previous) && hw < previous)
                    Fail($"leader {node.Id} epoch {core.LeaderEpoch}: high watermark went back from {previous} to {hw}");
                _leaderHighWatermarks[key] = hw;
            }
        }
        var maxAcknowledged = -1L;
        foreach (var node in _nodes.Values)
        {
            foreach (var offset in node.NewlyAcknowledged)
            {
                if (offset >= _committed.Count || _committed[(int)offset] != _acknowledged[offset])
                    Fail($"acknowledged value {_acknowledged[offset]} at offset {offset} is not the committed history's " +
                         $"({(offset < _committed.Count ? _committed[(int)offset] : "beyond " + _committed.Count)})");
            }
            node.NewlyAcknowledged.Clear();
        }
        if (_acknowledged.Count > 0) maxAcknowledged = _acknowledged.Keys.Max();
        foreach (var id in _isr)
        {
            var node = _nodes[id];
            if (node.Verified <= maxAcknowledged)
                Fail($"isr member {id} (log end {node.Log.LogEndOffset}) does not hold the acknowledged record at offset {node.Verified} " +
                     $"(acknowledged up to {maxAcknowledged}, value {(_acknowledged.TryGetValue(node.Verified, out var v) ? v : -1)}, " +
                     $"has {(node.Verified < node.Log.LogEndOffset ? ValueAt(node.Log, node.Verified) : -1)})");
        }
    }

    private void ExtendVerified(Node node)
    {
        var log = node.Log;
        node.Verified = Math.Min(node.Verified, log.LogEndOffset);
        while (node.Verified < Math.Min(log.LogEndOffset, _committed.Count) && ValueAt(log, node.Verified) == _committed[(int)node.Verified]) node.Verified++;
    }

    private void CheckAllAgree()
    {
        var reference = Values(_nodes[Ids[0]].Log);
        foreach (var id in Ids.Skip(1))
        {
            if (!reference.SequenceEqual(Values(_nodes[id].Log))) Fail($"after healing, replica {id}'s log differs from replica {Ids[0]}'s");
        }
        foreach (var (offset, value) in _acknowledged)
        {
            if (offset >= reference.Count || reference[(int)offset] != value) Fail($"after healing, acknowledged value {value} is not at offset {offset}");
        }
    }

    private static List<long> Values(MemoryPartitionLog log) => log.Batches.SelectMany(b => b.Records).Select(r => BitConverter.ToInt64(r.Value, 0)).ToList();

    private static long ValueAt(MemoryPartitionLog log, long offset) => log.RecordAt(offset) is { } r ? BitConverter.ToInt64(r.Value, 0) : -1;

    private void Log(string line)
    {
        _trace.Enqueue(string.Create(CultureInfo.InvariantCulture, $"[{Steps} t={Now}] {line}"));
        if (_trace.Count > TraceLines) _trace.Dequeue();
    }

    public void Fail(string reason)
    {
        var state = string.Join("\n", _nodes.Values.Select(n => n.Up ? "  " + n.Core : $"  {Tp}@{n.Id} down, leo {n.Log.LogEndOffset} epochs {n.Log.EpochCache}"));
        throw new SimulationFailure(
            $"seed {Seed}, step {Steps}: {reason}\n" +
            $"replay: ACTORKAFKA_REPLICA_SEED={Seed} dotnet test tests/ActorKafka.Broker.Tests --filter ReplicaSimulation\n" +
            $"controller: leader {_leader} epoch {_leaderEpoch} pe {_partitionEpoch} isr [{string.Join(",", _isr)}] min.insync {_config.MinInsyncReplicas}\n" +
            $"{state}\nlast events:\n  {string.Join("\n  ", _trace)}");
    }

    private sealed class Node(int id, MemoryPartitionLog log, ReplicaConfig config)
    {
        public int Id { get; } = id;

        public MemoryPartitionLog Log { get; } = log;

        public PartitionReplica? Core { get; set; } = new(id, Tp, log, config);

        public bool Up => Core is not null;

        /// <summary>Offsets below this match the committed history.</summary>
        public long Verified { get; set; }

        public long IsolatedUntil { get; set; }

        public List<long> NewlyAcknowledged { get; } = new();
    }

    private abstract class Message(int to, int sender)
    {
        public int To { get; } = to;

        public int Sender { get; } = sender;

        public long Seq { get; set; }
    }

    private sealed class FetchRequestMessage(int to, int from, FetchRecordsRequest request) : Message(to, from)
    {
        public int From { get; } = from;

        public FetchRecordsRequest Request { get; } = request;
    }

    private sealed class FetchResponseMessage(int to, int from, FetchRecordsResponse response) : Message(to, from)
    {
        public FetchRecordsResponse Response { get; } = response;
    }

    private sealed class MetadataMessage(int to, int leader, bool isLeader, int leaderEpoch, int partitionEpoch, int[] isr) : Message(to, 0)
    {
        public int Leader { get; } = leader;

        public bool IsLeader { get; } = isLeader;

        public int LeaderEpoch { get; } = leaderEpoch;

        public int PartitionEpoch { get; } = partitionEpoch;

        public int[] Isr { get; } = isr;
    }

    private sealed class ProposalMessage(int from, IsrChangeProposal proposal) : Message(0, from)
    {
        public int From { get; } = from;

        public IsrChangeProposal Proposal { get; } = proposal;
    }

    private sealed class ProposalResultMessage(int to, IsrChangeProposal proposal, bool committed, int[] isr, int partitionEpoch, int leaderEpoch)
        : Message(to, 0)
    {
        public IsrChangeProposal Proposal { get; } = proposal;

        public bool Committed { get; } = committed;

        public int[] Isr { get; } = isr;

        public int PartitionEpoch { get; } = partitionEpoch;

        public int LeaderEpoch { get; } = leaderEpoch;
    }
}
