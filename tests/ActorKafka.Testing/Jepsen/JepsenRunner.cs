using System.Diagnostics;
using System.Text;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Testing.Jepsen;

/// <summary>How one schedule went: the checks, and everything needed to understand or replay a failure.</summary>
public sealed record JepsenOutcome(string Mode, string Schedule, string Topic, IReadOnlyList<PartitionCheck> Checks, IReadOnlyList<string> Timeline,
    string Workload, TimeSpan Elapsed, string? Failure = null)
{
    public bool Ok => Failure is null && Checks.All(c => c.Ok);

    public int Lost => Checks.Sum(c => c.Lost.Count);

    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"[{Mode}] topic {Topic}, {Schedule}");
        text.AppendLine($"workload: {Workload}");
        if (Failure is not null) text.AppendLine($"failure: {Failure}");
        foreach (var check in Checks) text.AppendLine(check.ToString());
        text.AppendLine("timeline:");
        foreach (var line in Timeline) text.AppendLine("  " + line);
        return text.ToString();
    }
}

/// <summary>
/// Runs schedules against one cluster, one topic per schedule: creates the topic (RF 3), starts
/// the acks=all workload, applies the schedule's faults, stops the workload, heals (every dead
/// node restarted), waits (bounded) for full ISRs and quiet replicas, then checks the logs.
/// Nodes are never left dead between schedules, so one cluster serves many of them.
/// </summary>
public sealed class JepsenRunner
{
    /// <summary>Brokers down at once, at most (one always stays); controllers (kraft) at most one, so the quorum stays.</summary>
    private const int MaxDeadBrokers = 2;
    private const int MaxDeadControllers = 1;

    public static readonly TimeSpan ConvergeBound = TimeSpan.FromSeconds(45);
    public static readonly TimeSpan Pacing = TimeSpan.FromMilliseconds(15);

    private readonly IJepsenCluster _cluster;
    private readonly ActorSystem _client;
    private readonly int _partitions;
    private readonly List<int> _dead = new();

    /// <summary>Restarts a schedule began; the nemesis goes on while they run, healing waits for them.</summary>
    private readonly Dictionary<int, Task> _restarting = new();
    private readonly List<string> _timeline = new();
    private readonly Stopwatch _clock = new();

    public JepsenRunner(IJepsenCluster cluster, ActorSystem client, int partitions = 2)
    {
        _cluster = cluster;
        _client = client;
        _partitions = partitions;
        // What the cluster has to do beyond a step (a refused start tried again) goes in the timeline.
        cluster.Log = Note;
    }

    public int Partitions => _partitions;

    public IJepsenCluster Cluster => _cluster;

    public Task<JepsenOutcome> RunAsync(JepsenSchedule schedule, string topic) =>
        RunAsync(schedule.ToString(), topic, async workload =>
        {
            await PaceAsync(schedule.WarmupMs);
            foreach (var step in schedule.Steps)
            {
                await ApplyAsync(step, topic, workload);
                await PaceAsync(step.GapMs);
            }
        });

