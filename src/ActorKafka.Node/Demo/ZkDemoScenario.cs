using System.Globalization;
using System.Text.Json.Nodes;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using Akka.Actor;

namespace ActorKafka.Node.Demo;

/// <summary>
/// The ZooKeeper-mode story, every broker its own ActorSystem: brokers register (a duplicate id
/// is refused), a controller is elected, a topic is created; the broker leading most partitions
/// is killed and its leaderships move; the controller is paused past its session timeout, a new
/// one is elected with epoch+1, and the old one resumed as a zombie: every broker rejects its
/// stale epoch and it resigns; then the new controller's node is killed and another is elected
/// with epoch+1. Last, the partition table as the store has it. From the topic's creation to the
/// end a producer writes with acks=all (<see cref="DemoTraffic"/>); every record it had
/// acknowledged is looked for at its offset before the summary.
/// </summary>
internal sealed class ZkDemoScenario
{
    public const string Topic = "orders";

    /// <summary>
    /// Short store and session timings (as the cluster tests use) so that a paused controller's
    /// session expires in 1.5 s and the whole story takes seconds.
    /// </summary>
    // Sessions of 3 s, not the one-machine default of 1.5 s: a broker whose node stalls on a loaded
    // machine would otherwise lose its session and register again, a failure the story does not tell.
    public static readonly string Timings = NodeConfig.FastSessionsHocon + "\nactorkafka.coordination.client.session-timeout = 3s\n";

    /// <summary>Far above what any step needs with these timings (a few seconds), far below "hung".</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly EmbeddedCluster _cluster;
    private readonly Timeline _timeline;
    private readonly DemoOptions _options;
    private readonly DemoEventLog _log;
    private readonly SortedDictionary<int, ZkNode> _live = new();
    private readonly string _nodeHocon;

    public ZkDemoScenario(EmbeddedCluster cluster, Timeline timeline, DemoOptions options)
    {
        _cluster = cluster;
        _timeline = timeline;
        _options = options;
        _log = new DemoEventLog(Print);
        _nodeHocon = Timings + "\n" + StderrLogger.Hocon + "\n" + DemoTraffic.BrokerHocon(options.ReplicationFactor);
    }

    public async Task RunAsync()
    {
        _timeline.Note($"coordination store up at {_cluster.StoreAddress} (data dir {_cluster.DataDir})");
        var admin = await CoordinationSession.OpenAsync(_cluster.StoreSystem, _cluster.ClientSettings()).ConfigureAwait(false);
        await using (admin.ConfigureAwait(false))
        {
            for (var id = 1; id <= _options.Brokers; id++) _live[id] = await StartBrokerAsync(id).ConfigureAwait(false);
            var first = await AwaitControllerAsync(afterEpoch: 0).ConfigureAwait(false);

            await RefuseDuplicateAsync().ConfigureAwait(false);
            await CreateTopicAsync(admin).ConfigureAwait(false);
            var traffic = DemoTraffic.Start(LiveAddresses(), Topic, _options.Partitions, _options.ReplicationFactor, _timeline);
            await using (traffic.ConfigureAwait(false))
            {
                await KillLeadingBrokerAsync(admin, first).ConfigureAwait(false);
                await traffic.AwaitAcknowledgedAgainAsync(await LiveLedPartitionsAsync(admin).ConfigureAwait(false), Bound).ConfigureAwait(false);
                var zombie = Current();
                var successor = await PauseControllerAsync(zombie).ConfigureAwait(false);
                await ResumeZombieAsync(zombie, successor).ConfigureAwait(false);
                await KillControllerNodeAsync(successor).ConfigureAwait(false);
                var records = await traffic.StopAndVerifyAsync(LiveAddresses(), await LiveLedPartitionsAsync(admin).ConfigureAwait(false), Bound).ConfigureAwait(false);
                await SummarizeAsync(admin, records).ConfigureAwait(false);
            }
        }
    }

    private async Task<TopicPartition[]> LiveLedPartitionsAsync(CoordinationSession admin) =>
        (await DescribeAsync(admin).ConfigureAwait(false)).Where(p => p.State is { HasLeader: true } s && _live.ContainsKey(s.Leader)).Select(p => p.Partition).ToArray();

    private Address[] LiveAddresses() => _live.Values.Select(n => Akka.Cluster.Cluster.Get(n.System).SelfAddress).ToArray();

