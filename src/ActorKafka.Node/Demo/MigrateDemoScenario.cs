using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Migration;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Node.Demo;

/// <summary>
/// A live migration from zk mode to KRaft (KIP-866), every node its own ActorSystem: a zk-mode
/// cluster with a topic and a producer writing acks=all (<see cref="DemoTraffic"/>) the whole time;
/// three KRaft controllers provisioned in migration mode (PRE_MIGRATION); each broker rolled into
/// zk mode with migration on, so it registers with the quorum too; the active KRaft controller
/// claims /controller (fencing the zk-mode controllers with the next controller epoch) and copies
/// the metadata into its log (MIGRATION, dual writes from then on); each broker rolled into KRaft
/// mode; finalize (POST_MIGRATION). Brokers roll one at a time, each only once every partition is
/// fully replicated, as an operator's rolling restart would. Last, every acknowledged record is
/// looked for at its offset.
/// </summary>
internal sealed partial class MigrateDemoScenario
{
    public const string Topic = "orders";

    /// <summary>The demos' short store, session and Raft timings, and a driver that retries a step within a fraction of a second.</summary>
    public static readonly string Timings = NodeConfig.FastSessionsHocon + "\nactorkafka.controller.migration.retry-backoff = 200ms\n";

    /// <summary>Far above what any step needs with these timings (a few seconds), far below "hung".</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly Timeline _timeline;
    private readonly DemoOptions _options;
    private readonly DemoEventLog _log;
    private MigrationCluster _cluster = null!;
    private long _correlation;

    // Read by Print and by wait conditions on the nodes' threads: replaced, never mutated.
    private ImmutableDictionary<int, BrokerMode> _modes = ImmutableDictionary<int, BrokerMode>.Empty;
    private ImmutableDictionary<int, int> _running = ImmutableDictionary<int, int>.Empty;
    private ImmutableHashSet<int> _controllers = ImmutableHashSet<int>.Empty;

    public MigrateDemoScenario(Timeline timeline, DemoOptions options)
    {
        _timeline = timeline;
        _options = options;
        _log = new DemoEventLog(Print);
    }

    private int[] BrokerIds => Enumerable.Range(1, _options.Brokers).ToArray();