    /// <summary>
    /// One run: the topic and the workload, then <paramref name="nemesis"/>, then healing and the
    /// checks. Anything thrown on the way (a bound ran out) ends the run as a failed outcome with
    /// its timeline.
    /// </summary>
    public async Task<JepsenOutcome> RunAsync(string description, string topic, Func<JepsenWorkload, Task> nemesis)
    {
        _timeline.Clear();
        _clock.Restart();
        JepsenWorkload? workload = null;
        try
        {
            workload = await StartAsync(topic);
            await nemesis(workload);
            return await FinishAsync(description, topic, workload);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (workload is not null) await workload.StopAsync(JepsenClusters.Bound).ContinueWith(_ => { });
            Note($"failed: {e.GetType().Name}: {e.Message}");
            // Best effort, so that a cluster shared with later runs is whole again.
            try
            {
                await HealAsync();
            }
            catch (Exception healing) when (healing is not OutOfMemoryException)
            {
                Note($"healing after the failure failed too: {healing.Message}");
            }
            return new JepsenOutcome(_cluster.Mode, description, topic, [], _timeline.ToArray(), workload?.Summary() ?? "not started", _clock.Elapsed,
                $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Creates the topic, waits until every partition is led with a full ISR, and starts the producers.</summary>
    private async Task<JepsenWorkload> StartAsync(string topic)
    {
        await _cluster.CreateTopicAsync(topic, _partitions, 3);
        await JepsenChecker.AwaitConvergedAsync(_cluster, topic, _partitions, ConvergeBound);
        Note($"topic {topic} online: " + string.Join("; ", (await JepsenChecker.StatesAsync(_cluster, topic))
            .Where(r => r.Status.Role == ReplicaRole.Leader).Select(r => $"{r.Status.Partition} led by {r.BrokerId}")));
        var workload = new JepsenWorkload(_client, JepsenWorkload.ClientSettings(_cluster.BootstrapAddresses), PartitionsOf(topic), Pacing);
        workload.Start();
        return workload;
    }

    /// <summary>Stops the workload, heals, waits for convergence and checks.</summary>
    private async Task<JepsenOutcome> FinishAsync(string schedule, string topic, JepsenWorkload workload)
    {
        await workload.StopAsync(JepsenClusters.Bound);
        Note($"workload stopped: {workload.Summary()}");
        await HealAsync();
        IReadOnlyDictionary<TopicPartition, HostedReplica[]> converged;
        try
        {
            converged = await JepsenChecker.AwaitConvergedAsync(_cluster, topic, _partitions, ConvergeBound);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Note("did not converge:\n      " + await JepsenClusters.DiagnoseAsync(_cluster, topic, _partitions));
            throw new InvalidOperationException($"the cluster did not converge within {ConvergeBound.TotalSeconds} s after healing: {e.Message}", e);
        }
        Note("converged: " + string.Join("; ", converged.Values.SelectMany(r => r)));
        var checks = await JepsenChecker.CheckAsync(_cluster, _client, converged, workload.Acknowledgements);
        Note("checked");
        return new JepsenOutcome(_cluster.Mode, schedule, topic, checks, _timeline.ToArray(), workload.Summary(), _clock.Elapsed);
    }

    /// <summary>
    /// Waits for the restarts under way, then restarts every node still dead or stopped on its own:
    /// controllers first (brokers need a quorum to register), then the brokers together.
    /// </summary>
    public async Task HealAsync()
    {
        var underway = _restarting.Values.ToArray();
        _restarting.Clear();
        await Task.WhenAll(underway);
        foreach (var id in _cluster.StoppedOnTheirOwn())
        {
            Note($"node {id} stopped on its own (downed by the cluster, or its broker gave up): restarting it");
            lock (_dead) _dead.Add(id);
            _cluster.Kill(id);
        }
        foreach (var id in Dead().Where(_cluster.ControllerNodeIds.Contains)) await RestartAsync(id);
        await Task.WhenAll(Dead().Select(RestartAsync));
    }

    private List<int> Dead()
    {
        lock (_dead) return _dead.Order().ToList();
    }

    public async Task ApplyAsync(ScheduleStep step, string topic, JepsenWorkload workload)
    {
        var tp = new TopicPartition(topic, step.Partition);
        var acked = $"{workload.AcknowledgedCount} acknowledged so far";
        switch (step.Kind)
        {
            case FaultKind.KillLeader:
            {
                var leader = (await JepsenChecker.StatesAsync(_cluster, topic))
                    .Where(r => r.Status.Partition == tp && r.Status.Role == ReplicaRole.Leader).MaxBy(r => r.Status.LeaderEpoch);
                if (leader is null) Note($"{step}: {tp} has no live leader, skipped ({acked})");
                else KillBroker(leader.BrokerId, $"{step}: broker {leader.BrokerId} (leader in epoch {leader.Status.LeaderEpoch}, " +
                                                              $"hw {leader.Status.HighWatermark}, leo {leader.Status.LogEndOffset}, isr [{string.Join(",", leader.Status.Isr)}]; {acked})");
                break;
            }
            case FaultKind.KillFollower:
            {
                var followers = (await JepsenChecker.StatesAsync(_cluster, topic))
                    .Where(r => r.Status.Partition == tp && r.Status.Role != ReplicaRole.Leader).OrderBy(r => r.BrokerId).ToList();
                if (followers.Count == 0) Note($"{step}: {tp} has no live follower, skipped ({acked})");
                else
                {
                    var f = followers[step.Pick % followers.Count];
                    KillBroker(f.BrokerId, $"{step}: broker {f.BrokerId} (leo {f.Status.LogEndOffset}, hw {f.Status.HighWatermark}; {acked})");
                }
                break;
            }
            case FaultKind.KillController:
            {
                var controller = await _cluster.ActiveControllerAsync();
                if (controller is not { } id) Note($"{step}: no active controller now, skipped ({acked})");
                // zk: /controller still names a killed broker until its session has closed.
                else if (!_cluster.IsAlive(id)) Note($"{step}: the controller {id} is already dead, skipped ({acked})");
                else if (_cluster.ControllerNodeIds.Contains(id))
                {
                    if (Dead().Count(_cluster.ControllerNodeIds.Contains) >= MaxDeadControllers) Note($"{step}: a controller is down already, skipped");
                    else Kill(id, $"{step}: controller {id} ({acked})");
                }
                else KillBroker(id, $"{step}: broker {id}, the controller ({acked})");
                break;
            }
            case FaultKind.Restart:
            {
                var dead = Dead().Where(id => !_restarting.ContainsKey(id)).ToList();
                if (dead.Count == 0) Note($"{step}: nothing is down, skipped");
                else
                {
                    // In the background: the schedule goes on while the node comes back.
                    var id = dead[step.Pick % dead.Count];
                    _restarting[id] = RestartAsync(id);
                }
                break;
            }
            default:
                Note($"{step} ({acked})");
                break;
        }
    }

    public void KillBroker(int id, string why)
    {
        if (Dead().Count(_cluster.BrokerIds.Contains) >= MaxDeadBrokers)
        {
            Note($"{why}: skipped, {MaxDeadBrokers} brokers are down already");
            return;
        }
        Kill(id, why);
    }

    public void Kill(int id, string why)
    {
        if (Dead().Contains(id))
        {
            Note($"{why}: skipped, node {id} is still coming back");
            return;
        }
        if (!_cluster.IsAlive(id)) throw new InvalidOperationException($"{why}: node {id} is not alive");
        Note($"kill {id}: {why}");
        lock (_dead) _dead.Add(id);
        _cluster.Kill(id);
    }

    public async Task RestartAsync(int id)
    {
        Note($"restart {id}");
        await _cluster.RestartAsync(id);
        lock (_dead) _dead.Remove(id);
        Note($"restarted {id}");
    }

    public void Note(string what)
    {
        lock (_timeline) _timeline.Add($"{_clock.ElapsedMilliseconds,6} ms  {what}");
    }

    public IReadOnlyList<TopicPartition> PartitionsOf(string topic) => Enumerable.Range(0, _partitions).Select(p => new TopicPartition(topic, p)).ToArray();

    /// <summary>The nemesis's pacing between faults: time for the workload to run, not a wait for anything.</summary>
    public static Task PaceAsync(int ms) => Task.Delay(ms);
}