    private async Task<ZkNode> StartBrokerAsync(int id)
    {
        var mark = _log.Count;
        var node = await ZkNode.StartAsync(_cluster, id, _nodeHocon, beforeStart: _log.Attach).ConfigureAwait(false);
        _timeline.Note($"node of broker {id} joined the Akka cluster at {Akka.Cluster.Cluster.Get(node.System).SelfAddress}; its broker registers with the store");
        await _log.WaitUntilAsync(events => events.Skip(mark).Any(e => e is BrokerRegistered r && r.BrokerId == id
                                                                   || e is BrokerRegistrationRejected x && x.BrokerId == id),
            Bound, $"broker {id} to register").ConfigureAwait(false);
        if (_log.Snapshot().Skip(mark).OfType<BrokerRegistrationRejected>().FirstOrDefault(r => r.BrokerId == id) is { } rejected)
            throw new InvalidOperationException($"broker {id} could not register: {rejected.Error} " +
                                                "(a session from an earlier run on this data dir expires after its timeout; retry, or use a fresh --data-dir)");
        return node;
    }

    /// <summary>A node configured with a live broker's id: its registration is refused and it must not start.</summary>
    private async Task RefuseDuplicateAsync()
    {
        var id = _live.Keys.Skip(1).First();
        _timeline.Note($"starting one more node, misconfigured with broker id {id}, which broker {id} holds");
        var mark = _log.Count;
        var intruder = await ZkNode.StartAsync(_cluster, id, _nodeHocon, beforeStart: _log.Attach).ConfigureAwait(false);
        await _log.WaitUntilAsync(events => events.Skip(mark).Any(e => e is BrokerRegistrationRejected r && r.BrokerId == id), Bound,
            $"the second broker {id} to be refused").ConfigureAwait(false);
        await _cluster.StopMemberAsync(intruder.System).ConfigureAwait(false);
        _timeline.Note($"the intruder's node is stopped; /brokers/ids/{id} still belongs to the original broker {id}");
    }

    private async Task CreateTopicAsync(CoordinationSession admin)
    {
        var mark = _log.Count;
        var (assignment, error) = await ZkAdmin.CreateTopicAsync(admin, Topic, _options.Partitions, _options.ReplicationFactor,
            new Random(_options.Seed)).ConfigureAwait(false);
        if (error is not null)
            throw new InvalidOperationException($"could not create topic {Topic}: {error}" +
                                                (error.Code == "TOPIC_ALREADY_EXISTS" ? " (this data dir holds an earlier run: use a fresh --data-dir)" : ""));
        _timeline.Note($"created topic {Topic} ({_options.Partitions} partitions, replication factor {_options.ReplicationFactor}, seed {_options.Seed}): " +
                       string.Join(" ", assignment!.OrderBy(a => a.Key).Select(a => $"{a.Key}=[{AdminFormat.Ids(a.Value)}]")) +
                       "; the controller's watch on /brokers/topics fires");
        await _log.WaitUntilAsync(events =>
            {
                var led = events.Skip(mark).OfType<LeaderElected>().Where(l => l.Partition.Topic == Topic).Select(l => l.Partition.Partition).ToHashSet();
                return assignment!.Keys.All(led.Contains);
            }, Bound, $"leaders for all {_options.Partitions} partitions of {Topic}").ConfigureAwait(false);
    }

    private async Task KillLeadingBrokerAsync(CoordinationSession admin, ControllerElected controller)
    {
        var partitions = await DescribeAsync(admin).ConfigureAwait(false);
        // The broker leading most partitions; on a tie, one that is not the controller (its loss comes later in the story).
        var victim = _live.Keys
            .OrderByDescending(id => partitions.Count(p => p.State?.Leader == id))
            .ThenBy(id => id == controller.ControllerId)
            .ThenBy(id => id)
            .First();
        var led = partitions.Where(p => p.State?.Leader == victim).Select(p => p.Partition).ToArray();
        _timeline.Note($"killing broker {victim}'s node, leader of {led.Length} partition(s) ({string.Join(", ", led)}): " +
                       "its ActorSystem terminates, its store session ends and /brokers/ids/" + victim + " goes");
        var mark = _log.Count;
        var wasController = Current().ControllerId == victim;
        await KillAsync(victim).ConfigureAwait(false);
        if (wasController) await AwaitControllerAsync(controller.Epoch).ConfigureAwait(false);
        else
            await _log.WaitUntilAsync(events => events.Skip(mark).Any(e => e is BrokerLost l && l.BrokerId == victim), Bound,
                $"the controller to see broker {victim} lost").ConfigureAwait(false);
        await AwaitLiveLeadersAsync($"broker {victim}'s leaderships to move").ConfigureAwait(false);
        var moved = _log.Snapshot().Skip(mark).OfType<LeaderElected>().Where(l => led.Contains(l.Partition))
            .GroupBy(l => l.Partition).Select(g => $"{g.Key} -> {g.Last().Leader}");
        _timeline.Note($"broker {victim}'s leaderships moved: {string.Join(", ", moved)}");
    }