    public async Task RunAsync(string dataDir)
    {
        foreach (var id in BrokerIds) _modes = _modes.SetItem(id, BrokerMode.Zk);
        _timeline.Note($"phase NONE: starting the coordination store and zk-mode brokers {Ids(BrokerIds)}, each its own ActorSystem " +
                       $"(data dir {dataDir}); migration is off everywhere, as in any zk-mode cluster before a migration is planned");
        var hocon = Timings + "\n" + StderrLogger.Hocon + "\n" + DemoTraffic.BrokerHocon(_options.ReplicationFactor);
        var cluster = await MigrationCluster.StartAsync(dataDir, BrokerIds, hocon, fastFailureDetection: true, logLevel: CliDefaults.LogLevel,
            beforeRoles: Attach).ConfigureAwait(false);
        await using (cluster.ConfigureAwait(false))
        {
            _cluster = cluster;
            await AwaitZkRegistrationsAsync().ConfigureAwait(false);
            await AwaitZkControllerAsync().ConfigureAwait(false);
            var admin = await CoordinationSession.OpenAsync(cluster.Store.StoreSystem, cluster.Store.ClientSettings()).ConfigureAwait(false);
            await using (admin.ConfigureAwait(false)) await CreateTopicAsync(admin).ConfigureAwait(false);

            // A rolled broker keeps its port, so the first addresses stay good for the whole migration.
            var traffic = DemoTraffic.Start(cluster.BrokerAddresses, Topic, _options.Partitions, _options.ReplicationFactor, _timeline);
            await using (traffic.ConfigureAwait(false))
            {
                await ProvisionControllersAsync().ConfigureAwait(false);
                foreach (var id in BrokerIds) await RollAsync(id, BrokerMode.ZkMigrating).ConfigureAwait(false);
                await AwaitMigratedAsync().ConfigureAwait(false);
                await traffic.AwaitAcknowledgedAgainAsync(AllPartitions(), Bound).ConfigureAwait(false);
                foreach (var id in BrokerIds) await RollAsync(id, BrokerMode.Kraft).ConfigureAwait(false);
                await FinalizeAsync().ConfigureAwait(false);
                await traffic.AwaitAcknowledgedAgainAsync(AllPartitions(), Bound).ConfigureAwait(false);
                var records = await traffic.StopAndVerifyAsync(BrokerAddresses(), await LedPartitionsAsync().ConfigureAwait(false), Bound)
                    .ConfigureAwait(false);
                await SummarizeAsync(records).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs before a node's roles start, so its first event is recorded; a broker's current incarnation starts here.</summary>
    private void Attach(int nodeId, ActorSystem system)
    {
        if (nodeId >= MigrationCluster.FirstControllerId) _controllers = _controllers.Add(nodeId);
        else _running = _running.SetItem(nodeId, _log.Count);
        _log.Attach(system);
        MigrationEventFeed.Attach(system, _log);
    }

    private async Task AwaitZkRegistrationsAsync()
    {
        var ids = BrokerIds;
        await _log.WaitUntilAsync(events => events.Any(e => e is BrokerRegistrationRejected)
                                            || ids.All(id => events.Any(e => e is BrokerRegistered r && r.BrokerId == id)),
            Bound, $"brokers {Ids(ids)} to register /brokers/ids/N").ConfigureAwait(false);
        if (_log.Snapshot().OfType<BrokerRegistrationRejected>().FirstOrDefault() is { } rejected)
            throw new InvalidOperationException($"broker {rejected.BrokerId} could not register: {rejected.Error} " +
                                                "(a session from an earlier run on this data dir expires after its timeout; retry, or use a fresh --data-dir)");
    }

    private async Task CreateTopicAsync(CoordinationSession admin)
    {
        var (assignment, error) = await ZkAdmin.CreateTopicAsync(admin, Topic, _options.Partitions, _options.ReplicationFactor,
            new Random(_options.Seed)).ConfigureAwait(false);
        if (error is not null)
            throw new InvalidOperationException($"could not create topic {Topic}: {error}" +
                                                (error.Code == "TOPIC_ALREADY_EXISTS" ? " (this data dir holds an earlier run: use a fresh --data-dir)" : ""));
        _timeline.Note($"created topic {Topic} in the store ({_options.Partitions} partitions, replication factor {_options.ReplicationFactor}): " +
                       string.Join(" ", assignment!.OrderBy(a => a.Key).Select(a => $"{a.Key}=[{AdminFormat.Ids(a.Value)}]")) +
                       "; the zk-mode controller elects the leaders");
        await AwaitFullyReplicatedAsync($"leaders for all {_options.Partitions} partitions of {Topic}").ConfigureAwait(false);
    }

    private async Task ProvisionControllersAsync()
    {
        var mark = _log.Count;
        _timeline.Note($"provisioning {DemoOptions.KraftControllers} KRaft controllers (Raft voters from {MigrationCluster.FirstControllerId}) with " +
                       "actorkafka.controller.migration.enabled = on and the store's address: a fresh quorum in migration mode starts in PRE_MIGRATION");
        await _cluster.StartControllersAsync(DemoOptions.KraftControllers).ConfigureAwait(false);
        _timeline.Note("controllers up: " + string.Join(", ", _cluster.Controllers.Select(c => $"{c.NodeId} at {AddressOf(c.System)}")));
        await _log.WaitUntilAsync(events => events.Skip(mark).Any(e => e is MigrationDriverStateChanged { To: MigrationDriverState.WaitForBrokers }),
            Bound, "the active KRaft controller's migration driver to wait for the zk-mode brokers").ConfigureAwait(false);
        var status = await DescribeMigrationAsync().ConfigureAwait(false);
        _timeline.Note($"controller {status.ControllerId} (epoch {status.ControllerEpoch}) is active, its log in {MigrationNames.Phase(status.State)}: " +
                       $"its driver waits until brokers {Ids(BrokerIds)} have all registered with the quorum; the zk-mode controller still runs the cluster");
    }

    /// <summary>
    /// Restarts one broker in <paramref name="mode"/> on its data, as an operator's rolling restart
    /// does: only once every partition is fully replicated; a controlled shutdown first (what SIGTERM
    /// does to a broker), so the controller moves its leaderships and takes it out of the ISRs before
    /// its node stops; started again; done when it is registered (and unfenced by the quorum) and back
    /// in every ISR.
    /// </summary>
    private async Task RollAsync(int id, BrokerMode mode)
    {
        await AwaitFullyReplicatedAsync($"every partition of {Topic} to be fully replicated before broker {id} is rolled").ConfigureAwait(false);
        var before = LeaderViews.Latest(_log.Snapshot(), Topic, _running);
        var inIsr = before.Values.Where(l => l.View.Isr.Contains(id)).Select(l => l.View.Partition).ToArray();
        var led = before.Values.Where(l => l.View.Leader == id).Select(l => l.View.Partition.Partition).Order().ToArray();
        _timeline.Note($"rolling broker {id} into {Describe(mode)}: first its controlled shutdown ({ModeOf(_modes[id])} mode now, leader of " +
                       (led.Length == 0 ? "no partition" : $"{Topic} {Ids(led)}") + ")");
        var stopping = _log.Count;
        var broker = _cluster.ZkBrokers.TryGetValue(id, out var zk) ? zk.Broker : _cluster.KraftNodes[id].Broker!;
        var stopped = await broker.Ask<BrokerStopped>(ShutdownBroker.Instance, Bound).ConfigureAwait(false);
        await _log.WaitUntilAsync(events =>
            {
                var now = LeaderViews.Latest(events, Topic, _running.Remove(id));
                return inIsr.All(tp => now.TryGetValue(tp, out var l) && l.Index >= stopping && !l.View.Isr.Contains(id));
            }, Bound, $"the controller to take broker {id} out of the ISRs of {Topic} and move its leaderships").ConfigureAwait(false);
        _running = _running.Remove(id);
        await _cluster.KillAsync(id).ConfigureAwait(false);
        _timeline.Note($"broker {id} is out of every ISR and leads nothing ({stopped.Reason}); its node has stopped");

        var started = _log.Count;
        _modes = _modes.SetItem(id, mode);
        if (mode == BrokerMode.Kraft) await _cluster.StartKraftBrokerAsync(id).ConfigureAwait(false);
        else await _cluster.StartZkBrokerAsync(id, migration: mode == BrokerMode.ZkMigrating).ConfigureAwait(false);
        _timeline.Event("broker-rolled", $"broker {id} restarted on its data in {Describe(mode)}",
            ("brokerId", id), ("mode", ModeOf(mode)), ("migration", mode == BrokerMode.ZkMigrating));
        await AwaitRegisteredAsync(id, mode, started).ConfigureAwait(false);
        await _log.WaitUntilAsync(events =>
            {
                var now = LeaderViews.Latest(events, Topic, _running);
                return LeaderViews.FullyReplicated(now, _options.Partitions)
                       && inIsr.All(tp => now.TryGetValue(tp, out var l) && l.Index >= started && l.View.Isr.Contains(id));
            }, Bound, $"broker {id} to catch up and rejoin the ISRs of {Topic}").ConfigureAwait(false);
        _timeline.Note($"broker {id} caught up and is back in the ISR of {DemoText.Count(inIsr.Length, "partition")}: every partition is fully replicated");
    }

    private async Task AwaitRegisteredAsync(int id, BrokerMode mode, int mark)
    {
        bool Done(IReadOnlyList<object> events)
        {
            var after = events.Skip(mark).ToArray();
            var registered = after.Any(e => e is BrokerRegistered r && r.BrokerId == id);
            return mode switch
            {
                BrokerMode.Zk => registered,
                // Unfenced by the quorum: the driver counts only unfenced migrating brokers as ready.
                BrokerMode.ZkMigrating => registered && after.Any(e => e is BrokerRegisteredWithQuorum q && q.BrokerId == id)
                                                     && after.Any(e => e is BrokerUnfenced u && u.BrokerId == id),
                _ => registered && after.Any(e => e is BrokerUnfenced u && u.BrokerId == id),
            };
        }

        await _log.WaitUntilAsync(events => Done(events) || events.Skip(mark).Any(e => e is BrokerRegistrationRejected r && r.BrokerId == id),
            Bound, $"broker {id} to register in {Describe(mode)}").ConfigureAwait(false);
        if (_log.Snapshot().Skip(mark).OfType<BrokerRegistrationRejected>().FirstOrDefault(r => r.BrokerId == id) is { } rejected)
            throw new InvalidOperationException($"broker {id} could not register in {Describe(mode)}: {rejected.Error}");
    }

    /// <summary>The copy: the active driver claimed /controller, copied the metadata, told the zk-mode brokers, and dual-writes.</summary>
    private async Task AwaitMigratedAsync()
    {
        await _log.WaitUntilAsync(events => events.Any(e => e is ZkMetadataMigrated)
                                            && events.SkipWhile(e => e is not ZkMetadataMigrated)
                                                .Any(e => e is MigrationDriverStateChanged { To: MigrationDriverState.DualWrite }),
            Bound, "the active KRaft controller to claim /controller, copy the zk metadata and start dual-writing").ConfigureAwait(false);
        var status = await DescribeMigrationAsync().ConfigureAwait(false);
        _timeline.Note($"controller {status.ControllerId} runs the cluster in {MigrationNames.Phase(status.State)}: zk controller epoch " +
                       $"{status.ZkControllerEpoch}, the store in step with its log up to offset {status.MigratedOffset}; the zk-mode brokers " +
                       "take LeaderAndIsr and UpdateMetadata from it, and every change is written back to the store (dual write)");
    }

    private async Task FinalizeAsync()
    {
        _timeline.Note("every broker runs in KRaft mode: finalizing (actorkafka migrate finalize), after which there is no way back to zk mode");
        var response = await RequestDriverAsync<FinalizeMigrationResponse>(id => new FinalizeMigrationRequest(id)).ConfigureAwait(false);
        if (response.Error != ControlError.None)
            throw new InvalidOperationException($"controller {response.ControllerId} refused to finalize the migration: {response.Error} {response.Message}");
        await _log.WaitUntilAsync(events => events.Any(e => e is MigrationFinalized), Bound, "the finalization to be announced").ConfigureAwait(false);
        _timeline.Note($"controller {response.ControllerId} committed POST_MIGRATION at offset {response.Offset} and closed its store session: " +
                       "the coordination store is no longer written and can be retired");
    }

    private async Task SummarizeAsync(RecordsVerified records)
    {
        var cluster = await RequestControllerAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, _options.Partitions)).ConfigureAwait(false);
        var status = await DescribeMigrationAsync().ConfigureAwait(false);
        var partitions = cluster.Partitions.Where(p => p.Topic == Topic).ToArray();
        var events = _log.Snapshot();
        var elected = events.OfType<ControllerElected>().ToArray();
        string InTurn(IEnumerable<ControllerElected> controllers, string epoch) => string.Join(" -> ", controllers.Select(c => $"{c.ControllerId} ({epoch} {c.Epoch})"));
        var claimed = events.OfType<ZkControllerClaimed>().Select(c => $"; KRaft controller {c.NodeId} took /controller with zk controller epoch {c.ZkControllerEpoch}");
        IReadOnlyList<string> text =
        [
            "",
            "phases: NONE -> PRE_MIGRATION -> MIGRATION -> POST_MIGRATION",
            $"zk-mode controllers in turn: {InTurn(elected.Where(c => !_controllers.Contains(c.ControllerId)), "epoch")}{string.Concat(claimed)}",
            $"KRaft controllers in turn: {InTurn(elected.Where(c => _controllers.Contains(c.ControllerId)), "Raft epoch")}",
            records.Line(),
            $"partitions of {Topic} at the end:",
            .. KraftAdminFormat.PartitionTable(partitions).Select(line => "  " + line),
            "migration status at the end:",
            .. MigrationFormat.Status(status).Select(line => "  " + line),
        ];
        _timeline.Finish(text,
            ("controller", new JsonObject { ["id"] = cluster.ControllerId, ["epoch"] = cluster.ControllerEpoch }),
            ("migration", MigrationFormat.StatusJson(status)),
            ("partitions", KraftAdminFormat.PartitionsJson(partitions)),
            ("records", records.Json()));
    }

    private async Task AwaitFullyReplicatedAsync(string what)
    {
        try
        {
            await _log.WaitUntilAsync(events => LeaderViews.FullyReplicated(LeaderViews.Latest(events, Topic, _running), _options.Partitions),
                Bound, what).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            var under = LeaderViews.UnderReplicated(LeaderViews.Latest(_log.Snapshot(), Topic, _running)).ToArray();
            throw new TimeoutException(e.Message + (under.Length == 0 ? "" : $" (under-replicated: {string.Join(", ", under)})"), e);
        }
    }

    private IReadOnlyCollection<TopicPartition> AllPartitions() =>
        Enumerable.Range(0, _options.Partitions).Select(p => new TopicPartition(Topic, p)).ToArray();

    private async Task<IReadOnlyCollection<TopicPartition>> LedPartitionsAsync()
    {
        var cluster = await RequestControllerAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, _options.Partitions)).ConfigureAwait(false);
        return cluster.Partitions.Where(p => p.Topic == Topic && _running.ContainsKey(p.Leader)).Select(p => p.TopicPartition).ToArray();
    }

    private Address[] BrokerAddresses() => _cluster.BrokerAddresses.Select(Address.Parse).ToArray();

    private Task<MigrationDescription> DescribeMigrationAsync() => RequestDriverAsync<MigrationDescription>(id => new DescribeMigrationRequest(id));

    private Task<T> RequestDriverAsync<T>(Func<long, IQuorumControllerRequest> build) where T : IQuorumControllerResponse =>
        RequestAsync<T>(node => node.MigrationDriver!, build);

    private Task<T> RequestControllerAsync<T>(Func<long, IQuorumControllerRequest> build) where T : IQuorumControllerResponse =>
        RequestAsync<T>(node => node.Controller!, build);

    /// <summary>
    /// A request to the KRaft controller node the story knows is active. A busy machine can cause
    /// an election the story did not ask for: a deposed controller answers NotController, and the
    /// request goes to the next one once it is active.
    /// </summary>
    private async Task<T> RequestAsync<T>(Func<KraftNode, IActorRef> target, Func<long, IQuorumControllerRequest> build) where T : IQuorumControllerResponse
    {
        while (true)
        {
            var controller = await AwaitKraftControllerAsync().ConfigureAwait(false);
            var node = _cluster.KraftNodes[controller.ControllerId];
            var response = await target(node).Ask<IQuorumControllerResponse>(build(++_correlation), Bound).ConfigureAwait(false);
            if (response.Error == ControlError.NotController)
            {
                await _log.WaitUntilAsync(events => events.Any(e => e is ControllerResigned r && r.ControllerId == controller.ControllerId && r.Epoch == controller.Epoch),
                    Bound, $"controller {controller.ControllerId}, which says it is no longer active, to renounce epoch {controller.Epoch}").ConfigureAwait(false);
                continue;
            }
            if (response is T typed) return typed;
            throw new InvalidOperationException($"controller {controller.ControllerId} answered {response.GetType().Name} with {response.Error}");
        }
    }

    /// <summary>The KRaft controller active now: elected, and neither renounced since nor killed, newest epoch first.</summary>
    private async Task<ControllerElected> AwaitKraftControllerAsync()
    {
        ControllerElected? Active(IReadOnlyList<object> events) => events.OfType<ControllerElected>()
            .Where(e => _controllers.Contains(e.ControllerId)
                        && !events.OfType<ControllerResigned>().Any(r => r.ControllerId == e.ControllerId && r.Epoch == e.Epoch))
            .MaxBy(e => e.Epoch);
        await _log.WaitUntilAsync(events => Active(events) is not null, Bound, "a KRaft controller to become active").ConfigureAwait(false);
        return Active(_log.Snapshot())!;
    }

    /// <summary>The zk-mode controller elected among the brokers, once it has loaded the cluster.</summary>
    private async Task AwaitZkControllerAsync()
    {
        await _log.WaitUntilAsync(events => events.OfType<ControllerFailoverCompleted>().Any(c => !_controllers.Contains(c.ControllerId)),
            Bound, "a zk-mode controller to be elected").ConfigureAwait(false);
    }

    private string Mode(int nodeId) => _controllers.Contains(nodeId) ? "kraft" : "zk";

    private static string ModeOf(BrokerMode mode) => mode == BrokerMode.Kraft ? "kraft" : "zk";

    private static string Describe(BrokerMode mode) => mode switch
    {
        BrokerMode.Zk => "zk mode",
        BrokerMode.ZkMigrating => "zk mode with migration on (actorkafka.broker.migration.enabled = on, actorkafka.raft.voters set)",
        _ => "KRaft mode (a Raft observer of the metadata log)",
    };

    private static string AddressOf(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();

    private static string Ids(IEnumerable<int> ids) => string.Join(", ", ids);
}
