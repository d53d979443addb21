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
        await using var cluster = await ProcessCluster.StartAsync(ProcessLayout.Zk, TestReplication.Safe, namespaces: false);
        await RunAsync(cluster, SignalRoundAsync);
    }

    [ProcessFact]
    public async Task Three_controller_and_three_broker_processes_in_kraft_mode_keep_every_acknowledged_record_through_sigkill_sigstop_sigcont_and_sigterm()
    {
        await using var cluster = await ProcessCluster.StartAsync(ProcessLayout.Kraft, TestReplication.Safe, namespaces: false);
        await RunAsync(cluster, KraftSignalRoundAsync);
    }

    [NamespaceFact]
    public async Task Five_hosts_in_network_namespaces_keep_every_acknowledged_record_when_a_leader_is_cut_off_and_the_controller_killed()
    {
        await using var cluster = await ProcessCluster.StartAsync(ProcessLayout.Zk, TestReplication.Safe, namespaces: true);
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
        run.Step($"round {round}");
        await KillBusiestLeaderAsync(cluster, run);

        await ZombieControllerAsync(cluster, run);
        await run.AwaitFullIsrsAsync();

        run.Step("SIGKILL node 1, the coordination store");
        var store = cluster.Layout.StoreNodeId!.Value;
        cluster.Kill(store);
        await cluster.RestartAsync(store);
        await cluster.AwaitRegisteredAsync(cluster.BrokerIds);
        await run.AwaitFullIsrsAsync();
        run.Step("store back on its journal; every broker registered, every ISR full");

        var (current, _) = await cluster.ControllerAsync();
        await GracefulRestartAsync(cluster, run, cluster.BrokerIds.First(id => id != current));
        await run.AwaitFullIsrsAsync();
        run.Step($"round {round} healed");
    }

    /// <summary>One round in KRaft mode: the active controller killed, then stopped and continued as a zombie; a leader killed; a broker stopped gracefully.</summary>
    private static async Task KraftSignalRoundAsync(ProcessCluster cluster, ProcessFaultRun run, int round)
    {
        var (controller, epoch) = await cluster.ControllerAsync();
        run.Step($"round {round}: SIGKILL controller {controller}, the active controller (the Raft leader) of epoch {epoch}");
        cluster.Kill(controller!.Value);
        var (successor, newEpoch) = await run.AwaitNewControllerAsync(controller.Value, epoch);
        run.Step($"controller {successor} active in epoch {newEpoch}; restarting {controller}");
        await cluster.RestartAsync(controller.Value);

        await ZombieControllerAsync(cluster, run);
        await run.AwaitFullIsrsAsync();

        var leader = await KillBusiestLeaderAsync(cluster, run);

        await GracefulRestartAsync(cluster, run, cluster.BrokerIds.First(id => id != leader));
        await run.AwaitFullIsrsAsync();
        run.Step($"round {round} healed");
    }

    /// <summary>SIGKILL the broker leading most partitions; once every partition has another leader, start it again and wait for full ISRs.</summary>
    private static async Task<int> KillBusiestLeaderAsync(ProcessCluster cluster, ProcessFaultRun run)
    {
        var leader = await run.BusiestLeaderAsync();
        run.Step($"SIGKILL broker {leader}, the busiest leader");
        cluster.Kill(leader);
        await run.AwaitPartitionsAsync($"leaders other than {leader}", s => s is { Leader: >= 0 } state && state.Leader != leader);
        run.Step($"every partition led by another broker; restarting {leader}");
        await cluster.RestartAsync(leader);
        await run.AwaitFullIsrsAsync();
        run.Step($"broker {leader} back in every ISR");
        return leader;
    }

    /// <summary>
    /// SIGSTOP the active controller until another is active in a higher epoch, then SIGCONT it:
    /// the zombie must learn it lost and resign (the cluster may also have downed it while it was
    /// stopped; then it exits and is started again). Every broker refusing its stale epoch is
    /// checked at the end of the run.
    /// </summary>
    private static async Task ZombieControllerAsync(ProcessCluster cluster, ProcessFaultRun run)
    {
        var (controller, epoch) = await cluster.ControllerAsync();
        var paused = cluster.Process(controller!.Value);
        var mark = paused.LineCount;
        run.Step($"SIGSTOP node {controller}, the active controller of epoch {epoch}");
        cluster.Pause(controller.Value);
        var (successor, newEpoch) = await run.AwaitNewControllerAsync(controller.Value, epoch);
        run.Step($"node {successor} active controller in epoch {newEpoch}; SIGCONT node {controller}");
        cluster.Resume(controller.Value);
        var resigned = paused.WaitForLineAsync(l => l.StartsWith(StoppedEvent, StringComparison.Ordinal), ProcessCluster.Bound, "resignation", mark);
        await Task.WhenAny(resigned, paused.Exited).WaitAsync(ProcessCluster.Bound);
        if (paused.HasExited)
        {
            run.Step($"node {controller} was downed while stopped and exited ({paused.ExitCode}); restarting it");
            await cluster.RestartAsync(controller.Value);
        }
        else run.Step($"node {controller} resumed as a zombie and resigned: {(await resigned)[Node.Hosting.NodeEventPrinter.Prefix.Length..]}");
    }

    /// <summary>SIGTERM: the broker's controlled shutdown, leaving the cluster, exit code 0; then it is started again.</summary>
    private static async Task GracefulRestartAsync(ProcessCluster cluster, ProcessFaultRun run, int broker)
    {
        var stopping = cluster.Process(broker);
        run.Step($"SIGTERM broker {broker}");
        stopping.Signal(NodeSignal.Term);
        await stopping.Exited.WaitAsync(ProcessCluster.Bound);
        Assert.True(stopping.ExitCode == 0, $"broker {broker} exited with {stopping.ExitCode} on SIGTERM");
        Assert.Contains(stopping.Lines, l => l == $"node {broker}: left the cluster");
        run.Step($"broker {broker} shut down gracefully ({stopping.Lines.First(l => l.StartsWith($"broker {broker}:", StringComparison.Ordinal))}); restarting it");
        await cluster.RestartAsync(broker);
    }

    /// <summary>One round across hosts: the busiest leader's link cut until the cluster has moved on, then the controller killed.</summary>
    private static async Task PartitionRoundAsync(ProcessCluster cluster, ProcessFaultRun run, int round)
    {
        var leader = await run.BusiestLeaderAsync();
        run.Step($"round {round}: cut host {leader} ({cluster.AddressOf(leader)}), the busiest leader, off the network");
        cluster.CutOff(leader);
        await run.AwaitPartitionsAsync($"leaders other than {leader}", s => s is { Leader: >= 0 } state && state.Leader != leader);
        run.Step($"every partition led by another broker; waiting for host {leader}'s node to down itself (it is the minority)");
        await cluster.AwaitExitAsync(leader, ProcessCluster.Bound);
        run.Step($"node {leader} exited ({cluster.Process(leader).ExitCode}); healing the link and restarting it");
        cluster.Heal(leader);
        await cluster.RestartAsync(leader);
        await run.AwaitFullIsrsAsync();
        run.Step($"broker {leader} back in every ISR");

        var (controller, epoch) = await cluster.ControllerAsync();
        run.Step($"SIGKILL broker {controller}, the active controller of epoch {epoch}");
        cluster.Kill(controller!.Value);
        var (successor, newEpoch) = await run.AwaitNewControllerAsync(controller.Value, epoch);
        run.Step($"broker {successor} elected in epoch {newEpoch}; restarting {controller}");
        await cluster.RestartAsync(controller.Value);
        await run.AwaitFullIsrsAsync();
        run.Step($"round {round} healed");
    }
}