    private async Task<ControllerElected> PauseControllerAsync(ControllerElected zombie)
    {
        _timeline.Note($"pausing controller {zombie.ControllerId} (epoch {zombie.Epoch}), as a long GC pause would: it stops processing " +
                       $"and heartbeating, so its session expires after {_cluster.ClientSettings().SessionTimeout.TotalMilliseconds:0} ms and /controller goes");
        _live[zombie.ControllerId].Controller.Tell(PauseController.Instance);
        var successor = await AwaitControllerAsync(zombie.Epoch).ConfigureAwait(false);
        // The zombie shares a node with its own broker, so its stale request would reach that broker before the new
        // controller's first one if it resumed at once: it resumes once every broker follows the new epoch.
        var brokers = _live.Keys.ToArray();
        await _log.WaitUntilAsync(events => brokers.All(id => events.Any(e => e is ControlRequestApplied a && a.BrokerId == id && a.ControllerEpoch == successor.Epoch)),
            Bound, $"every broker to apply a request of controller epoch {successor.Epoch}").ConfigureAwait(false);
        _timeline.Note($"controller {zombie.ControllerId}, still paused, believes it is the controller of epoch {zombie.Epoch}; " +
                       $"the cluster's controller is broker {successor.ControllerId} with epoch {successor.Epoch}, and brokers {string.Join(", ", brokers)} follow it");
        return successor;
    }

    private async Task ResumeZombieAsync(ControllerElected zombie, ControllerElected successor)
    {
        var mark = _log.Count;
        var brokers = _live.Keys.ToArray();
        _timeline.Note($"resuming controller {zombie.ControllerId}: a zombie, it sends the UpdateMetadata it built before the pause, stamped with epoch {zombie.Epoch}");
        _live[zombie.ControllerId].Controller.Tell(ResumeController.Instance);
        await _log.WaitUntilAsync(events =>
            {
                var after = events.Skip(mark).ToArray();
                return brokers.All(id => after.Any(e => e is StaleEpochRejected { Kind: StaleEpochKind.Controller } r
                                                        && r.BrokerId == id && r.StaleEpoch == zombie.Epoch))
                       && after.Any(e => e is ControllerResigned r && r.ControllerId == zombie.ControllerId && r.Epoch == zombie.Epoch);
            }, Bound, $"every broker to reject controller {zombie.ControllerId}'s epoch {zombie.Epoch} and the zombie to resign").ConfigureAwait(false);
        _timeline.Note($"the zombie is fenced: brokers {string.Join(", ", brokers)} refused epoch {zombie.Epoch} (they follow epoch {successor.Epoch}) " +
                       $"and controller {zombie.ControllerId} resigned; it is a standby candidate again");
    }

    private async Task KillControllerNodeAsync(ControllerElected controller)
    {
        _timeline.Note($"killing controller {controller.ControllerId}'s node (epoch {controller.Epoch}): /controller goes with its session, " +
                       "the other nodes race to claim it");
        await KillAsync(controller.ControllerId).ConfigureAwait(false);
        var next = await AwaitControllerAsync(controller.Epoch).ConfigureAwait(false);
        await AwaitLiveLeadersAsync($"controller {next.ControllerId} to move broker {controller.ControllerId}'s leaderships").ConfigureAwait(false);
    }

