using System.Diagnostics;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller.Migration;

// The store side: the session, the claim, the copy, the sync and the dual write.
public sealed partial class MigrationDriver
{
    private readonly Dictionary<int, BrokerInfo> _zkBrokerInfo = new();

    private TimeSpan Timeout => _settings.StoreRequestTimeout;

    private async Task<IActorRef> SessionAsync()
    {
        if (_client is not null) return _client;
        _client = Context.ActorOf(CoordinationClient.Props(_settings.Client, owner: Self, watcher: Self), $"store-session-{++_sessions}");
        _sessionId = (await _client.Ask<SessionInfo>(GetSession.Instance, Timeout)).SessionId;
        return _client;
    }

    private async Task CloseSessionAsync()
    {
        if (_client is null) return;
        var client = _client;
        _client = null;
        _sessionId = 0;
        _zkBrokerInfo.Clear();
        _channel.Clear();
        // Closing (rather than letting the session time out) frees /controller for the next active driver now.
        try
        {
            await client.Ask<ZkResponse>(CloseSessionCommand.Instance, Timeout);
        }
        catch (AskTimeoutException)
        {
            // The store is unreachable: stopping the client below ends the session when it comes back.
        }
        Context.Stop(client);
    }

    private async Task<ZkResponse> RequestAsync(ZkRequest request) => await (await SessionAsync()).RequestAsync(request, Timeout);

    private async Task<T> SendAsync<T>(ZkRequest request) where T : ZkResponse =>
        CoordinationClientExtensions.Expect<T>(request, await RequestAsync(request));

    private async Task<MigrationInput> LoadZkBrokersAsync()
    {
        var ids = (await SendAsync<GetChildrenResponse>(new GetChildrenRequest(ZkPaths.BrokerIds, Watch: true))).Children;
        var replies = await ReadDataAsync(ids.Select(id => ZkPaths.BrokerIds + "/" + id).ToArray());
        var before = new Dictionary<int, BrokerInfo>(_zkBrokerInfo);
        _zkBrokerInfo.Clear();
        for (var i = 0; i < ids.Count; i++)
        {
            if (replies[i] is not GetDataResponse data || !int.TryParse(ids[i], out var id)) continue;
            if (ZkData.DecodeBroker(id, data.Data, data.Stat.Czxid).TryGetValue(out var info)) _zkBrokerInfo[id] = info;
            else _log.Warning("Migration driver {0}: zk broker {1} is unreachable: {2}", _settings.NodeId, id, ZkData.DecodeBroker(id, data.Data, 0).Error);
        }
        // What was pending for a broker that is gone, or registered again, is for an incarnation that will never answer.
        foreach (var (id, was) in before)
            if (!_zkBrokerInfo.TryGetValue(id, out var now) || now.BrokerEpoch != was.BrokerEpoch) _channel.RemoveBroker(id);
        return new ZkBrokersLoaded(_zkBrokerInfo.ToDictionary(b => b.Key, b => b.Value.BrokerEpoch));
    }

