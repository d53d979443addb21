using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using Akka.Actor;

namespace ActorKafka.Controller.Migration;

// The KRaft controller as the zk brokers' controller (Kafka's KRaftMigrationDriver with its
// MigrationPropagator): the zk-mode control requests, with the claimed zk controller epoch and
// IsKRaftController, to the brokers registered in the store.
public sealed partial class MigrationDriver
{
    private void SendFullMetadata(SendMetadataToZkBrokers send)
    {
        var states = send.Image.PartitionStates(send.ZkControllerEpoch).ToArray();
        var live = LiveBrokers(send.Image);
        foreach (var broker in _zkBrokerInfo.Values.OrderBy(b => b.BrokerId))
        {
            if (send.FullTo is null || send.FullTo.Contains(broker.BrokerId))
                SendLeaderAndIsr(broker, states.Where(s => s.Replicas.Contains(broker.BrokerId)), send.ZkControllerEpoch);
            SendUpdateMetadata(broker, states, live, send.ZkControllerEpoch);
        }
    }

    /// <summary>After a dual write: LeaderAndIsr for changed partitions to their replicas, StopReplica for deleted ones, UpdateMetadata to all.</summary>
    private void SendChanges(ZkWritePlan plan, MetadataImage image, int zkControllerEpoch)
    {
        var changed = plan.ChangedPartitions.Select(tp => image.PartitionState(tp, zkControllerEpoch)).OfType<PartitionStateInfo>().ToArray();
        var live = LiveBrokers(image);
        foreach (var broker in _zkBrokerInfo.Values.OrderBy(b => b.BrokerId))
        {
            SendLeaderAndIsr(broker, changed.Where(s => s.Replicas.Contains(broker.BrokerId)), zkControllerEpoch);
            var stopped = plan.DeletedPartitions.Where(d => d.Replicas.Contains(broker.BrokerId)).Select(d => d.Partition).ToArray();
            if (stopped.Length > 0)
                Send(broker, new StopReplicaRequest(_settings.NodeId, zkControllerEpoch, broker.BrokerEpoch, stopped, true));
            SendUpdateMetadata(broker, changed, live, zkControllerEpoch);
        }
    }

    private void SendLeaderAndIsr(BrokerInfo broker, IEnumerable<PartitionStateInfo> states, int zkControllerEpoch)
    {
        foreach (var chunk in states.Chunk(_settings.MaxPartitionsPerRequest))
            Send(broker, new LeaderAndIsrRequest(_settings.NodeId, zkControllerEpoch, broker.BrokerEpoch, chunk, IsKRaftController: true));
    }

    private void SendUpdateMetadata(BrokerInfo broker, PartitionStateInfo[] states, BrokerInfo[] live, int zkControllerEpoch)
    {
        // An empty partition list still carries the live brokers.
        var chunks = states.Length == 0 ? [Array.Empty<PartitionStateInfo>()] : states.Chunk(_settings.MaxPartitionsPerRequest);
        foreach (var chunk in chunks)
            Send(broker, new UpdateMetadataRequest(_settings.NodeId, zkControllerEpoch, broker.BrokerEpoch, chunk, live, IsKRaftController: true));
    }

    /// <summary>
    /// The zk brokers as the store registers them, and the unfenced KRaft brokers of the image
    /// (their ACTOR listener carries the node's actor address): zk brokers read metadata for both.
    /// </summary>
    private BrokerInfo[] LiveBrokers(MetadataImage image)
    {
        var live = new Dictionary<int, BrokerInfo>(_zkBrokerInfo);
        foreach (var registration in image.Cluster.Brokers.Values)
        {
            if (registration.Fenced || registration.IsMigratingZkBroker || live.ContainsKey(registration.Id)) continue;
            var info = registration.ToBrokerInfo();
            if (info.ActorAddress.Length > 0) live[registration.Id] = info;
        }
        return live.Values.OrderBy(b => b.BrokerId).ToArray();
    }

    /// <summary>Through the channel, which keeps the request until the broker answers.</summary>
    private void Send(BrokerInfo broker, IBrokerControlRequest request) =>
        _channel.Send(broker.BrokerId, Context.ActorSelection(ActorNames.BrokerPath(broker.ActorAddress)), request, Self);
}
