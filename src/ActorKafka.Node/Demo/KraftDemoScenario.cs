using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using ActorKafka.Raft;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Node.Demo;

/// <summary>
/// The zk story told in KRaft mode, every node its own ActorSystem: three controllers (Raft
/// voters) elect a leader whose controller becomes active; brokers (Raft observers) register, catch
/// up with the metadata log and are unfenced; a duplicate id is refused; a topic is created; the
/// broker leading most partitions is killed and fenced after its session timeout; the active
/// controller and its voter are paused, a standby takes over in the next Raft epoch from its image;
/// the zombie wakes first without its voter and answers the heartbeats that queued at it with its
/// old epoch, which every broker rejects, then its voter wakes and it renounces; the new active
/// controller's node is killed and another takes over. Last, the partitions and the quorum. From
/// the topic's creation to the end a producer writes with acks=all (<see cref="DemoTraffic"/>);
/// every record it had acknowledged is looked for at its offset before the summary.
/// </summary>
internal sealed partial class KraftDemoScenario
{
    public const string Topic = "orders";

    /// <summary>
    /// Short Raft and session timings (as the cluster tests use): elections in under a second,
    /// brokers heartbeating every 250 ms and fenced 1.5 s after their last one. That a paused
    /// leader is replaced only after fetch-timeout (600 ms), more than a heartbeat interval, is what
    /// makes every broker send a heartbeat into the paused controller's mailbox before it moves on.
    /// </summary>
    public static readonly string Timings = NodeConfig.FastSessionsHocon;

    /// <summary>Far above what any step needs with these timings (a few seconds), far below "hung".</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly Timeline _timeline;
    private readonly DemoOptions _options;
    private readonly DemoEventLog _log;
    private readonly SortedSet<int> _brokers = new();
    private KraftCluster _cluster = null!;
    private long _correlation;

    /// <summary>Controller nodes killed so far; read by wait conditions on the log's threads, so replaced, never mutated.</summary>
    private ImmutableHashSet<int> _killed = ImmutableHashSet<int>.Empty;

    public KraftDemoScenario(Timeline timeline, DemoOptions options)
    {
        _timeline = timeline;
        _options = options;
        _log = new DemoEventLog(Print);
    }

    public async Task RunAsync(string dataDir)
    {
        var voters = Enumerable.Range(KraftCluster.FirstControllerId, DemoOptions.KraftControllers).ToArray();
        _timeline.Note($"starting {voters.Length} controller nodes, the Raft voters {Ids(voters)}, each its own ActorSystem with its own SQLite log (data dir {dataDir})");
        var hocon = Timings + "\n" + StderrLogger.Hocon + "\n" + DemoTraffic.BrokerHocon(_options.ReplicationFactor);
        var cluster = await KraftCluster.StartAsync(dataDir, DemoOptions.KraftControllers, [], hocon,
            fastFailureDetection: true, logLevel: CliDefaults.LogLevel, beforeRoles: Attach).ConfigureAwait(false);
        await using (cluster.ConfigureAwait(false))
        {
            _cluster = cluster;
            _timeline.Note("voters up: " + string.Join(", ", cluster.Controllers.Select(c => $"{c.NodeId} at {AddressOf(c)}")));
            await AwaitControllerAsync(afterEpoch: 0).ConfigureAwait(false);
            await StartBrokersAsync().ConfigureAwait(false);
            await RefuseDuplicateAsync().ConfigureAwait(false);
            await CreateTopicAsync().ConfigureAwait(false);
            var traffic = DemoTraffic.Start(cluster.Brokers.Select(AddressOf), Topic, _options.Partitions, _options.ReplicationFactor, _timeline);
            await using (traffic.ConfigureAwait(false))
            {
                await KillLeadingBrokerAsync().ConfigureAwait(false);
                await traffic.AwaitAcknowledgedAgainAsync(await LiveLedPartitionsAsync().ConfigureAwait(false), Bound).ConfigureAwait(false);
                var (zombie, successor) = await PauseActiveControllerAsync().ConfigureAwait(false);
                await ResumeZombieAsync(zombie, successor).ConfigureAwait(false);
                await KillControllerNodeAsync(await AwaitControllerAsync(afterEpoch: 0).ConfigureAwait(false)).ConfigureAwait(false);
                var records = await traffic.StopAndVerifyAsync(_brokers.Select(id => AddressOf(_cluster[id])),
                    await LiveLedPartitionsAsync().ConfigureAwait(false), Bound).ConfigureAwait(false);
                await SummarizeAsync(records).ConfigureAwait(false);
            }
        }
    }