    /// <summary>
    /// Kafka's claimControllerLeadership: one multi deletes the zk controller's /controller,
    /// creates ours (ephemeral, with the Raft epoch) and bumps /controller_epoch conditionally on
    /// its version, which fences the zk-mode controller's every later write. A KRaft controller
    /// of a later Raft epoch already in /controller or /migration wins: this one is stale.
    /// </summary>
    private async Task<MigrationInput> ClaimAsync(ClaimZkController claim)
    {
        var client = await SessionAsync();
        foreach (var path in ZkPaths.PersistentPaths) await client.EnsurePathAsync(path, Timeout);

        var epochReply = await RequestAsync(new GetDataRequest(ZkPaths.ControllerEpoch));
        var (epoch, epochVersion) = epochReply switch
        {
            GetDataResponse d when ZkData.DecodeControllerEpoch(d.Data).TryGetValue(out var e) => (e, d.Stat.Version),
            GetDataResponse d => throw new MigrationStepException(ZkData.DecodeControllerEpoch(d.Data).Error!),
            ErrorResponse { Code: ZkErrorCode.NoNode } => (0, -1),
            ErrorResponse e => throw new KeeperException(e),
            _ => throw new MigrationStepException($"unexpected reply reading {ZkPaths.ControllerEpoch}"),
        };
        var controllerReply = await RequestAsync(new GetDataRequest(ZkPaths.Controller));
        var controllerVersion = -1;
        if (controllerReply is GetDataResponse current)
        {
            controllerVersion = current.Stat.Version;
            if (ZkData.DecodeController(current.Data).TryGetValue(out var holder) && holder.KraftControllerEpoch > claim.RaftEpoch)
                throw new MigrationStepException($"KRaft controller {holder.BrokerId} of Raft epoch {holder.KraftControllerEpoch} holds {ZkPaths.Controller}; this one is of epoch {claim.RaftEpoch}");
        }
        else if (controllerReply is ErrorResponse { Code: not ZkErrorCode.NoNode } failed) throw new KeeperException(failed);

        var (migration, migrationVersion) = await ReadMigrationAsync();
        if (migration is not null && migration.KraftControllerEpoch > claim.RaftEpoch)
            throw new MigrationStepException($"{ZkPaths.Migration} was written by KRaft controller {migration.KraftControllerId} of Raft epoch {migration.KraftControllerEpoch}; this one is of epoch {claim.RaftEpoch}");

        var newEpoch = epoch + 1;
        var ops = new List<ZkRequest>();
        if (controllerVersion >= 0) ops.Add(new DeleteRequest(ZkPaths.Controller, controllerVersion));
        ops.Add(new CreateRequest(ZkPaths.Controller,
            ZkData.EncodeController(new ControllerZNode(_settings.NodeId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), claim.RaftEpoch)), CreateMode.Ephemeral));
        ops.Add(epochVersion < 0
            ? new CreateRequest(ZkPaths.ControllerEpoch, ZkData.EncodeControllerEpoch(newEpoch))
            : new SetDataRequest(ZkPaths.ControllerEpoch, ZkData.EncodeControllerEpoch(newEpoch), epochVersion));
        var reply = await RequestAsync(new MultiRequest(ops));
        if (reply is not MultiResponse { FirstError: null } won)
            throw new MigrationStepException($"the claim of {ZkPaths.Controller} lost a race ({Describe(reply)})");
        var newEpochVersion = won.Results[^1] switch
        {
            SetDataResponse set => set.Stat.Version,
            CreateResponse created => created.Stat.Version,
            _ => 0,
        };
        _log.Info("Migration driver {0}: KRaft controller of Raft epoch {1} is the zk controller with epoch {2}", _settings.NodeId, claim.RaftEpoch, newEpoch);
        Publish(new ZkControllerClaimed(_settings.NodeId, claim.RaftEpoch, newEpoch));
        NoteClaimed(migration, _core.Image);
        // /migration may show that the log is past the copy: the core hears it before the
        // claim (in BecomeController that changes its state only, it asks for nothing).
        if (LogMigrationState(_core.Image) != _core.LogState)
            Apply(new MetadataPublished(_core.Image, _core.Active, _core.RaftEpoch, LogMigrationState(_core.Image)));
        return new ZkControllerClaimResult(newEpoch, newEpochVersion, migration, migrationVersion);
    }

    private async Task<(MigrationZNode? Migration, int Version)> ReadMigrationAsync()
    {
        switch (await RequestAsync(new GetDataRequest(ZkPaths.Migration)))
        {
            case GetDataResponse data:
                var decoded = ZkData.DecodeMigration(data.Data);
                if (!decoded.IsSuccess) _log.Warning("Migration driver {0}: {1}; it will be overwritten", _settings.NodeId, decoded.Error);
                return (decoded.IsSuccess ? decoded.Value : null, data.Stat.Version);
            case ErrorResponse { Code: ZkErrorCode.NoNode }:
                return (null, -1);
            case ErrorResponse e:
                throw new KeeperException(e);
            default:
                throw new MigrationStepException($"unexpected reply reading {ZkPaths.Migration}");
        }
    }

    /// <summary>Kafka's migrateMetadata: read every topic and partition state, append them as one batch, record the offset in /migration.</summary>
    private async Task<MigrationInput> CopyAsync(CopyZkMetadata copy)
    {
        var clock = Stopwatch.StartNew();
        var topics = await ReadTopicsAsync();
        var batch = ZkMetadataMigration.Translate(topics.Select(t => t.Data).ToArray(), copy.Image, _newTopicId);
        foreach (var problem in batch.Problems) _log.Warning("Migration driver {0}: {1}", _settings.NodeId, problem);
        MigrationRecordsCommitted? committed = null;
        foreach (var chunk in ZkMetadataMigration.Chunk(batch.Records, _settings.MaxRecordsPerCopyBatch)) committed = await AppendAsync(chunk);
        if (committed is null) throw new MigrationStepException("the metadata copy produced no records");
        var migrationVersion = await WriteFencedAsync([], copy.Fence, committed.Offset);
        _log.Info("Migration driver {0}: {1} topics and {2} partitions migrated at offset {3} in {4} ms",
            _settings.NodeId, batch.Topics, batch.Partitions, committed.Offset, clock.ElapsedMilliseconds);
        Publish(new ZkMetadataMigrated(_settings.NodeId, committed.Offset, batch.Topics, batch.Partitions, clock.Elapsed));
        return new ZkMetadataCopied(committed.Offset, CopiedImage(copy.Image, batch.Records), migrationVersion);
    }

    /// <summary>The image as the store now matches it: the one the copy was read against, plus the copy.</summary>
    private static MetadataImage CopiedImage(MetadataImage image, IReadOnlyList<MetadataRecord> records)
    {
        var delta = new MetadataDelta(image);
        var offset = Math.Max(image.Offset, 0);
        foreach (var record in records.Where(r => r is TopicRecord or PartitionRecord)) delta.Replay(record, offset, Math.Max(image.Epoch, 0));
        return delta.Image();
    }

    /// <summary>Kafka's SyncKRaftMetadataToZk: read the store and write whatever differs from the image.</summary>
    private async Task<MigrationInput> SyncAsync(SyncKRaftMetadataToZk sync)
    {
        var topics = await ReadTopicsAsync();
        var store = topics.ToDictionary(t => t.Data.Name, t => ZkDualWritePlanner.ViewOf(t.Data, t.WithoutNode, t.HasPartitionsNode), StringComparer.Ordinal);
        var plan = ZkDualWritePlanner.Reconcile(store, sync.Image, sync.Fence.ZkControllerEpoch);
        // Even with nothing to write, /migration must record the offset (and the fence must hold).
        var version = plan.Groups.Count == 0
            ? await WriteFencedAsync([], sync.Fence, sync.Image.Offset)
            : await WritePlanAsync(plan, sync.Fence, sync.Image.Offset);
        _log.Info("Migration driver {0}: the store is in step with the log at offset {1} ({2} writes)", _settings.NodeId, sync.Image.Offset, plan.Groups.Count);
        Publish(new KRaftMetadataSyncedToZk(_settings.NodeId, sync.Image.Offset, plan.Groups.Count));
        return new ZkWritten(sync.Image, version);
    }

    private async Task<MigrationInput> DualWriteAsync(DualWriteToZk write)
    {
        var plan = ZkDualWritePlanner.Plan(write.Previous, write.Next, write.Fence.ZkControllerEpoch);
        var version = await WritePlanAsync(plan, write.Fence, write.Next.Offset);
        if (plan.MetadataChanged) SendChanges(plan, write.Next, write.Fence.ZkControllerEpoch);
        return new ZkWritten(write.Next, version);
    }

    /// <summary>
    /// Writes the plan's groups in multis, in order; returns /migration's version after the last.
    /// A change with nothing for the store (a broker registration) leaves /migration as it was.
    /// </summary>
    private async Task<int> WritePlanAsync(ZkWritePlan plan, ZkFence fence, long offset)
    {
        var version = fence.MigrationZkVersion;
        foreach (var chunk in ZkDualWritePlanner.Chunk(plan.Groups, _settings.MaxPartitionsPerMulti))
            version = await WriteFencedAsync(chunk, fence with { MigrationZkVersion = version }, offset);
        return version;
    }

    /// <summary>
    /// One multi: check /controller_epoch, the ops, then /migration set to the offset (created when
    /// absent) expecting its version. Either check failing means another controller wrote the store.
    /// </summary>
    private async Task<int> WriteFencedAsync(IReadOnlyList<ZkRequest> ops, ZkFence fence, long offset)
    {
        var migration = ZkData.EncodeMigration(new MigrationZNode(_settings.NodeId, fence.RaftEpoch, offset, fence.RaftEpoch));
        var all = new List<ZkRequest>(ops.Count + 2) { new CheckVersionRequest(ZkPaths.ControllerEpoch, fence.EpochZkVersion) };
        all.AddRange(ops);
        all.Add(fence.MigrationZkVersion < 0
            ? new CreateRequest(ZkPaths.Migration, migration)
            : new SetDataRequest(ZkPaths.Migration, migration, fence.MigrationZkVersion));
        var reply = await RequestAsync(new MultiRequest(all));
        switch (reply)
        {
            case MultiResponse { FirstError: null } ok:
                return ok.Results[^1] switch
                {
                    SetDataResponse set => set.Stat.Version,
                    CreateResponse created => created.Stat.Version,
                    _ => fence.MigrationZkVersion,
                };
            case MultiResponse { Results: [ErrorResponse { Code: ZkErrorCode.BadVersion or ZkErrorCode.NoNode } check, ..] }:
                throw new MigrationFencedException($"the check on {ZkPaths.ControllerEpoch} version {fence.EpochZkVersion} failed ({check.Code}): another controller claimed the store");
            case MultiResponse { Results: [.., ErrorResponse { Code: ZkErrorCode.BadVersion or ZkErrorCode.NodeExists or ZkErrorCode.NoNode } last] }
                when last.Path == ZkPaths.Migration:
                throw new MigrationFencedException($"{ZkPaths.Migration} is not at version {fence.MigrationZkVersion} ({last.Code}): another controller wrote it");
            case MultiResponse { FirstError: { } failed }:
                throw new MigrationDivergedException($"a store write failed ({failed}): the store is not as the last image left it");
            case ErrorResponse e:
                throw new KeeperException(e);
            default:
                throw new MigrationStepException($"unexpected reply {reply.GetType().Name} to a store multi");
        }
    }

    private sealed record ReadTopic(ZkTopicData Data, HashSet<int> WithoutNode, bool HasPartitionsNode);

    /// <summary>Every topic znode and partition state, with pipelined multiReads; undecodable topics are skipped with a warning.</summary>
    private async Task<IReadOnlyList<ReadTopic>> ReadTopicsAsync()
    {
        var names = (await SendAsync<GetChildrenResponse>(new GetChildrenRequest(ZkPaths.Topics))).Children;
        var topicReplies = await ReadDataAsync(names.Select(ZkPaths.Topic).ToArray(), perRequest: 8);
        var topics = new List<(string Name, TopicZNode Znode)>();
        for (var i = 0; i < names.Count; i++)
        {
            if (topicReplies[i] is not GetDataResponse data) continue;
            var decoded = ZkData.DecodeTopic(names[i], data.Data);
            if (decoded.TryGetValue(out var topic)) topics.Add((names[i], topic));
            else _log.Warning("Migration driver {0}: topic {1} left out: {2}", _settings.NodeId, names[i], decoded.Error);
        }
        var partitions = topics.SelectMany(t => t.Znode.Partitions.Keys.Order().Select(p => new TopicPartition(t.Name, p))).ToArray();
        var stateReplies = await ReadDataAsync(partitions.Select(ZkPaths.PartitionState).ToArray());
        var states = new Dictionary<TopicPartition, LeaderAndIsr?>();
        var missing = new List<TopicPartition>();
        for (var i = 0; i < partitions.Length; i++)
        {
            LeaderAndIsr? state = null;
            if (stateReplies[i] is GetDataResponse data)
            {
                var decoded = ZkData.DecodePartitionState(partitions[i], data.Data, data.Stat.Version);
                if (decoded.TryGetValue(out var value)) state = value;
                else _log.Warning("Migration driver {0}: {1}", _settings.NodeId, decoded.Error);
            }
            else missing.Add(partitions[i]);
            states[partitions[i]] = state;
        }
        // Where a state is missing, its parents may be too (a topic the zk controller had not set up yet).
        var existence = await PipelinedAsync(missing.Select(tp => (ZkRequest)new ExistsRequest(ZkPaths.Partition(tp.Topic, tp.Partition)))
            .Concat(topics.Select(t => (ZkRequest)new ExistsRequest(ZkPaths.TopicPartitions(t.Name)))).ToArray());
        var withoutNode = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        for (var i = 0; i < missing.Count; i++)
            if (existence[i] is ExistsResponse { Stat: null })
                (withoutNode.TryGetValue(missing[i].Topic, out var set) ? set : withoutNode[missing[i].Topic] = new HashSet<int>()).Add(missing[i].Partition);
        return topics.Select((t, i) => new ReadTopic(
            new ZkTopicData(t.Name, t.Znode, t.Znode.Partitions.Keys.ToDictionary(p => p, p => states[new TopicPartition(t.Name, p)])),
            withoutNode.GetValueOrDefault(t.Name) ?? new HashSet<int>(),
            existence[missing.Count + i] is not ExistsResponse { Stat: null })).ToArray();
    }

    /// <summary>getData for every path in multiReads of max-reads-per-request, max-reads-in-flight at once; replies in input order.</summary>
    private async Task<ZkResponse[]> ReadDataAsync(IReadOnlyList<string> paths, int? perRequest = null)
    {
        var per = Math.Min(perRequest ?? _settings.MaxReadsPerRequest, _settings.MaxReadsPerRequest);
        var batches = paths.Chunk(per).Select(chunk => (ZkRequest)new MultiRequest(chunk.Select(p => (ZkRequest)new GetDataRequest(p)).ToArray())).ToArray();
        var replies = await PipelinedAsync(batches, Math.Max(1, _settings.MaxReadsInFlight / per));
        var results = new ZkResponse[paths.Count];
        for (var b = 0; b < replies.Length; b++)
        {
            if (replies[b] is ErrorResponse { Code: ZkErrorCode.SessionExpired or ZkErrorCode.ConnectionLoss } lost) throw new KeeperException(lost);
            var count = Math.Min(per, paths.Count - b * per);
            for (var i = 0; i < count; i++) results[b * per + i] = replies[b] is MultiResponse multi ? multi.Results[i] : replies[b];
        }
        return results;
    }

    private async Task<ZkResponse[]> PipelinedAsync(IReadOnlyList<ZkRequest> requests, int? inFlight = null)
    {
        var client = await SessionAsync();
        var window = inFlight ?? _settings.MaxReadsInFlight;
        var results = new ZkResponse[requests.Count];
        for (var start = 0; start < requests.Count; start += window)
        {
            var end = Math.Min(start + window, requests.Count);
            var batch = new Task<ZkResponse>[end - start];
            for (var i = start; i < end; i++) batch[i - start] = client.RequestAsync(requests[i], Timeout);
            var replies = await Task.WhenAll(batch);
            Array.Copy(replies, 0, results, start, replies.Length);
        }
        return results;
    }

    /// <summary>Appends a migration batch through the quorum controller and waits for its commit.</summary>
    private async Task<MigrationRecordsCommitted> AppendAsync(IReadOnlyList<MetadataRecord> records)
    {
        var requestId = ++_nextRequestId;
        var reply = await _quorumController.Ask<object>(new AppendMigrationRecords(requestId, records), _settings.AppendTimeout);
        switch (reply)
        {
            case MigrationRecordsCommitted committed when committed.RequestId == requestId:
                NoteCommitted(records);
                return committed;
            case MigrationRecordsRefused refused:
                throw new MigrationStepException($"the quorum controller refused the migration batch ({refused.Error}): {refused.Reason}");
            default:
                throw new MigrationStepException($"unexpected answer {reply.GetType().Name} to a migration batch");
        }
    }

    private async Task<MigrationInput?> AppendPostMigrationAsync(AppendPostMigration finalize, IActorRef? replyTo)
    {
        try
        {
            var committed = await AppendAsync([new ZkMigrationStateRecord(ZkMigrationState.PostMigration)]);
            return new FinalizeCommitted(finalize.CorrelationId, committed.Offset);
        }
        catch (Exception e) when (e is MigrationStepException or AskTimeoutException)
        {
            replyTo?.Tell(new FinalizeMigrationResponse(finalize.CorrelationId, ControlError.RequestTimedOut, _settings.NodeId, _core.RaftEpoch, -1,
                $"PostMigration was not committed: {e.Message}; try again"));
            return null;
        }
    }

    private static string Describe(ZkResponse reply) => reply switch
    {
        MultiResponse { FirstError: { } e } => e.ToString(),
        ErrorResponse e => e.ToString(),
        _ => reply.GetType().Name,
    };
}
