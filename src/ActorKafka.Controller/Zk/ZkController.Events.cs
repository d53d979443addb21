using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller;

// The active controller's events: broker and topic changes, admin requests, controlled shutdown.
public sealed partial class ZkController
{
    private async Task OnWatchAsync(WatchedEvent e)
    {
        switch (e.Path)
        {
            case ZkPaths.BrokerIds when e.Type == WatchEventType.NodeChildrenChanged:
                await BrokerChangeAsync();
                break;
            case ZkPaths.Topics when e.Type == WatchEventType.NodeChildrenChanged:
                await TopicChangeAsync();
                break;
            case ZkPaths.AdminPreferredReplicaElection:
                await PreferredElectionAdminAsync();
                break;
            case ZkPaths.IsrChangeNotification when e.Type == WatchEventType.NodeChildrenChanged:
                await IsrChangeAsync();
                break;
            case ZkPaths.Controller:
                await MaybeResignAsync();
                break;
        }
    }

    /// <summary>
    /// Kafka's ControllerChangeHandler: /controller changed under an active controller. If it no
    /// longer names this broker (a KRaft controller took over in a migration, or this one's session
    /// was replaced), resign now rather than at the next fenced write: an idle zombie learns too.
    /// </summary>
    private async Task MaybeResignAsync()
    {
        var holder = await _store.Request(new GetDataRequest(ZkPaths.Controller, Watch: true)) is GetDataResponse data
                     && ZkData.DecodeController(data.Data).TryGetValue(out var znode) ? znode : null;
        if (holder is { KraftControllerEpoch: ControllerZNode.NoKraftControllerEpoch } && holder.BrokerId == Id) return;
        Resign(holder is null ? "/controller is gone" :
            holder.KraftControllerEpoch != ControllerZNode.NoKraftControllerEpoch ? $"KRaft controller {holder.BrokerId} holds /controller"
            : $"broker {holder.BrokerId} holds /controller");
    }

    /// <summary>Kafka's BrokerChange: diff the registered brokers (a changed epoch is a bounce: dead, then new).</summary>
    private async Task BrokerChangeAsync()
    {
        var ctx = _context!;
        var registered = await ReadBrokersAsync(await Children(ZkPaths.BrokerIds, watch: true));
        var dead = ctx.LiveBrokers.Keys.Where(id => !registered.TryGetValue(id, out var now) || now.BrokerEpoch != ctx.LiveBrokers[id].BrokerEpoch).ToHashSet();
        var joined = registered.Keys.Where(id => !ctx.LiveBrokers.TryGetValue(id, out var before) || before.BrokerEpoch != registered[id].BrokerEpoch).ToHashSet();

        foreach (var id in dead)
        {
            ctx.LiveBrokers.Remove(id);
            ctx.ShuttingDown.Remove(id);
            _brokers.Remove(id);
            _channel.RemoveBroker(id);
            Context.System.EventStream.Publish(new BrokerLost(Id, id));
        }
        if (dead.Count > 0) await ApplyAsync(c => c.OnBrokersFailed(dead));

        if (joined.Count == 0) return;
        foreach (var id in joined)
        {
            ctx.LiveBrokers[id] = registered[id];
            Context.System.EventStream.Publish(new BrokerJoined(Id, id, registered[id].BrokerEpoch));
        }
        // Kafka's onBrokerStartup: metadata to everyone, then the new brokers' replicas (as followers
        // where another leads: a replacement with a lost broker's id takes its place at once). They
        // rejoin ISRs when their leaders propose it, once they have caught up.
        Send(UpdateMetadataFor(ctx.States.Keys.ToArray()));
        Send(LeaderAndIsrFor(ctx.States.Keys.Where(tp => ctx.Replicas(tp).Any(joined.Contains)).ToArray(), joined));
        await ApplyAsync(c => c.ElectOfflinePartitions());
    }

    private async Task TopicChangeAsync()
    {
        var ctx = _context!;
        var topics = await Children(ZkPaths.Topics, watch: true);
        var added = topics.Where(t => !ctx.Topics.ContainsKey(t)).ToArray();
        if (added.Length == 0) return;
        await LoadTopicsAsync(added, ctx);
        var partitions = added.Where(ctx.Topics.ContainsKey)
            .SelectMany(t => ctx.Topics[t].Assignment.Keys.Select(p => new TopicPartition(t, p))).ToArray();
        // Kafka creates the parents outside the fenced multi; only the state znode needs the epoch check.
        await EnsurePathsAsync(added.Select(ZkPaths.TopicPartitions).ToArray());
        await EnsurePathsAsync(partitions.Select(tp => ZkPaths.Partition(tp.Topic, tp.Partition)).ToArray());
        await ApplyAsync(c => c.InitializeNewPartitions(partitions));
    }