    private void Attach(int nodeId, ActorSystem system) => _log.Attach(system);

    private async Task StartBrokersAsync()
    {
        for (var id = 1; id <= _options.Brokers; id++)
        {
            var node = await _cluster.StartBrokerAsync(id, Attach).ConfigureAwait(false);
            ObserverViews.Watch(node, _log);
            _brokers.Add(id);
            _timeline.Note($"broker {id}'s node joined the Akka cluster at {AddressOf(node)}: its Raft observer fetches the metadata log, " +
                           "its broker registers with the active controller");
        }
        var ids = _brokers.ToArray();
        await _log.WaitUntilAsync(events => events.OfType<BrokerRegistrationRejected>().Any(r => ids.Contains(r.BrokerId))
                                            || ids.All(id => events.Any(e => e is BrokerUnfenced u && u.BrokerId == id)),
            Bound, $"brokers {Ids(ids)} to be unfenced").ConfigureAwait(false);
        if (_log.Snapshot().OfType<BrokerRegistrationRejected>().FirstOrDefault() is { } rejected)
            throw new InvalidOperationException($"broker {rejected.BrokerId} could not register: {rejected.Error} " +
                                                "(a registration from an earlier run on this data dir holds the id until its session times out; retry, or use a fresh --data-dir)");
    }

    /// <summary>A second node configured with a live broker's id: the controller refuses it as a duplicate and it stops.</summary>
    private async Task RefuseDuplicateAsync()
    {
        var id = _brokers.Skip(1).First();
        _timeline.Note($"starting one more broker node, misconfigured with broker id {id}: it registers with a new incarnation id " +
                       $"while broker {id} still heartbeats");
        var mark = _log.Count;
        var impostor = await _cluster.StartImpostorAsync(id, Attach).ConfigureAwait(false);
        try
        {
            await _log.WaitUntilAsync(events => events.Skip(mark).Any(e => e is BrokerRegistrationRejected r && r.BrokerId == id), Bound,
                $"the second broker {id} to be refused").ConfigureAwait(false);
        }
        finally
        {
            await impostor.System.Terminate().ConfigureAwait(false);
        }
        var held = (await DescribeAsync(maxPartitions: 0).ConfigureAwait(false)).Brokers.Single(b => b.BrokerId == id);
        _timeline.Note($"the intruder's node is stopped; broker {id} keeps its registration (broker epoch {held.BrokerEpoch}, {(held.Fenced ? "fenced" : "unfenced")})");
    }

    private async Task CreateTopicAsync()
    {
        var attempts = 0;
        var response = await RequestAsync<CreateTopicsResponse>(id =>
        {
            attempts++;
            return new CreateTopicsRequest(id, [new CreatableTopic(Topic, _options.Partitions, (short)_options.ReplicationFactor)]);
        }).ConfigureAwait(false);
        var result = response.Topics.Single();
        // A controller deposed while appending answers NotController, yet its records may have committed: then the retry finds the topic.
        var createdByEarlierAttempt = attempts > 1 && result.Error == ControlError.TopicAlreadyExists;
        if (result.Error != ControlError.None && !createdByEarlierAttempt)
            throw new InvalidOperationException($"could not create topic {Topic}: {result.Error} {result.Message}" +
                                                (result.Error == ControlError.TopicAlreadyExists ? " (this data dir holds an earlier run: use a fresh --data-dir)" : ""));
        var partitions = await PartitionsAsync().ConfigureAwait(false);
        _timeline.Note($"controller {response.ControllerId} created topic {Topic} ({_options.Partitions} partitions, replication factor {_options.ReplicationFactor}" +
                       (createdByEarlierAttempt ? "" : $", id {result.TopicId}") + "), placing the replicas and leaders itself, and answered once the records committed: " +
                       string.Join(" ", partitions.Select(p => $"{p.TopicPartition}=[{AdminFormat.Ids(p.Replicas)}] leader {p.Leader}")));
    }

