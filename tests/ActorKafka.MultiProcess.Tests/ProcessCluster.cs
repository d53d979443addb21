using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
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
/// A zk-mode cluster of five `actorkafka node` processes: node 1 runs the coordination store,
/// nodes 2..5 are brokers (each a controller candidate). Every node prints its events, so the
/// controller safety checks read what each process did; its log file keeps every incarnation.
/// On loopback each node has its own port; with network namespaces each is a host of its own
/// (its own address) whose link can be cut. The test's clients run in this process.
/// </summary>
public sealed class ProcessCluster : IJepsenCluster
{
    public const int StoreNodeId = 1;
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private readonly string _runDir;
    private readonly NetworkNamespaces? _hosts;
    private readonly ActorSystem _client;
    private readonly Dictionary<int, (string Host, int Port)> _addresses;
    private readonly ConcurrentDictionary<int, NodeProcess> _current = new();
    private readonly ConcurrentDictionary<int, bool> _alive = new();
    private readonly ConcurrentQueue<NodeProcess> _incarnations = new();
    private CoordinationSession? _admin;

    private ProcessCluster(string runDir, NetworkNamespaces? hosts, ActorSystem client, Dictionary<int, (string, int)> addresses)
    {
        _runDir = runDir;
        _hosts = hosts;
        _client = client;
        _addresses = addresses;
        Kit = new TestKit(client);
    }

    public string Mode => _hosts is null ? "processes" : "namespaces";

    public TestKit Kit { get; }

    public ActorSystem Client => _client;

    public Action<string> Log { get; set; } = _ => { };

    public IReadOnlyList<int> NodeIds { get; } = [1, 2, 3, 4, 5];

    public IReadOnlyList<int> BrokerIds { get; } = [2, 3, 4, 5];

    public IReadOnlyList<int> ControllerNodeIds { get; } = [];

    public NetworkNamespaces? Hosts => _hosts;

    /// <summary>Set when a run failed: the data dirs, configs and logs stay for a post-mortem.</summary>
    public bool KeepFiles { get; set; }