    /// <summary>Creates persistent znodes that may already exist, many in flight at once.</summary>
    private async Task EnsurePathsAsync(IReadOnlyList<string> paths)
    {
        var replies = await _store.Pipelined(paths.Select(p => (ZkRequest)new CreateRequest(p, Array.Empty<byte>())).ToArray(), _settings.MaxWritesInFlight);
        if (replies.OfType<ErrorResponse>().FirstOrDefault(e => e.Code != ZkErrorCode.NodeExists) is { } failed) throw new KeeperException(failed);
    }

    private async Task PreferredElectionAdminAsync()
    {
        var reply = await _store.Request(new GetDataRequest(ZkPaths.AdminPreferredReplicaElection, Watch: true));
        if (reply is not GetDataResponse data)
        {
            await _store.Request(new ExistsRequest(ZkPaths.AdminPreferredReplicaElection, Watch: true));
            return;
        }
        var partitions = ZkData.DecodePreferredReplicaElection(data.Data).TryGetValue(out var requested) ? requested : Array.Empty<TopicPartition>();
        await ApplyAsync(c => c.ElectPreferred(partitions));
        await _store.Request(new DeleteRequest(ZkPaths.AdminPreferredReplicaElection));
        await _store.Request(new ExistsRequest(ZkPaths.AdminPreferredReplicaElection, Watch: true));
    }

    private async Task ElectPreferredAsync(ElectPreferredLeaders request, IActorRef replyTo)
    {
        var ctx = _context!;
        var partitions = request.Partitions.Length == 0 ? ctx.States.Keys.ToArray() : request.Partitions;
        var written = await ApplyAsync(c => c.ElectPreferred(partitions));
        replyTo.Tell(new ElectLeadersResult(ControlError.None, written.Count));
    }

    private async Task ControlledShutdownAsync(ControlledShutdownRequest request, IActorRef replyTo)
    {
        var ctx = _context!;
        if (!ctx.LiveBrokers.TryGetValue(request.BrokerId, out var broker))
        {
            replyTo.Tell(new ControlledShutdownResponse(ControlError.BrokerNotAvailable, Array.Empty<TopicPartition>(), $"broker {request.BrokerId} is not registered"));
            return;
        }
        if (request.BrokerEpoch < broker.BrokerEpoch)
        {
            replyTo.Tell(new ControlledShutdownResponse(ControlError.StaleBrokerEpoch, Array.Empty<TopicPartition>(),
                $"broker epoch {request.BrokerEpoch} is older than {broker.BrokerEpoch}"));
            return;
        }
        var written = await ApplyAsync(c => c.ControlledShutdown(request.BrokerId).Changes);
        // What it still leads as written (a change left out because its partition moved is planned again, so this is exact).
        var remaining = ctx.States.Where(s => s.Value.Leader == request.BrokerId).Select(s => s.Key).ToArray();
        // The stopping broker stops following every partition it no longer leads or is in the ISR of.
        var stopped = written.Where(c => ctx.Replicas(c.Partition).Contains(request.BrokerId)).Select(c => c.Partition).ToArray();
        if (stopped.Length > 0)
            Send([new BrokerRequest(broker.BrokerId, BrokerRef(broker), new StopReplicaRequest(Id, ctx.Epoch, broker.BrokerEpoch, stopped, false))]);
        replyTo.Tell(new ControlledShutdownResponse(ControlError.None, remaining));
    }

    /// <summary>
    /// Plans changes on the context, writes them (fenced), records them, announces elections, and
    /// tells the brokers: LeaderAndIsr to the replicas of partitions whose leadership changed,
    /// UpdateMetadata to all. A change refused because its partition's version moved (its leader
    /// changed the ISR since the controller cached it) is re-read and planned again on the fresh
    /// state, as Kafka's state machines retry after BadVersion, a bounded number of times.
    /// </summary>
    private async Task<List<PartitionChange>> ApplyAsync(Func<ControllerContext, IReadOnlyList<PartitionChange>> plan)
    {
        var ctx = _context!;
        var written = new List<PartitionChange>();
        var changes = plan(ctx);
        for (var attempt = 1; changes.Count > 0; attempt++)
        {
            var done = await WriteAsync(changes);
            written.AddRange(done);
            var moved = changes.Select(c => c.Partition).Except(done.Select(c => c.Partition)).ToHashSet();
            if (moved.Count == 0) break;
            if (attempt == MaxWriteAttempts)
            {
                _log.Warning("Controller {0}: {1} partitions kept moving underneath its writes ({2}); left for the next event", Id, moved.Count,
                    string.Join(", ", moved.Take(5)));
                break;
            }
            await RefreshStatesAsync(moved.ToArray());
            changes = plan(ctx).Where(c => moved.Contains(c.Partition)).ToList();
        }
        return written;
    }

