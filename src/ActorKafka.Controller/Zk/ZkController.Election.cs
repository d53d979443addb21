using System.Diagnostics;
using System.Text;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller;

// Election and failover: claim /controller with an epoch bump, then load and push the cluster state.
public sealed partial class ZkController
{
    private async Task ElectAsync()
    {
        if (_context is not null) return;
        var clock = Stopwatch.StartNew();
        try
        {
            if (_client is null) await RenewSessionAsync();
            foreach (var path in ZkPaths.PersistentPaths) await _client!.EnsurePathAsync(path, _settings.StoreRequestTimeout);
            var created = await _store.Request(new CreateRequest(ZkPaths.ControllerEpoch, Encoding.UTF8.GetBytes("0")));
            if (created is ErrorResponse { Code: not ZkErrorCode.NodeExists } createFailed) throw new KeeperException(createFailed);
            if (await MigrationOwnsClusterAsync()) return;

            var current = await _client!.SendAsync<GetDataResponse>(new GetDataRequest(ZkPaths.ControllerEpoch), _settings.StoreRequestTimeout);
            var epoch = ZkData.DecodeControllerEpoch(current.Data).TryGetValue(out var stored) ? stored : 0;
            var claim = new MultiRequest(new ZkRequest[]
            {
                new CreateRequest(ZkPaths.Controller, ZkData.EncodeController(new ControllerZNode(Id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())), CreateMode.Ephemeral),
                new SetDataRequest(ZkPaths.ControllerEpoch, Encoding.UTF8.GetBytes((epoch + 1).ToString()), current.Stat.Version),
            });
            if (await _store.Request(claim) is MultiResponse { FirstError: null } won)
            {
                var epochZkVersion = ((SetDataResponse)won.Results[1]).Stat.Version;
                _context = new ControllerContext(Id, epoch + 1, epochZkVersion, _settings.UncleanLeaderElectionEnable);
                _log.Info("Broker {0} is the controller with epoch {1}", Id, epoch + 1);
                Context.System.EventStream.Publish(new ControllerElected(Id, epoch + 1));
                Become(Active);
                await Guarded(() => FailoverAsync(clock.Elapsed));
                return;
            }
            // Lost the race: watch /controller and race again when it goes.
            var exists = await _client!.SendAsync<ExistsResponse>(new ExistsRequest(ZkPaths.Controller, Watch: true), _settings.StoreRequestTimeout);
            if (exists.Stat is null) Self.Tell(Elect.Instance);
        }
        catch (Exception e) when (e is KeeperException or AskTimeoutException)
        {
            _log.Warning("Controller {0}: election attempt failed ({1}); retrying", Id, e.Message);
            DropSession();
            Timers.StartSingleTimer("elect-retry", Elect.Instance, _settings.Client.ReconnectInterval);
        }
    }

    /// <summary>
    /// KIP-866: while a migration owns the cluster this candidate stands aside, watching /migration
    /// (exists: its creation and its deletion) and /controller (data: a KRaft controller replacing
    /// another, or the operator deleting it on a rollback); any of them firing brings it back here.
    /// Checked before every claim, so a controller that resigned because a KRaft controller fenced
    /// its writes does not take /controller back either.
    /// </summary>
    private async Task<bool> MigrationOwnsClusterAsync()
    {
        var timeout = _settings.StoreRequestTimeout;
        var migration = await _client!.SendAsync<ExistsResponse>(new ExistsRequest(ZkPaths.Migration, Watch: true), timeout);
        var controller = await _client!.RequestAsync(new GetDataRequest(ZkPaths.Controller, Watch: true), timeout);
        if (controller is ErrorResponse { Code: not ZkErrorCode.NoNode } failed) throw new KeeperException(failed);
        var why = ZkMigrationGuard.WhyNotElect(migration.Stat is not null, (controller as GetDataResponse)?.Data);
        if (why is null)
        {
            _electionDeferredBecause = null;
            return false;
        }
        if (why != _electionDeferredBecause)
        {
            _log.Info("Controller candidate {0} does not stand for election: {1}", Id, why);
            Context.System.EventStream.Publish(new ControllerElectionDeferred(Id, why));
        }
        _electionDeferredBecause = why;
        return true;
    }