    /// <summary>
    /// Starts the five processes (with <paramref name="hocon"/> in every node's config) and waits,
    /// bounded, until every one is up, every broker registered and a controller elected.
    /// </summary>
    public static async Task<ProcessCluster> StartAsync(string hocon, bool namespaces)
    {
        var runDir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", "processes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(runDir);
        NetworkNamespaces? hosts = null;
        var addresses = new Dictionary<int, (string, int)>();
        if (namespaces)
        {
            hosts = NetworkNamespaces.Create();
            for (var id = 1; id <= 5; id++)
            {
                hosts.AddHost(id);
                addresses[id] = (hosts.AddressOf(id), 2552);
            }
        }
        else
        {
            for (var id = 1; id <= 5; id++) addresses[id] = ("127.0.0.1", FreePort());
        }
        // The clients bind where every node can answer them: loopback, or the bridge the hosts hang off.
        var client = ClientSystem(hosts?.BridgeAddress ?? "127.0.0.1");
        var cluster = new ProcessCluster(runDir, hosts, client, addresses);
        try
        {
            foreach (var id in cluster.NodeIds) cluster.WriteConfig(id, hocon);
            await Task.WhenAll(cluster.NodeIds.Select(cluster.StartNodeAsync));
            await cluster.AwaitRegisteredAsync(cluster.BrokerIds);
            await cluster.Kit.AwaitAssertAsync(async () => Assert.NotNull(await cluster.ActiveControllerAsync()), Bound, TimeSpan.FromMilliseconds(100));
            return cluster;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var tails = cluster.Tails();
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"the process cluster did not start: {e.Message}\nnodes:\n{tails}", e);
        }
    }

    /// <summary>The clients' system: remoting only (not a member), with every protocol's serializers as a node has them.</summary>
    private static ActorSystem ClientSystem(string hostname) => ActorSystem.Create("process-client", NodeConfig.Build(new NodeOptions(
        Path.GetTempPath(), [], [], Hostname: hostname, LogLevel: "ERROR", ExtraHocon: """
            akka.actor.provider = remote
            akka.remote.retry-gate-closed-for = 200ms
            """)));

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public string AddressOf(int nodeId) => $"akka.tcp://actorkafka@{_addresses[nodeId].Host}:{_addresses[nodeId].Port}";

    public string DataDirOf(int nodeId) => Path.Combine(_runDir, $"node-{nodeId}");

    private string ConfigFileOf(int nodeId) => Path.Combine(_runDir, $"node-{nodeId}.conf");

    public string LogFileOf(int nodeId) => Path.Combine(_runDir, $"node-{nodeId}.log");

    /// <summary>
    /// Each node's config as an operator would write it. Failure detection is looser than the
    /// in-process runs': five runtimes start and JIT on two cores, and a node stopped for a few
    /// seconds (SIGSTOP) should lose its store session (3 s) before the cluster downs it.
    /// </summary>
    private void WriteConfig(int nodeId, string hocon)
    {
        var (host, port) = _addresses[nodeId];
        var seeds = string.Join(", ", new[] { 1, 2, 3 }.Select(id => $"\"{AddressOf(id)}\""));
        var roles = nodeId == StoreNodeId ? "\"store\"" : "\"broker\"";
        File.WriteAllText(ConfigFileOf(nodeId), $$"""
            actorkafka.node {
              node-id = {{(nodeId == StoreNodeId ? -1 : nodeId)}}
              roles = [{{roles}}]
              data-dir = "{{DataDirOf(nodeId)}}"
              hostname = "{{host}}"
              port = {{port}}
              seed-nodes = [{{seeds}}]
              print-events = on
            }
            actorkafka.coordination.client.store-address = "{{AddressOf(StoreNodeId)}}"
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
            {{hocon}}
            """);
    }

    private async Task StartNodeAsync(int nodeId)
    {
        var process = NodeProcess.Start(nodeId, ConfigFileOf(nodeId), LogFileOf(nodeId), _hosts?.NamespaceOf(nodeId));
        _incarnations.Enqueue(process);
        _current[nodeId] = process;
        await process.WaitForLineAsync(line => line.StartsWith($"node {(nodeId == StoreNodeId ? -1 : nodeId)}: up at", StringComparison.Ordinal), Bound,
            "startup line (joined the cluster)");
        _alive[nodeId] = true;
    }

    public NodeProcess Process(int nodeId) => _current[nodeId];

    public bool IsAlive(int nodeId) => _alive.ContainsKey(nodeId);

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
        if (BrokerIds.Contains(nodeId))
            await Kit.AwaitAssertAsync(async () =>
            {
                var brokers = await AdminAsync(ZkAdmin.DescribeBrokersAsync);
                Assert.DoesNotContain(brokers, b => b.BrokerId == nodeId);
            }, Bound, TimeSpan.FromMilliseconds(100));
        var deregistered = clock.ElapsedMilliseconds;
        await StartNodeAsync(nodeId);
        if (BrokerIds.Contains(nodeId)) await AwaitRegisteredAsync([nodeId]);
        Log($"node {nodeId}: old registration gone after {deregistered} ms, up again after {clock.ElapsedMilliseconds} ms");
    }

    public async Task AwaitRegisteredAsync(IReadOnlyList<int> brokerIds) =>
        await Kit.AwaitAssertAsync(async () =>
        {
            var registered = (await AdminAsync(ZkAdmin.DescribeBrokersAsync)).Select(b => b.BrokerId).ToHashSet();
            Assert.True(brokerIds.All(registered.Contains), $"registered: [{string.Join(",", registered.Order())}], waiting for [{string.Join(",", brokerIds)}]");
        }, Bound, TimeSpan.FromMilliseconds(100));

    /// <summary>
    /// A query through the test's own store session; a session the store no longer knows (it
    /// expired while the store or this client was cut off) is replaced, and the query fails for
    /// the caller's bounded retry.
    /// </summary>
    public async Task<T> AdminAsync<T>(Func<CoordinationSession, Task<T>> query)
    {
        var session = _admin ??= await CoordinationSession.OpenAsync(_client, AdminSettings());
        try
        {
            return await query(session);
        }
        catch (KeeperException e) when (e.Code == ZkErrorCode.SessionExpired)
        {
            _admin = null;
            throw;
        }
    }

    private ClientSettings AdminSettings() => ClientSettings.From(ConfigurationFactory.ParseString(ZkClusterHarness.FastTimings)
        .WithFallback(_client.Settings.Config).WithFallback(StorePersistence.CoordinationDefaults)) with { StoreAddress = AddressOf(StoreNodeId) };

    public async Task<(int? Id, int Epoch)> ControllerAsync()
    {
        var cluster = await AdminAsync(ZkAdmin.DescribeClusterAsync);
        return (cluster.ControllerId, cluster.ControllerEpoch);
    }

    public async Task<int?> ActiveControllerAsync() => (await ControllerAsync()).Id;

    public async Task CreateTopicAsync(string topic, int partitions, int replicationFactor)
    {
        var (_, error) = await AdminAsync(s => ZkAdmin.CreateTopicAsync(s, topic, partitions, replicationFactor, new Random(7)));
        Assert.True(error is null, $"creating {topic}: {error}");
    }

    public async Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp)
    {
        var (partitions, error) = await AdminAsync(s => ZkAdmin.DescribeTopicAsync(s, tp.Topic));
        if (error is not null || partitions!.FirstOrDefault(p => p.Partition == tp) is not { State: { } state }) return null;
        return (state.Leader, state.Isr.ToArray());
    }

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
    }

    /// <summary>The last lines of every node's log, for a failure message.</summary>
    public string Tails(int lines = 12) => string.Join("\n", NodeIds.Select(id =>
        $"  node {id} ({LogFileOf(id)}):\n    " + string.Join("\n    ", _current.TryGetValue(id, out var p) ? p.Lines.Where(l => !l.StartsWith(NodeEventPrinter.Prefix, StringComparison.Ordinal)).TakeLast(lines) : [])));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _incarnations) process.Dispose();
        if (_admin is not null)
        {
            try
            {
                await _admin.DisposeAsync();
            }
            catch (Exception e) when (e is AskTimeoutException or KeeperException)
            {
                // The store is gone already.
            }
        }
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