    private const int MaxWriteAttempts = 3;

    private async Task<List<PartitionChange>> WriteAsync(IReadOnlyList<PartitionChange> changes)
    {
        var ctx = _context!;
        List<PartitionChange> written;
        try
        {
            written = await _store.WriteStates(changes, ctx.EpochZkVersion);
        }
        catch (KeeperException e) when (e.Code == ZkErrorCode.SessionExpired)
        {
            // As Kafka's ZooKeeper client does, continue on a new session; the epoch check still fences us.
            await RenewSessionAsync();
            written = await _store.WriteStates(changes, ctx.EpochZkVersion);
        }
        foreach (var change in written)
        {
            ctx.States[change.Partition] = change.After;
            if (change.IsrOnly) continue;
            if (change.After.HasLeader)
                Context.System.EventStream.Publish(new LeaderElected(Id, change.Partition, change.After.Leader, change.After.LeaderEpoch,
                    change.After.Isr.ToArray(), Unclean: change.Before is not null && !change.Before.Isr.Contains(change.After.Leader)));
            else Context.System.EventStream.Publish(new PartitionOffline(Id, change.Partition));
        }
        Send(LeaderAndIsrFor(written.Where(c => !c.IsrOnly).Select(c => c.Partition).ToArray(), onlyBrokers: null));
        Send(UpdateMetadataFor(written.Select(c => c.Partition).ToArray()));
        return written;
    }

    private ActorSelection BrokerRef(BrokerInfo broker)
    {
        if (!_brokers.TryGetValue(broker.BrokerId, out var selection))
            _brokers[broker.BrokerId] = selection = Context.ActorSelection(ActorNames.BrokerPath(broker.ActorAddress));
        return selection;
    }

    private List<BrokerRequest> LeaderAndIsrFor(IReadOnlyCollection<TopicPartition> partitions, IReadOnlySet<int>? onlyBrokers)
    {
        var ctx = _context!;
        var requests = new List<BrokerRequest>();
        if (partitions.Count == 0) return requests;
        foreach (var broker in ctx.LiveBrokers.Values)
        {
            if (onlyBrokers is not null && !onlyBrokers.Contains(broker.BrokerId)) continue;
            var states = partitions.Where(tp => ctx.States.ContainsKey(tp) && ctx.Replicas(tp).Contains(broker.BrokerId)).Select(ctx.StateInfo);
            foreach (var chunk in states.Chunk(_settings.MaxPartitionsPerRequest))
                requests.Add(new BrokerRequest(broker.BrokerId, BrokerRef(broker), new LeaderAndIsrRequest(Id, ctx.Epoch, broker.BrokerEpoch, chunk)));
        }
        return requests;
    }

    private List<BrokerRequest> UpdateMetadataFor(IReadOnlyCollection<TopicPartition> partitions)
    {
        var ctx = _context!;
        var live = ctx.LiveBrokers.Values.OrderBy(b => b.BrokerId).ToArray();
        var states = partitions.Where(ctx.States.ContainsKey).Select(ctx.StateInfo).ToArray();
        var requests = new List<BrokerRequest>();
        foreach (var broker in live)
        {
            // An empty partition list still carries the live brokers.
            var chunks = states.Length == 0 ? new[] { Array.Empty<PartitionStateInfo>() } : states.Chunk(_settings.MaxPartitionsPerRequest);
            foreach (var chunk in chunks)
                requests.Add(new BrokerRequest(broker.BrokerId, BrokerRef(broker), new UpdateMetadataRequest(Id, ctx.Epoch, broker.BrokerEpoch, chunk, live)));
        }
        return requests;
    }

    /// <summary>Sends each request through the channel, which keeps it until its broker answers.</summary>
    private void Send(List<BrokerRequest> requests)
    {
        foreach (var (brokerId, to, request) in requests) _channel.Send(brokerId, to, request, Self);
    }

    /// <summary>A request for one broker, at its broker actor.</summary>
    private readonly record struct BrokerRequest(int BrokerId, ActorSelection To, IBrokerControlRequest Request);
}