    private async Task KillLeadingBrokerAsync()
    {
        var partitions = await PartitionsAsync().ConfigureAwait(false);
        var victim = _brokers.OrderByDescending(id => partitions.Count(p => p.Leader == id)).ThenBy(id => id).First();
        var led = partitions.Where(p => p.Leader == victim).Select(p => p.TopicPartition).ToArray();
        var session = QuorumControllerSettings.From(_cluster.Controllers.First().System.Settings.Config, 0).BrokerSessionTimeout;
        _timeline.Note($"killing broker {victim}'s node, leader of {led.Length} partition(s) ({string.Join(", ", led)}): its heartbeats stop, " +
                       $"and the controller fences it once its {session.TotalMilliseconds:0} ms session runs out");
        var mark = _log.Count;
        await _cluster.KillAsync(victim).ConfigureAwait(false);
        _brokers.Remove(victim);
        _timeline.Note($"broker {victim}'s node has terminated");
        await _log.WaitUntilAsync(events =>
            {
                var after = events.Skip(mark).ToArray();
                return after.Any(e => e is BrokerLost l && l.BrokerId == victim)
                       && led.All(tp => after.Any(e => e is LeaderElected l && l.Partition == tp || e is PartitionOffline o && o.Partition == tp));
            }, Bound, $"the controller to fence broker {victim} and move its leaderships").ConfigureAwait(false);
        var moved = _log.Snapshot().Skip(mark).OfType<LeaderElected>().Where(l => led.Contains(l.Partition))
            .GroupBy(l => l.Partition).Select(g => $"{g.Key} -> {g.Last().Leader}");
        _timeline.Note($"broker {victim}'s leaderships moved: {string.Join(", ", moved)}");
    }

    private async Task<(ControllerElected Zombie, ControllerElected Successor)> PauseActiveControllerAsync()
    {
        var zombie = await AwaitControllerAsync(afterEpoch: 0).ConfigureAwait(false);
        var node = _cluster[zombie.ControllerId];
        _timeline.Note($"pausing controller {zombie.ControllerId} (active in epoch {zombie.Epoch}) and its Raft voter, as a long GC pause of its node would: " +
                       "the voter stops answering fetches, and the brokers' heartbeats wait unanswered in the paused controller's mailbox");
        node.Controller!.Tell(PauseController.Instance);
        node.Raft.Tell(PauseVoter.Instance);

        var successor = await AwaitControllerAsync(afterEpoch: zombie.Epoch).ConfigureAwait(false);
        var status = await _cluster[successor.ControllerId].Controller!.Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, Bound)
            .ConfigureAwait(false);
        _timeline.Note($"controller {successor.ControllerId} took over in epoch {successor.Epoch} from the image it kept current as a standby, " +
                       $"nothing reloaded: committed offset {status.CommittedOffset}, {status.Brokers} brokers, {status.Partitions} partitions");