    /// <summary>Kafka's onControllerFailover: watch, load everything with pipelined reads, push metadata, run the state machines.</summary>
    private async Task FailoverAsync(TimeSpan election)
    {
        var ctx = _context!;
        var clock = Stopwatch.StartNew();
        // Watches first, so that no change between the reads and the watches is missed.
        var ids = await Children(ZkPaths.BrokerIds, watch: true);
        var topics = await Children(ZkPaths.Topics, watch: true);
        await _store.Request(new ExistsRequest(ZkPaths.AdminPreferredReplicaElection, Watch: true));
        await _store.Request(new ExistsRequest(ZkPaths.Controller, Watch: true));
        // ISR changes announced before the states are read below are in those states: their notifications only need deleting.
        var isrChanges = await Children(ZkPaths.IsrChangeNotification, watch: true);

        await LoadBrokersAsync(ids, ctx);
        await LoadTopicsAsync(topics, ctx);
        var partitions = ctx.AllPartitions.ToArray();
        var states = await _store.ReadData(partitions.Select(ZkPaths.PartitionState).ToArray());
        for (var i = 0; i < partitions.Length; i++)
            if (states[i] is GetDataResponse state && ZkData.DecodePartitionState(partitions[i], state.Data, state.Stat.Version).TryGetValue(out var leaderAndIsr))
                ctx.States[partitions[i]] = leaderAndIsr;
        var load = clock.Elapsed;

        clock.Restart();
        Send(UpdateMetadataFor(ctx.States.Keys.ToArray()));
        Send(LeaderAndIsrFor(ctx.States.Keys.ToArray(), onlyBrokers: null));
        var propagation = clock.Elapsed;
        // Kafka's onControllerFailover deletes the ISR change notifications it finds, for the same reason.
        await _store.DeleteFenced(isrChanges.Select(name => ZkPaths.IsrChangeNotification + "/" + name).ToArray(), ctx.EpochZkVersion);
        Context.System.EventStream.Publish(new ControllerFailoverCompleted(Id, ctx.Epoch, ctx.LiveBrokers.Count, partitions.Length, election, load, propagation));

        await ApplyAsync(c => c.InitializeNewPartitions(partitions));
        // Kafka's replica state machine startup: replicas on brokers that are not registered now
        // are offline, whether or not a previous controller saw them die.
        var offline = ctx.States.Keys.SelectMany(ctx.Replicas).Where(r => !ctx.LiveBrokers.ContainsKey(r)).ToHashSet();
        if (offline.Count > 0) await ApplyAsync(c => c.OnBrokersFailed(offline));
        await ApplyAsync(c => c.ElectOfflinePartitions());
        if (_settings.AutoLeaderRebalanceEnable)
            Timers.StartPeriodicTimer("imbalance", ImbalanceCheck.Instance, _settings.LeaderImbalanceCheckInterval);
        await PreferredElectionAdminAsync();
    }

    private async Task<IReadOnlyList<string>> Children(string path, bool watch) =>
        (await _client!.SendAsync<GetChildrenResponse>(new GetChildrenRequest(path, watch), _settings.StoreRequestTimeout)).Children;

    private async Task<Dictionary<int, BrokerInfo>> ReadBrokersAsync(IReadOnlyList<string> ids)
    {
        var replies = await _store.ReadData(ids.Select(id => ZkPaths.BrokerIds + "/" + id).ToArray());
        var brokers = new Dictionary<int, BrokerInfo>();
        for (var i = 0; i < ids.Count; i++)
            if (replies[i] is GetDataResponse data && int.TryParse(ids[i], out var id) && ZkData.DecodeBroker(id, data.Data, data.Stat.Czxid).TryGetValue(out var info))
                brokers[id] = info;
        return brokers;
    }

    private async Task LoadBrokersAsync(IReadOnlyList<string> ids, ControllerContext ctx)
    {
        foreach (var (id, info) in await ReadBrokersAsync(ids)) ctx.LiveBrokers[id] = info;
    }

    private async Task LoadTopicsAsync(IReadOnlyList<string> topics, ControllerContext ctx)
    {
        // Topic znodes hold every partition's assignment, so few go in one reply.
        var replies = await _store.ReadData(topics.SelectMany(t => new[] { ZkPaths.Topic(t), ZkPaths.ConfigTopic(t) }).ToArray(), perRequest: 8);
        for (var i = 0; i < topics.Count; i++)
        {
            if (replies[2 * i] is not GetDataResponse data || !ZkData.DecodeTopic(topics[i], data.Data).TryGetValue(out var topic)) continue;
            var config = replies[2 * i + 1] is GetDataResponse cfg && ZkData.DecodeTopicConfig(topics[i], cfg.Data).TryGetValue(out var c) ? c : null;
            var unclean = config is not null && config.TryGetValue("unclean.leader.election.enable", out var v)
                ? string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)
                : _settings.UncleanLeaderElectionEnable;
            ctx.Topics[topics[i]] = new TopicState(topic.TopicId, topic.Partitions, unclean);
        }
    }
}
