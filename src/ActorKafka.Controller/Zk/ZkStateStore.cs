using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.Actor;

namespace ActorKafka.Controller;

/// <summary>
/// The controller's reads and writes against the coordination store. Reads are pipelined (many
/// in flight); every write is a multi whose first op checks /controller_epoch's version, so a
/// controller that has been replaced cannot change anything (Kafka's KIP-380 fencing).
/// </summary>
internal sealed class ZkStateStore(Func<IActorRef> client, ControllerSettings settings)
{
    private TimeSpan Timeout => settings.StoreRequestTimeout;

    public Task<ZkResponse> Request(ZkRequest request) => client().RequestAsync(request, Timeout);

    /// <summary>Sends up to max-reads-in-flight requests at once; replies keep the input order.</summary>
    public async Task<ZkResponse[]> Pipelined(IReadOnlyList<ZkRequest> requests, int inFlight)
    {
        var results = new ZkResponse[requests.Count];
        for (var start = 0; start < requests.Count; start += inFlight)
        {
            var end = Math.Min(start + inFlight, requests.Count);
            var batch = new Task<ZkResponse>[end - start];
            for (var i = start; i < end; i++) batch[i - start] = Request(requests[i]);
            var replies = await Task.WhenAll(batch);
            Array.Copy(replies, 0, results, start, replies.Length);
        }
        return results;
    }

    /// <summary>
    /// getData for every path, batched into multiReads (ZooKeeper 3.6's read-only multi) of
    /// max-reads-per-request and pipelined; replies keep the input order, errors per path.
    /// </summary>
    public async Task<ZkResponse[]> ReadData(IReadOnlyList<string> paths, int? perRequest = null)
    {
        var per = Math.Min(perRequest ?? settings.MaxReadsPerRequest, settings.MaxReadsPerRequest);
        var batches = paths.Chunk(per).Select(chunk => (ZkRequest)new MultiRequest(chunk.Select(p => (ZkRequest)new GetDataRequest(p)).ToArray())).ToArray();
        var replies = await Pipelined(batches, Math.Max(1, settings.MaxReadsInFlight / per));
        var results = new ZkResponse[paths.Count];
        for (var b = 0; b < replies.Length; b++)
        {
            var count = Math.Min(per, paths.Count - b * per);
            for (var i = 0; i < count; i++)
                results[b * per + i] = replies[b] is MultiResponse multi ? multi.Results[i] : replies[b];
        }
        return results;
    }

    /// <summary>
    /// Writes each change conditionally on its partition epoch and on the controller epoch.
    /// Changes go max-partitions-per-write to a multi (one check on /controller_epoch, then one
    /// write per partition); a batch refused because one partition moved underneath is retried
    /// partition by partition. Returns the changes as written (with their new partition epochs);
    /// a change whose partition moved (its version is not the cached one) is left out, for the
    /// caller to re-read and plan again. Throws ControllerMovedException when fenced.
    /// </summary>
    public Task<List<PartitionChange>> WriteStates(IReadOnlyList<PartitionChange> changes, int epochZkVersion) =>
        WriteStates(changes, epochZkVersion, settings.MaxPartitionsPerWrite);

    private async Task<List<PartitionChange>> WriteStates(IReadOnlyList<PartitionChange> changes, int epochZkVersion, int perWrite)
    {
        var batches = changes.Chunk(perWrite).ToArray();
        var requests = batches.Select(batch => (ZkRequest)new MultiRequest(
            batch.Select(Write).Prepend(new CheckVersionRequest(ZkPaths.ControllerEpoch, epochZkVersion)).ToArray())).ToArray();
        var replies = await Pipelined(requests, Math.Max(1, settings.MaxWritesInFlight / perWrite));
        var written = new List<PartitionChange>(changes.Count);
        for (var b = 0; b < replies.Length; b++)
        {
            switch (replies[b])
            {
                case MultiResponse { FirstError: null } ok:
                    for (var i = 0; i < batches[b].Length; i++)
                    {
                        var partitionEpoch = ok.Results[i + 1] is SetDataResponse set ? set.Stat.Version : 0;
                        written.Add(batches[b][i] with { After = batches[b][i].After with { PartitionEpoch = partitionEpoch } });
                    }
                    break;
                case MultiResponse { Results: [ErrorResponse { Code: ZkErrorCode.BadVersion or ZkErrorCode.NoNode } check, ..] }:
                    throw new ControllerMovedException($"the check on {ZkPaths.ControllerEpoch} version {epochZkVersion} failed ({check.Code}): a newer controller exists");
                case ErrorResponse { Code: ZkErrorCode.SessionExpired } expired:
                    throw new KeeperException(expired);
                case MultiResponse when batches[b].Length > 1:
                    written.AddRange(await WriteStates(batches[b], epochZkVersion, perWrite: 1));
                    break;
                default:
                    // The partition's state changed underneath (its epoch moved: a leader changed its ISR): left out.
                    break;
            }
        }
        return written;
    }

    /// <summary>
    /// Deletes the znodes, each in a multi with the check on /controller_epoch (as Kafka deletes
    /// ISR change notifications), pipelined. One already gone is fine; throws
    /// ControllerMovedException when fenced.
    /// </summary>
    public async Task DeleteFenced(IReadOnlyList<string> paths, int epochZkVersion)
    {
        var requests = paths.Select(path => (ZkRequest)new MultiRequest(new ZkRequest[]
        {
            new CheckVersionRequest(ZkPaths.ControllerEpoch, epochZkVersion),
            new DeleteRequest(path),
        })).ToArray();
        foreach (var reply in await Pipelined(requests, settings.MaxWritesInFlight))
        {
            switch (reply)
            {
                case MultiResponse { FirstError: null }:
                case MultiResponse { Results: [_, ErrorResponse { Code: ZkErrorCode.NoNode }, ..] }:
                    break;
                case MultiResponse { Results: [ErrorResponse { Code: ZkErrorCode.BadVersion or ZkErrorCode.NoNode } check, ..] }:
                    throw new ControllerMovedException($"the check on {ZkPaths.ControllerEpoch} version {epochZkVersion} failed ({check.Code}): a newer controller exists");
                case MultiResponse { FirstError: { } failed }:
                    throw new KeeperException(failed);
                case ErrorResponse failed:
                    throw new KeeperException(failed);
            }
        }
    }

    private static ZkRequest Write(PartitionChange c) => c.Before is null
        ? new CreateRequest(ZkPaths.PartitionState(c.Partition), ZkData.EncodePartitionState(c.After))
        : new SetDataRequest(ZkPaths.PartitionState(c.Partition), ZkData.EncodePartitionState(c.After), c.Before.PartitionEpoch);
}