    private async Task SummarizeAsync(CoordinationSession admin, RecordsVerified records)
    {
        var partitions = await DescribeAsync(admin).ConfigureAwait(false);
        var cluster = await ZkAdmin.DescribeClusterAsync(admin).ConfigureAwait(false);
        var live = _live.Keys.ToArray();
        var rows = partitions.Select(p => (IReadOnlyList<string>)
        [
            p.Partition.ToString(),
            p.State is { HasLeader: true } s ? s.Leader.ToString(CultureInfo.InvariantCulture) : AdminFormat.None,
            p.State?.LeaderEpoch.ToString(CultureInfo.InvariantCulture) ?? AdminFormat.None,
            p.State is null ? "" : AdminFormat.Ids(p.State.Isr),
            AdminFormat.Ids(p.Replicas),
        ]);
        var controller = cluster.ControllerId is { } id ? $"broker {id}, epoch {cluster.ControllerEpoch}" : AdminFormat.None;
        var elections = _log.Snapshot().OfType<ControllerElected>().Select(e => $"{e.ControllerId} (epoch {e.Epoch})");
        IReadOnlyList<string> text =
        [
            "",
            $"controllers in turn: {string.Join(" -> ", elections)}",
            $"controller now: {controller}; live brokers: {AdminFormat.Ids(live)}",
            records.Line(),
            $"partitions of {Topic} at the end:",
            .. AdminFormat.Table(["PARTITION", "LEADER", "LEADER EPOCH", "ISR", "REPLICAS"], rows).Select(line => "  " + line),
        ];
        _timeline.Finish(text,
            ("controller", cluster.ControllerId is { } c ? new JsonObject { ["id"] = c, ["epoch"] = cluster.ControllerEpoch } : null),
            ("liveBrokers", AdminFormat.IdsJson(live)),
            ("partitions", AdminFormat.PartitionsJson(partitions)),
            ("records", records.Json()));
    }

    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(100);

