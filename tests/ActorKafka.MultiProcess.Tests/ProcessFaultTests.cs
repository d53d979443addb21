using Xunit.Abstractions;

namespace ActorKafka.MultiProcess.Tests;

/// <summary>
/// The cluster as operators run it: five `actorkafka node` processes (a store node and four
/// brokers), an acks=all producer, and a nemesis that signals processes (SIGKILL, SIGSTOP,
/// SIGCONT, SIGTERM) or, with network namespaces, cuts a host's link. The checks are the in-process
/// Jepsen runs' (JepsenChecker, ControllerSafety). One round by default; ACTORKAFKA_PROCESS_ROUNDS=n
/// for a soak. A failure prints the timeline and every node's last lines (their logs name the files).
/// </summary>
public sealed class ProcessFaultTests(ITestOutputHelper output)
{
    private const string StoppedEvent = Node.Hosting.NodeEventPrinter.Prefix + "ControllerResigned";

    [ProcessFact]
    public async Task Five_node_processes_keep_every_acknowledged_record_through_sigkill_sigstop_sigcont_and_sigterm()
    {
        await using var cluster = await ProcessCluster.StartAsync(TestReplication.Safe, namespaces: false);
        await RunAsync(cluster, SignalRoundAsync);
    }

    [NamespaceFact]
    public async Task Five_hosts_in_network_namespaces_keep_every_acknowledged_record_when_a_leader_is_cut_off_and_the_controller_killed()
    {
        await using var cluster = await ProcessCluster.StartAsync(TestReplication.Safe, namespaces: true);
        await RunAsync(cluster, PartitionRoundAsync);
    }

    private async Task RunAsync(ProcessCluster cluster, Func<ProcessCluster, ProcessFaultRun, int, Task> round)
    {
        var timeline = new List<string>();
        void Log(string line)
        {
            lock (timeline) timeline.Add(line);
            output.WriteLine(line);
        }
        cluster.Log = line => Log("          " + line);
        var run = new ProcessFaultRun(cluster, Log);
        try
        {
            await run.RunAsync((r, n) => round(cluster, r, n));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            cluster.KeepFiles = true;
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\ntimeline:\n{string.Join("\n", timeline)}\nnodes:\n{cluster.Tails()}");
        }
    }

