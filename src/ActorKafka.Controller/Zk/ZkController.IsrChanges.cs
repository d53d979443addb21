using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.Event;

namespace ActorKafka.Controller;

// Leaders change ISRs themselves (Kafka before KIP-497): each writes its partition's state and an
// /isr_change_notification/isr_change_SEQ naming it. This is Kafka's IsrChangeNotificationHandler.
public sealed partial class ZkController
{
    /// <summary>
    /// The notifications' children changed: read every listed partition's state (the watch is set
    /// again by the same listing), cache it with its new version, send UpdateMetadata with it to
    /// the live brokers, and delete the notifications handled. A notification that cannot be read
    /// is deleted too: the states are what count, and they are read here whatever it said.
    /// </summary>
    private async Task IsrChangeAsync()
    {
        var ctx = _context!;
        var names = await Children(ZkPaths.IsrChangeNotification, watch: true);
        if (names.Count == 0) return;
        var paths = names.Select(name => ZkPaths.IsrChangeNotification + "/" + name).ToArray();
        var notifications = await _store.ReadData(paths);
        var partitions = new HashSet<TopicPartition>();
        for (var i = 0; i < paths.Length; i++)
        {
            if (notifications[i] is not GetDataResponse data) continue;
            if (ZkData.DecodeIsrChangeNotification(paths[i], data.Data).TryGetValue(out var listed)) partitions.UnionWith(listed);
            else _log.Warning("Controller {0}: ISR change notification {1} could not be read; deleting it", Id, paths[i]);
        }
        var known = partitions.Where(tp => ctx.Replicas(tp).Count > 0).ToArray();
        if (known.Length > 0)
        {
            var refreshed = await RefreshStatesAsync(known);
            _log.Info("Controller {0}: leaders changed the ISR of {1} partitions ({2} newer than cached); sending UpdateMetadata", Id, known.Length,
                refreshed.Count);
            // Every listed partition, as Kafka does: a broker that missed an earlier update gets it now.
            Send(UpdateMetadataFor(known));
        }
        await _store.DeleteFenced(paths, ctx.EpochZkVersion);
    }

    /// <summary>Reads the partitions' states (batched multiReads) into the context; returns those that changed there.</summary>
    private async Task<List<TopicPartition>> RefreshStatesAsync(IReadOnlyList<TopicPartition> partitions)
    {
        var replies = await _store.ReadData(partitions.Select(ZkPaths.PartitionState).ToArray());
        var states = new List<(TopicPartition, LeaderAndIsr)>(partitions.Count);
        for (var i = 0; i < partitions.Count; i++)
        {
            if (replies[i] is GetDataResponse data && ZkData.DecodePartitionState(partitions[i], data.Data, data.Stat.Version).TryGetValue(out var state))
                states.Add((partitions[i], state));
        }
        return _context!.Refresh(states);
    }
}