    private async Task<IReadOnlyList<PartitionDescription>> DescribeAsync(CoordinationSession admin)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var (partitions, error) = await ZkAdmin.DescribeTopicAsync(admin, Topic).ConfigureAwait(false);
            if (partitions is not null) return partitions;
            // A store request that timed out on a busy machine is asked again; a topic that is not there is not.
            if (error!.Code == "UNKNOWN_TOPIC_OR_PARTITION" || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"could not describe {Topic}: {error}");
            await Task.Delay(RetryBackoff).ConfigureAwait(false);
        }
    }

    /// <summary>Terminates the broker's ActorSystem; when it was the controller, that controller is lost with it.</summary>
    private async Task KillAsync(int brokerId)
    {
        var node = _live[brokerId];
        var controller = ActiveControllers().FirstOrDefault(c => c.ControllerId == brokerId);
        _live.Remove(brokerId);
        if (controller is not null)
            _timeline.Event("controller-lost", $"controller {brokerId} (epoch {controller.Epoch}) is lost with its node",
                ("controllerId", brokerId), ("epoch", controller.Epoch), ("reason", "its node was killed"));
        await _cluster.StopMemberAsync(node.System).ConfigureAwait(false);
        _timeline.Note($"broker {brokerId}'s node has terminated");
    }

    /// <summary>Controllers elected and not since resigned or killed, newest first.</summary>
    private IEnumerable<ControllerElected> ActiveControllers()
    {
        var events = _log.Snapshot();
        return events.OfType<ControllerElected>()
            .Where(e => _live.ContainsKey(e.ControllerId)
                        && !events.OfType<ControllerResigned>().Any(r => r.ControllerId == e.ControllerId && r.Epoch == e.Epoch))
            .OrderByDescending(e => e.Epoch);
    }

    private ControllerElected Current() =>
        ActiveControllers().FirstOrDefault() ?? throw new InvalidOperationException("no live controller");

    /// <summary>Waits for a controller elected with an epoch above <paramref name="afterEpoch"/> that finished its failover.</summary>
    private async Task<ControllerElected> AwaitControllerAsync(int afterEpoch)
    {
        ControllerElected? Elected(IReadOnlyList<object> events) => events.OfType<ControllerElected>()
            .Where(e => e.Epoch > afterEpoch && events.Any(f => f is ControllerFailoverCompleted c && c.ControllerId == e.ControllerId && c.Epoch == e.Epoch))
            .MaxBy(e => e.Epoch);
        await _log.WaitUntilAsync(events => Elected(events) is not null, Bound,
            afterEpoch == 0 ? "a controller to be elected" : $"a controller with an epoch above {afterEpoch}").ConfigureAwait(false);
        return Elected(_log.Snapshot())!;
    }

    /// <summary>
    /// Waits until every partition whose ISR (as last elected) holds a live broker is led by a live broker.
    /// ISRs only lose dead brokers in this story, so the last elected ISR is never missing a live member.
    /// </summary>
    private Task AwaitLiveLeadersAsync(string what)
    {
        var live = _live.Keys.ToHashSet();
        return _log.WaitUntilAsync(events =>
        {
            var latest = new Dictionary<TopicPartition, (int Leader, int[] Isr)>();
            foreach (var e in events)
            {
                if (e is LeaderElected l) latest[l.Partition] = (l.Leader, l.Isr);
                else if (e is PartitionOffline o) latest[o.Partition] = (LeaderAndIsr.NoLeader, []);
            }
            return latest.Values.All(s => live.Contains(s.Leader) || !s.Isr.Any(live.Contains));
        }, Bound, what);
    }

    /// <summary>One event as the timeline shows it: a structured event for the JSON stream, or a note for the text only.</summary>
    private void Print(object e)
    {
        switch (e)
        {
            case BrokerRegistered r:
                _timeline.Event("broker-registered",
                    $"broker {r.BrokerId} registered /brokers/ids/{r.BrokerId}: broker epoch {r.BrokerEpoch} (its czxid), session {ShellFormat.Hex(r.SessionId)}",
                    ("brokerId", r.BrokerId), ("brokerEpoch", r.BrokerEpoch));
                break;
            case BrokerRegistrationRejected r:
                _timeline.Event("broker-registration-rejected", $"the second broker {r.BrokerId} refused to start: {r.Error}",
                    ("brokerId", r.BrokerId), ("error", r.Error));
                break;
            case ControllerElected c:
                _timeline.Event("controller-elected",
                    $"broker {c.ControllerId} elected controller with epoch {c.Epoch}: it created /controller and bumped /controller_epoch in one multi",
                    ("controllerId", c.ControllerId), ("epoch", c.Epoch));
                break;
            case ControllerFailoverCompleted f:
                _timeline.Note($"controller {f.ControllerId} (epoch {f.Epoch}) loaded {f.Brokers} live broker(s) and {f.Partitions} partition(s) " +
                               $"in {f.Load.TotalMilliseconds:0} ms and sent every broker UpdateMetadata with its epoch");
                break;
            case ControllerResigned r:
                _timeline.Event("controller-lost", $"controller {r.ControllerId} resigned epoch {r.Epoch}: {r.Reason}",
                    ("controllerId", r.ControllerId), ("epoch", r.Epoch), ("reason", r.Reason));
                break;
            case BrokerJoined j:
                _timeline.Note($"controller {j.ControllerId} sees broker {j.BrokerId} join (broker epoch {j.BrokerEpoch})");
                break;
            case BrokerLost l:
                _timeline.Event("broker-lost", $"controller {l.ControllerId} sees broker {l.BrokerId} gone from /brokers/ids: it re-elects the leaders it held",
                    ("brokerId", l.BrokerId), ("controllerId", l.ControllerId));
                break;
            case LeaderElected l:
                _timeline.Event("leader-elected",
                    $"controller {l.ControllerId}: {l.Partition} leader {l.Leader}, leader epoch {l.LeaderEpoch}, isr [{AdminFormat.Ids(l.Isr)}]" +
                    (l.Unclean ? " (unclean: the leader was not in the ISR)" : ""),
                    ("topic", l.Partition.Topic), ("partition", l.Partition.Partition), ("leader", l.Leader), ("leaderEpoch", l.LeaderEpoch),
                    ("isr", AdminFormat.IdsJson(l.Isr)), ("controllerId", l.ControllerId));
                break;
            case PartitionOffline o:
                _timeline.Event("partition-offline", $"controller {o.ControllerId}: {o.Partition} is offline, no live replica is in its ISR",
                    ("topic", o.Partition.Topic), ("partition", o.Partition.Partition));
                break;
            case ControlRequestsResent r:
                _timeline.Note($"controller {r.ControllerId} sends broker {r.BrokerId} its {r.Requests} unanswered request(s) again (attempt {r.Attempt})");
                break;
            case StaleEpochRejected r:
                var kind = r.Kind.ToString().ToLowerInvariant();
                var where = r.Partition is { } tp ? $" for {tp}" : "";
                (string, JsonNode?)[] fields =
                [
                    ("receiver", r.BrokerId), ("kind", kind), ("staleEpoch", r.StaleEpoch), ("currentEpoch", r.CurrentEpoch), ("request", r.Request),
                    .. r.Partition is { } partition ? [("topic", partition.Topic), ("partition", partition.Partition)] : Array.Empty<(string, JsonNode?)>(),
                ];
                _timeline.Event("stale-epoch-rejected",
                    $"broker {r.BrokerId} rejected {r.Request}{where}: {kind} epoch {r.StaleEpoch} is stale, it knows epoch {r.CurrentEpoch}", fields);
                break;
            case BrokerStopped s:
                _timeline.Note($"broker {s.BrokerId} stopped: {s.Reason}");
                break;
        }
    }
}