        // The zombie's answers count as stale only to a broker that has seen the new epoch: wait until each one has.
        var brokers = _brokers.ToArray();
        await _log.WaitUntilAsync(events => brokers.All(id => events.Any(e => e is ObserverFollows { LeaderId: not null } f
                                                                             && f.BrokerId == id && f.Epoch >= successor.Epoch)),
            Bound, $"brokers {Ids(brokers)} to follow the leader of epoch {successor.Epoch}").ConfigureAwait(false);
        _timeline.Note($"brokers {Ids(brokers)} follow controller {successor.ControllerId} in epoch {successor.Epoch}; " +
                       $"controller {zombie.ControllerId}, still paused, believes it is active in epoch {zombie.Epoch}");
        return (zombie, successor);
    }

    /// <summary>
    /// The controller wakes before its voter, so for a moment it still believes it leads: it
    /// answers the heartbeats queued in its mailbox, stamped with its old epoch, and each broker
    /// refuses them. Then the voter wakes, hears of the new epoch, and the controller renounces.
    /// </summary>
    private async Task ResumeZombieAsync(ControllerElected zombie, ControllerElected successor)
    {
        var node = _cluster[zombie.ControllerId];
        var brokers = _brokers.ToArray();
        var mark = _log.Count;
        _timeline.Note($"resuming controller {zombie.ControllerId} alone, its voter still paused: a zombie that believes it is active in epoch {zombie.Epoch}, " +
                       "it answers the heartbeats that queued while it slept");
        node.Controller!.Tell(ResumeController.Instance);
        await _log.WaitUntilAsync(events => brokers.All(id => events.Skip(mark).Any(e => e is StaleEpochRejected { Kind: StaleEpochKind.Controller } r
                                                                                         && r.BrokerId == id && r.StaleEpoch == zombie.Epoch)),
            Bound, $"brokers {Ids(brokers)} to reject an answer of controller {zombie.ControllerId} stamped with epoch {zombie.Epoch}").ConfigureAwait(false);
        _timeline.Note($"brokers {Ids(brokers)} acted on none of the zombie's answers: they have seen epoch {successor.Epoch}");

        _timeline.Note($"resuming controller {zombie.ControllerId}'s Raft voter: it hears of epoch {successor.Epoch} from the quorum and follows");
        node.Raft.Tell(ResumeVoter.Instance);
        await _log.WaitUntilAsync(events => events.Skip(mark).Any(e => e is ControllerResigned r && r.ControllerId == zombie.ControllerId && r.Epoch == zombie.Epoch),
            Bound, $"controller {zombie.ControllerId} to renounce epoch {zombie.Epoch}").ConfigureAwait(false);
        _timeline.Note($"the zombie is fenced: controller {zombie.ControllerId} is a standby again, replaying the log like the other standbys");
    }

    private async Task KillControllerNodeAsync(ControllerElected controller)
    {
        var remaining = _cluster.ControllerIds.Where(id => id != controller.ControllerId && !_killed.Contains(id)).ToArray();
        _timeline.Note($"killing controller {controller.ControllerId}'s node (active in epoch {controller.Epoch}): voters {Ids(remaining)} " +
                       $"are still a majority of {_cluster.ControllerIds.Count} and elect a new leader");
        _timeline.Event("controller-lost", $"controller {controller.ControllerId} (epoch {controller.Epoch}) is lost with its node",
            ("controllerId", controller.ControllerId), ("epoch", controller.Epoch), ("reason", "its node was killed"));
        _killed = _killed.Add(controller.ControllerId);
        await _cluster.KillAsync(controller.ControllerId).ConfigureAwait(false);
        _timeline.Note($"controller {controller.ControllerId}'s node has terminated");

        var next = await AwaitControllerAsync(afterEpoch: controller.Epoch).ConfigureAwait(false);
        // Replicating a batch of the new epoch means having fetched from its leader, which then lists the broker as an observer.
        var brokers = _brokers.ToArray();
        await _log.WaitUntilAsync(events => brokers.All(id => events.Any(e => e is ObserverReplicated r && r.BrokerId == id && r.Epoch >= next.Epoch)),
            Bound, $"brokers {Ids(brokers)} to replicate the log from controller {next.ControllerId}").ConfigureAwait(false);
        _timeline.Note($"brokers {Ids(brokers)} replicate the metadata log from controller {next.ControllerId} in epoch {next.Epoch}; " +
                       "no partition moved: a KRaft controller node hosts no replicas");
    }

    private async Task SummarizeAsync(RecordsVerified records)
    {
        var cluster = await DescribeAsync(_options.Partitions).ConfigureAwait(false);
        var quorum = await RequestAsync<DescribeQuorumResponse>(id => new DescribeQuorumRequest(id)).ConfigureAwait(false);
        var partitions = cluster.Partitions.Where(p => p.Topic == Topic).ToArray();
        var live = _brokers.ToArray();
        var elections = _log.Snapshot().OfType<ControllerElected>().Select(e => $"{e.ControllerId} (epoch {e.Epoch})");
        IReadOnlyList<string> text =
        [
            "",
            $"controllers in turn: {string.Join(" -> ", elections)}",
            $"controller now: {cluster.ControllerId}, epoch {cluster.ControllerEpoch}; live brokers: {AdminFormat.Ids(live)}",
            records.Line(),
            $"partitions of {Topic} at the end:",
            .. KraftAdminFormat.PartitionTable(partitions).Select(line => "  " + line),
            .. KraftAdminFormat.Quorum(quorum, "metadata quorum at the end"),
        ];
        _timeline.Finish(text,
            ("controller", new JsonObject { ["id"] = cluster.ControllerId, ["epoch"] = cluster.ControllerEpoch }),
            ("liveBrokers", AdminFormat.IdsJson(live)),
            ("partitions", KraftAdminFormat.PartitionsJson(partitions)),
            ("quorum", KraftAdminFormat.QuorumJson(quorum)),
            ("records", records.Json()));
    }

    private async Task<TopicPartition[]> LiveLedPartitionsAsync() =>
        (await PartitionsAsync().ConfigureAwait(false)).Where(p => _brokers.Contains(p.Leader)).Select(p => p.TopicPartition).ToArray();

    private async Task<IReadOnlyList<PartitionStateInfo>> PartitionsAsync() =>
        (await DescribeAsync(_options.Partitions).ConfigureAwait(false)).Partitions.Where(p => p.Topic == Topic).ToArray();

    private Task<DescribeClusterResponse> DescribeAsync(int maxPartitions) =>
        RequestAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, maxPartitions));

    /// <summary>
    /// A request to the controller the story knows is active. A busy machine can delay a voter past
    /// its fetch timeout and cause an election the story did not ask for: a controller deposed that
    /// way answers NotController once it knows, and renounces; the request then goes to the newest
    /// one, once the election under way has made one active.
    /// </summary>
    private async Task<T> RequestAsync<T>(Func<long, IQuorumControllerRequest> build) where T : IQuorumControllerResponse
    {
        while (true)
        {
            var controller = await AwaitControllerAsync(afterEpoch: 0).ConfigureAwait(false);
            var response = await _cluster[controller.ControllerId].Controller!.Ask<IQuorumControllerResponse>(build(++_correlation), Bound).ConfigureAwait(false);
            if (response.Error == ControlError.NotController)
            {
                await _log.WaitUntilAsync(events => events.Any(e => e is ControllerResigned r && r.ControllerId == controller.ControllerId && r.Epoch == controller.Epoch),
                    Bound, $"controller {controller.ControllerId}, which says it is no longer active, to renounce epoch {controller.Epoch}").ConfigureAwait(false);
                continue;
            }
            if (response is T typed && (response.Error == ControlError.None || response is CreateTopicsResponse)) return typed;
            throw new InvalidOperationException($"controller {controller.ControllerId} answered {response.GetType().Name} with {response.Error}");
        }
    }

    /// <summary>Controllers elected and neither renounced since nor killed, newest epoch first.</summary>
    private IEnumerable<ControllerElected> ActiveControllers(IReadOnlyList<object> events)
    {
        var killed = _killed;
        return events.OfType<ControllerElected>()
            .Where(e => !killed.Contains(e.ControllerId)
                        && !events.OfType<ControllerResigned>().Any(r => r.ControllerId == e.ControllerId && r.Epoch == e.Epoch))
            .OrderByDescending(e => e.Epoch);
    }

    /// <summary>Waits for a controller to become active in an epoch above <paramref name="afterEpoch"/>.</summary>
    private async Task<ControllerElected> AwaitControllerAsync(int afterEpoch)
    {
        ControllerElected? Active(IReadOnlyList<object> events) => ActiveControllers(events).FirstOrDefault(e => e.Epoch > afterEpoch);
        await _log.WaitUntilAsync(events => Active(events) is not null, Bound,
            afterEpoch == 0 ? "a controller to become active" : $"a controller to become active in an epoch above {afterEpoch}").ConfigureAwait(false);
        return Active(_log.Snapshot())!;
    }

    private static Address AddressOf(KraftNode node) => AkkaCluster.Get(node.System).SelfAddress;

    private static string Ids(IEnumerable<int> ids) => string.Join(", ", ids);
}