    /// <summary>One round of signals: a leader killed, the controller stopped and continued as a zombie, the store killed, a broker stopped gracefully.</summary>
    private static async Task SignalRoundAsync(ProcessCluster cluster, ProcessFaultRun run, int round)
    {
        var full = (Func<(int Leader, int[] Isr)?, bool>)(s => s is { Leader: >= 0 } state && state.Isr.Length == ProcessFaultRun.ReplicationFactor);

        var leader = await run.BusiestLeaderAsync();
        run.Step($"round {round}: SIGKILL broker {leader}, the busiest leader");
        cluster.Kill(leader);
        await run.AwaitPartitionsAsync($"leaders other than {leader}", s => s is { Leader: >= 0 } state && state.Leader != leader);
        run.Step($"every partition led by another broker; restarting {leader}");
        await cluster.RestartAsync(leader);
        await run.AwaitPartitionsAsync("full ISRs", full);
        run.Step($"broker {leader} back in every ISR");

        var (controller, epoch) = await cluster.ControllerAsync();
        var paused = cluster.Process(controller!.Value);
        var mark = paused.LineCount;
        run.Step($"SIGSTOP broker {controller}, the active controller of epoch {epoch}");
        cluster.Pause(controller.Value);
        var (successor, newEpoch) = await run.AwaitNewControllerAsync(controller.Value, epoch);
        run.Step($"broker {successor} elected controller in epoch {newEpoch}; SIGCONT broker {controller}");
        cluster.Resume(controller.Value);
        // The zombie learns it lost /controller and resigns, unless the cluster downed it while it was stopped, and it exits.
        var resigned = paused.WaitForLineAsync(l => l.StartsWith(StoppedEvent, StringComparison.Ordinal), ProcessCluster.Bound, "resignation", mark);
        await Task.WhenAny(resigned, paused.Exited).WaitAsync(ProcessCluster.Bound);
        if (paused.HasExited)
        {
            run.Step($"broker {controller} was downed while stopped and exited ({paused.ExitCode}); restarting it");
            await cluster.RestartAsync(controller.Value);
        }
        else run.Step($"broker {controller} resumed as a zombie and resigned: {(await resigned)[Node.Hosting.NodeEventPrinter.Prefix.Length..]}");
        await run.AwaitPartitionsAsync("full ISRs", full);

        run.Step("SIGKILL node 1, the coordination store");
        cluster.Kill(ProcessCluster.StoreNodeId);
        await cluster.RestartAsync(ProcessCluster.StoreNodeId);
        await cluster.AwaitRegisteredAsync(cluster.BrokerIds);
        await run.AwaitPartitionsAsync("full ISRs", full);
        run.Step("store back on its journal; every broker registered, every ISR full");

        var (current, _) = await cluster.ControllerAsync();
        var graceful = cluster.BrokerIds.First(id => id != current);
        var stopping = cluster.Process(graceful);
        run.Step($"SIGTERM broker {graceful}");
        stopping.Signal(NodeSignal.Term);
        await stopping.Exited.WaitAsync(ProcessCluster.Bound);
        Assert.True(stopping.ExitCode == 0, $"broker {graceful} exited with {stopping.ExitCode} on SIGTERM");
        Assert.Contains(stopping.Lines, l => l == $"node {graceful}: left the cluster");
        run.Step($"broker {graceful} shut down gracefully ({stopping.Lines.First(l => l.StartsWith($"broker {graceful}:", StringComparison.Ordinal))}); restarting it");
        await cluster.RestartAsync(graceful);
        await run.AwaitPartitionsAsync("full ISRs", full);
        run.Step($"round {round} healed");
    }

    /// <summary>One round across hosts: the busiest leader's link cut until the cluster has moved on, then the controller killed.</summary>
    private static async Task PartitionRoundAsync(ProcessCluster cluster, ProcessFaultRun run, int round)
    {
        var hosts = cluster.Hosts!;
        var full = (Func<(int Leader, int[] Isr)?, bool>)(s => s is { Leader: >= 0 } state && state.Isr.Length == ProcessFaultRun.ReplicationFactor);

        var leader = await run.BusiestLeaderAsync();
        run.Step($"round {round}: cut host {leader} ({hosts.AddressOf(leader)}), the busiest leader, off the network");
        hosts.Cut(leader);
        await run.AwaitPartitionsAsync($"leaders other than {leader}", s => s is { Leader: >= 0 } state && state.Leader != leader);
        run.Step($"every partition led by another broker; waiting for host {leader}'s node to down itself (it is the minority)");
        await cluster.AwaitExitAsync(leader, ProcessCluster.Bound);
        run.Step($"node {leader} exited ({cluster.Process(leader).ExitCode}); healing the link and restarting it");
        hosts.Heal(leader);
        await cluster.RestartAsync(leader);
        await run.AwaitPartitionsAsync("full ISRs", full);
        run.Step($"broker {leader} back in every ISR");

        var (controller, epoch) = await cluster.ControllerAsync();
        run.Step($"SIGKILL broker {controller}, the active controller of epoch {epoch}");
        cluster.Kill(controller!.Value);
        var (successor, newEpoch) = await run.AwaitNewControllerAsync(controller.Value, epoch);
        run.Step($"broker {successor} elected in epoch {newEpoch}; restarting {controller}");
        await cluster.RestartAsync(controller.Value);
        await run.AwaitPartitionsAsync("full ISRs", full);
        run.Step($"round {round} healed");
    }
}
