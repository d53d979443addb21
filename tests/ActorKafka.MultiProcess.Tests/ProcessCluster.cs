using System.Collections.Concurrent;
using System.Text.Json;
using ActorKafka.Broker;
using ActorKafka.Broker.Replication;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace ActorKafka.MultiProcess.Tests;

/// <summary>
/// A cluster of `actorkafka node` processes laid out by a <see cref="ProcessLayout"/> (zk: a store
/// node and four brokers; kraft: three quorum controllers and three brokers). Every node prints
/// its events, so the controller safety checks read what each process did; its log file keeps
/// every incarnation. On loopback each node has its own port; with network namespaces each is a
/// host of its own (its own address) whose link can be cut. The test's clients run in this process.
/// </summary>
public sealed class ProcessCluster : IJepsenCluster
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private readonly string _runDir;
    private readonly NetworkNamespaces? _hosts;
    private readonly ActorSystem _client;
    private readonly Dictionary<int, (string Host, int Port)> _addresses;
    private readonly ConcurrentDictionary<int, NodeProcess> _current = new();
    private readonly ConcurrentDictionary<int, bool> _alive = new();
    private readonly ConcurrentQueue<NodeProcess> _incarnations = new();

    private ProcessCluster(ProcessLayout layout, string runDir, NetworkNamespaces? hosts, ActorSystem client, Dictionary<int, (string, int)> addresses)
    {
        Layout = layout;
        _runDir = runDir;
        _hosts = hosts;
        _client = client;
        _addresses = addresses;
        Kit = new TestKit(client);
        Admin = layout.StoreNodeId is { } store
            ? new ZkMetadataAdmin(client, AddressOf(store))
            : new KraftMetadataAdmin(client, layout.ControllerIds.ToDictionary(id => id, AddressOf));
    }

    public ProcessLayout Layout { get; }

    public IMetadataAdmin Admin { get; }

    public string Mode => Layout.Mode + (_hosts is null ? " processes" : " hosts");

    public TestKit Kit { get; }

    public ActorSystem Client => _client;

    public Action<string> Log { get; set; } = _ => { };

    public IReadOnlyList<int> NodeIds => Layout.NodeIds;

    public IReadOnlyList<int> BrokerIds => Layout.BrokerIds;

    public IReadOnlyList<int> ControllerNodeIds => Layout.ControllerIds;

    public bool HasHosts => _hosts is not null;

    private int HostOf(int nodeId) => Layout.NodeIds.ToList().IndexOf(nodeId);

    private NetworkNamespaces Hosts => _hosts ?? throw new InvalidOperationException("this cluster runs on loopback, not in network namespaces");

    /// <summary>Partitions the node's host from every other host and from the clients.</summary>
    public void CutOff(int nodeId) => Hosts.Cut(HostOf(nodeId));

    public void Heal(int nodeId) => Hosts.Heal(HostOf(nodeId));

    /// <summary>Set when a run failed: the data dirs, configs and logs stay for a post-mortem.</summary>
    public bool KeepFiles { get; set; }

    /// <summary>
    /// Starts the processes (with <paramref name="hocon"/> in every node's config) and waits,
    /// bounded, until every one is up, every broker live and a controller active.
    /// </summary>
    public static async Task<ProcessCluster> StartAsync(ProcessLayout layout, string hocon, bool namespaces)
    {
        var runDir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", "processes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(runDir);
        NetworkNamespaces? hosts = null;
        var addresses = new Dictionary<int, (string, int)>();
        if (namespaces)
        {
            hosts = NetworkNamespaces.Create();
            for (var host = 0; host < layout.NodeIds.Count; host++)
            {
                hosts.AddHost(host);
                addresses[layout.NodeIds[host]] = (hosts.AddressOf(host), 2552);
            }
        }
        else
        {
            foreach (var id in layout.NodeIds) addresses[id] = ("127.0.0.1", FreePorts.Next());
        }
        // The clients bind where every node can answer them: loopback, or the bridge the hosts hang off.
        var client = ClientSystem(hosts?.BridgeAddress ?? "127.0.0.1");
        var cluster = new ProcessCluster(layout, runDir, hosts, client, addresses);
        try
        {
            foreach (var id in cluster.NodeIds) cluster.WriteConfig(id, hocon);
            // Seeds first: a node joins through them, and one that starts long before them only retries.
            await Task.WhenAll(layout.SeedIds.Select(cluster.StartNodeAsync));
            await Task.WhenAll(layout.NodeIds.Except(layout.SeedIds).Select(cluster.StartNodeAsync));
            await cluster.Kit.AwaitAssertAsync(async () => Assert.NotNull(await cluster.ActiveControllerAsync()), Bound, TimeSpan.FromMilliseconds(100));
            await cluster.AwaitRegisteredAsync(cluster.BrokerIds);
            return cluster;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var tails = cluster.Tails();
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the process cluster did not start: {e.Message}\nnodes:\n{tails}", e);
        }
    }

    /// <summary>The clients' system: remoting only (not a member), with every protocol's serializers as a node has them; silent, as the nemesis drops its connections on purpose.</summary>
    private static ActorSystem ClientSystem(string hostname) => ActorSystem.Create("process-client", NodeConfig.Build(new NodeOptions(
        Path.GetTempPath(), [], [], Hostname: hostname, LogLevel: "OFF", ExtraHocon: """
            akka.actor.provider = remote
            akka.remote.retry-gate-closed-for = 200ms
            """)));


    public string AddressOf(int nodeId) => $"akka.tcp://actorkafka@{_addresses[nodeId].Host}:{_addresses[nodeId].Port}";

    public string DataDirOf(int nodeId) => Path.Combine(_runDir, $"node-{nodeId}");

    private string ConfigFileOf(int nodeId) => Path.Combine(_runDir, $"node-{nodeId}.conf");

    public string LogFileOf(int nodeId) => Path.Combine(_runDir, $"node-{nodeId}.log");

    /// <summary>
    /// Each node's config as an operator would write it. Failure detection is looser than the
    /// in-process runs': several runtimes start and JIT on two cores, and a node stopped for a few
    /// seconds (SIGSTOP) should lose its session (3 s) before the cluster downs it (5 s + 3 s).
    /// </summary>
    private void WriteConfig(int nodeId, string hocon)
    {
        var (host, port) = _addresses[nodeId];
        var seeds = string.Join(", ", Layout.SeedIds.Select(id => $"\"{AddressOf(id)}\""));
        var mode = Layout.StoreNodeId is { } store
            ? $"actorkafka.coordination.client.store-address = \"{AddressOf(store)}\""
            : "actorkafka.raft.voters = [" + string.Join(", ", Layout.ControllerIds.Select(id => $"{{ id = {id}, address = \"{AddressOf(id)}\" }}")) + "]";
        File.WriteAllText(ConfigFileOf(nodeId), $$"""
            actorkafka.node {
              node-id = {{Layout.ConfiguredId(nodeId)}}
              roles = ["{{Layout.Role(nodeId)}}"]
              data-dir = "{{DataDirOf(nodeId)}}"
              hostname = "{{host}}"
              port = {{port}}
              seed-nodes = [{{seeds}}]
              print-events = on
            }
            {{mode}}
            actorkafka.broker.port = {{9092 + nodeId}}
            akka.cluster {
              failure-detector {
                heartbeat-interval = 500ms
                acceptable-heartbeat-pause = 5s
                expected-response-after = 1s
              }
              split-brain-resolver.stable-after = 3s
              down-removal-margin = off
              retry-unsuccessful-join-after = 1s
              seed-node-timeout = 2s
            }
            akka.remote.retry-gate-closed-for = 200ms
            akka.remote.watch-failure-detector.acceptable-heartbeat-pause = 5s
            {{ZkClusterHarness.FastTimings}}
            # Raft and KRaft sessions at their defaults' scale: a stopped controller loses its leadership after 2 s, a broker its session after 3 s.
            actorkafka.raft.election-timeout = 1s
            actorkafka.raft.fetch-timeout = 2s
            actorkafka.raft.request-timeout = 1s
            actorkafka.controller.kraft.broker-session-timeout = 3s
            actorkafka.broker.kraft.duplicate-registration-retry = 6s
            {{hocon}}
            """);
    }

    private async Task StartNodeAsync(int nodeId)
    {
        var process = NodeProcess.Start(nodeId, ConfigFileOf(nodeId), LogFileOf(nodeId), _hosts?.NamespaceOf(HostOf(nodeId)));
        _incarnations.Enqueue(process);
        _current[nodeId] = process;
        await process.WaitForLineAsync(line => line.StartsWith($"node {Layout.ConfiguredId(nodeId)}: up at", StringComparison.Ordinal), Bound,
            "startup line (joined the cluster)");
        _alive[nodeId] = true;
    }

    public NodeProcess Process(int nodeId) => _current[nodeId];

    public bool IsAlive(int nodeId) => _alive.ContainsKey(nodeId);

    public IReadOnlyList<int> StoppedOnTheirOwn() => _alive.Keys.Where(id => _current[id].HasExited).Order().ToList();

    /// <summary>SIGKILL: the process is gone at once, nothing flushed, nothing said to anyone.</summary>
    public void Kill(int nodeId)
    {
        _alive.TryRemove(nodeId, out _);
        _current[nodeId].Signal(NodeSignal.Kill);
    }

    /// <summary>SIGSTOP: the process keeps its sockets but does nothing (a long GC pause, a frozen VM).</summary>
    public void Pause(int nodeId) => _current[nodeId].Signal(NodeSignal.Stop);

    /// <summary>SIGCONT: the paused process carries on as if no time had passed.</summary>
    public void Resume(int nodeId) => _current[nodeId].Signal(NodeSignal.Cont);

    /// <summary>Marks a node dead that left on its own (a paused node the cluster downed exits when it resumes).</summary>
    public async Task AwaitExitAsync(int nodeId, TimeSpan bound)
    {
        await _current[nodeId].Exited.WaitAsync(bound);
        _alive.TryRemove(nodeId, out _);
    }

    /// <summary>
    /// Starts the node's next incarnation on its config, data and address, once its process is
    /// gone and (for a broker) its registration has died with its session.
    /// </summary>
    public async Task RestartAsync(int nodeId)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await _current[nodeId].Exited.WaitAsync(Bound);
        _alive.TryRemove(nodeId, out _);
        // A broker's next incarnation is refused as a duplicate while the cluster still counts the old one live.
        if (BrokerIds.Contains(nodeId))
            await Kit.AwaitAssertAsync(async () => Assert.DoesNotContain(nodeId, await Admin.LiveBrokersAsync()), Bound, TimeSpan.FromMilliseconds(100));
        var deregistered = clock.ElapsedMilliseconds;
        await StartNodeAsync(nodeId);
        if (BrokerIds.Contains(nodeId)) await AwaitRegisteredAsync([nodeId]);
        Log($"node {nodeId}: old incarnation gone after {deregistered} ms, up again after {clock.ElapsedMilliseconds} ms");
    }

    public async Task AwaitRegisteredAsync(IReadOnlyList<int> brokerIds) =>
        await Kit.AwaitAssertAsync(async () =>
        {
            var live = await Admin.LiveBrokersAsync();
            Assert.True(brokerIds.All(live.Contains), $"live: [{string.Join(",", live.Order())}], waiting for [{string.Join(",", brokerIds)}]");
        }, Bound, TimeSpan.FromMilliseconds(100));

    public Task<(int? Id, int Epoch)> ControllerAsync() => Admin.ControllerAsync();

    public async Task<int?> ActiveControllerAsync() => (await Admin.ControllerAsync()).Id;

    public Task CreateTopicAsync(string topic, int partitions, int replicationFactor) => Admin.CreateTopicAsync(topic, partitions, replicationFactor);

    public Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp) => Admin.PartitionStateAsync(tp);

    public IReadOnlyList<string> BootstrapAddresses => BrokerIds.Where(IsAlive).Select(AddressOf).ToArray();

    public async Task<ReplicaStates?> ReplicaStatesAsync(int brokerId) =>
        IsAlive(brokerId) ? await AskAsync<ReplicaStates>(ActorNames.ReplicaManagerPath(AddressOf(brokerId)), GetReplicaStates.Instance) : null;

    public async Task<BrokerStateSnapshot?> BrokerStateAsync(int brokerId) =>
        IsAlive(brokerId) ? await AskAsync<BrokerStateSnapshot>(ActorNames.BrokerPath(AddressOf(brokerId)), GetBrokerState.Instance) : null;

    private async Task<T?> AskAsync<T>(string path, object message) where T : class
    {
        try
        {
            return await _client.ActorSelection(path).Ask<T>(message, AskTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>A broker keeps its logs in its data dir unless its config names a log dir (these configs do not).</summary>
    public string LogDir(int brokerId) => ReplicaManagerSettings.From(ConfigurationFactory.Empty, brokerId, DataDirOf(brokerId)).LogDir;

    /// <summary>Every event every incarnation of every node printed, by node in the order each printed them.</summary>
    public IReadOnlyList<object> Events() => _incarnations.SelectMany(p => p.Lines).Select(ParseEvent).OfType<object>().ToList();

    private static object? ParseEvent(string line)
    {
        if (!line.StartsWith(NodeEventPrinter.Prefix, StringComparison.Ordinal)) return null;
        var rest = line[NodeEventPrinter.Prefix.Length..];
        var space = rest.IndexOf(' ');
        var json = rest[(space + 1)..];
        return rest[..space] switch
        {
            nameof(ControllerElected) => JsonSerializer.Deserialize<ControllerElected>(json, NodeEventPrinter.Json),
            nameof(ControlRequestApplied) => JsonSerializer.Deserialize<ControlRequestApplied>(json, NodeEventPrinter.Json),
            nameof(StaleEpochRejected) => JsonSerializer.Deserialize<StaleEpochRejected>(json, NodeEventPrinter.Json),
            _ => null,
        };
    }

    /// <summary>
    /// The controller safety checks over what the processes printed. Elections come from several
    /// processes with no common clock, so they are put in epoch order; one winner per epoch and
    /// each broker's applied epochs never going back are checked as in process.
    /// </summary>
    public void AssertSafety()
    {
        var events = Events();
        var elections = events.OfType<ControllerElected>().OrderBy(e => e.Epoch);
        ControllerSafety.Assert(elections.Concat<object>(events.OfType<ControlRequestApplied>()).ToList());
        foreach (var stale in events.OfType<StaleEpochRejected>())
            Assert.True(stale.StaleEpoch < stale.CurrentEpoch, $"broker {stale.BrokerId} rejected epoch {stale.StaleEpoch} while at {stale.CurrentEpoch}");
    }

    /// <summary>The last lines of every node's log, for a failure message.</summary>
    public string Tails(int lines = 12) => string.Join("\n", NodeIds.Select(id =>
        $"  node {id} ({LogFileOf(id)}):\n    " + string.Join("\n    ", _current.TryGetValue(id, out var p) ? p.Lines.Where(l => !l.StartsWith(NodeEventPrinter.Prefix, StringComparison.Ordinal)).TakeLast(lines) : [])));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _incarnations) process.Dispose();
        await Admin.DisposeAsync();
        await _client.Terminate();
        _hosts?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (KeepFiles) return;
        try
        {
            Directory.Delete(_runDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
