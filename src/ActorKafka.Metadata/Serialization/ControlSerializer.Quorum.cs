namespace ActorKafka.Metadata.Serialization;

// The KRaft controller's API (QuorumControllerRequests.cs), in the same layout as the zk-mode
// messages: fields in declaration order, errors as int16, nullable fields behind a presence flag.
public sealed partial class ControlSerializer
{
    private static string? QuorumManifest(object o) => o switch
    {
        BrokerRegistrationRequest => "BRQ",
        BrokerRegistrationResponse => "BRP",
        BrokerHeartbeatRequest => "HBQ",
        BrokerHeartbeatResponse => "HBP",
        CreateTopicsRequest => "CTQ",
        CreateTopicsResponse => "CTP",
        AlterPartitionRequest => "APQ",
        AlterPartitionResponse => "APP",
        ElectLeadersRequest => "ELQ",
        ElectLeadersResponse => "ELP",
        DescribeQuorumRequest => "DQQ",
        DescribeQuorumResponse => "DQP",
        DescribeClusterRequest => "DCQ",
        DescribeClusterResponse => "DCP",
        DescribeMigrationRequest => "DMQ",
        MigrationDescription => "DMP",
        FinalizeMigrationRequest => "FMQ",
        FinalizeMigrationResponse => "FMP",
        _ => null,
    };

    private static bool TryWriteQuorum(BinaryWriter w, object obj)
    {
        switch (obj)
        {
            case BrokerRegistrationRequest r:
                w.Write(r.CorrelationId); w.Write(r.BrokerId); WriteGuid(w, r.IncarnationId); w.Write(r.ActorAddress); WriteOptional(w, r.Rack);
                w.Write(r.PreviousBrokerEpoch); w.Write(r.IsMigratingZkBroker);
                break;
            case BrokerRegistrationResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error); w.Write(r.BrokerEpoch); w.Write(r.ControllerId); w.Write(r.ControllerEpoch);
                w.Write(r.Message);
                break;
            case BrokerHeartbeatRequest r:
                w.Write(r.CorrelationId); w.Write(r.BrokerId); w.Write(r.BrokerEpoch); w.Write(r.CurrentMetadataOffset); w.Write(r.WantFence);
                w.Write(r.WantShutDown);
                break;
            case BrokerHeartbeatResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error); w.Write(r.IsCaughtUp); w.Write(r.IsFenced); w.Write(r.ShouldShutDown);
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch);
                break;
            case CreateTopicsRequest r:
                w.Write(r.CorrelationId);
                w.Write(r.Topics.Length);
                foreach (var t in r.Topics) { w.Write(t.Name); w.Write(t.NumPartitions); w.Write(t.ReplicationFactor); }
                break;
            case CreateTopicsResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error);
                w.Write(r.Topics.Length);
                foreach (var t in r.Topics)
                {
                    w.Write(t.Name); WriteGuid(w, t.TopicId); w.Write((short)t.Error); w.Write(t.Message); w.Write(t.NumPartitions); w.Write(t.ReplicationFactor);
                }
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch);
                break;
            case AlterPartitionRequest r:
                w.Write(r.CorrelationId); w.Write(r.BrokerId); w.Write(r.BrokerEpoch);
                w.Write(r.Partitions.Length);
                foreach (var p in r.Partitions) { w.Write(p.Topic); w.Write(p.Partition); w.Write(p.LeaderEpoch); w.Write(p.PartitionEpoch); WriteInts(w, p.NewIsr); }
                break;
            case AlterPartitionResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error);
                w.Write(r.Partitions.Length);
                foreach (var p in r.Partitions)
                {
                    w.Write(p.Topic); w.Write(p.Partition); w.Write((short)p.Error); w.Write(p.Leader); w.Write(p.LeaderEpoch); WriteInts(w, p.Isr);
                    w.Write(p.PartitionEpoch);
                }
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch);
                break;
            case ElectLeadersRequest r:
                w.Write(r.CorrelationId); w.Write((byte)r.ElectionType);
                // Null (every partition) and empty (none) mean different things, so the flag is needed.
                w.Write(r.Partitions is not null);
                if (r.Partitions is not null) WritePartitions(w, r.Partitions);
                break;
            case ElectLeadersResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error);
                w.Write(r.Partitions.Length);
                foreach (var p in r.Partitions) { w.Write(p.Topic); w.Write(p.Partition); w.Write((short)p.Error); w.Write(p.Leader); w.Write(p.Message); }
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch);
                break;
            case DescribeQuorumRequest r: w.Write(r.CorrelationId); break;
            case DescribeQuorumResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error); w.Write(r.LeaderId); w.Write(r.LeaderEpoch); w.Write(r.HighWatermark);
                WriteReplicas(w, r.Voters); WriteReplicas(w, r.Observers);
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch);
                break;
            case DescribeClusterRequest r: w.Write(r.CorrelationId); w.Write(r.MaxPartitions); break;
            case DescribeClusterResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error); w.Write(r.MetadataOffset);
                w.Write(r.Brokers.Length);
                foreach (var b in r.Brokers)
                {
                    w.Write(b.BrokerId); w.Write(b.BrokerEpoch); w.Write(b.Fenced); w.Write(b.InControlledShutdown); w.Write(b.ActorAddress);
                    WriteOptional(w, b.Rack);
                }
                w.Write(r.TopicCount); w.Write(r.PartitionCount); WriteStates(w, r.Partitions);
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch);
                break;
            case DescribeMigrationRequest r: w.Write(r.CorrelationId); break;
            case MigrationDescription r:
                w.Write(r.CorrelationId); w.Write((short)r.Error); w.Write(r.ControllerId); w.Write(r.ControllerEpoch); w.Write((byte)r.State);
                w.Write(r.DriverState); w.Write(r.MigratedOffset); w.Write(r.ZkControllerEpoch);
                w.Write(r.Brokers.Length);
                foreach (var b in r.Brokers) { w.Write(b.BrokerId); w.Write(b.Mode); w.Write(b.Fenced); }
                w.Write(r.Message);
                break;
            case FinalizeMigrationRequest r: w.Write(r.CorrelationId); break;
            case FinalizeMigrationResponse r:
                w.Write(r.CorrelationId); w.Write((short)r.Error); w.Write(r.ControllerId); w.Write(r.ControllerEpoch); w.Write(r.Offset); w.Write(r.Message);
                break;
            default: return false;
        }
        return true;
    }

    private static object? ReadQuorum(BinaryReader r, string manifest)
    {
        switch (manifest)
        {
            case "BRQ":
                return new BrokerRegistrationRequest(r.ReadInt64(), r.ReadInt32(), ReadGuid(r), r.ReadString(), ReadOptional(r), r.ReadInt64(), r.ReadBoolean());
            case "BRP":
                return new BrokerRegistrationResponse(r.ReadInt64(), ReadError(r), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadString());
            case "HBQ":
                return new BrokerHeartbeatRequest(r.ReadInt64(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadBoolean(), r.ReadBoolean());
            case "HBP":
                return new BrokerHeartbeatResponse(r.ReadInt64(), ReadError(r), r.ReadBoolean(), r.ReadBoolean(), r.ReadBoolean(), r.ReadInt32(), r.ReadInt32());
            case "CTQ":
            {
                var correlationId = r.ReadInt64();
                var topics = new CreatableTopic[ReadCount(r)];
                for (var i = 0; i < topics.Length; i++) topics[i] = new CreatableTopic(r.ReadString(), r.ReadInt32(), r.ReadInt16());
                return new CreateTopicsRequest(correlationId, topics);
            }
            case "CTP":
            {
                var (correlationId, error) = (r.ReadInt64(), ReadError(r));
                var topics = new CreatableTopicResult[ReadCount(r)];
                for (var i = 0; i < topics.Length; i++)
                    topics[i] = new CreatableTopicResult(r.ReadString(), ReadGuid(r), ReadError(r), r.ReadString(), r.ReadInt32(), r.ReadInt16());
                return new CreateTopicsResponse(correlationId, error, topics, r.ReadInt32(), r.ReadInt32());
            }
            case "APQ":
            {
                var (correlationId, brokerId, brokerEpoch) = (r.ReadInt64(), r.ReadInt32(), r.ReadInt64());
                var items = new AlterPartitionItem[ReadCount(r)];
                for (var i = 0; i < items.Length; i++)
                    items[i] = new AlterPartitionItem(r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), ReadInts(r));
                return new AlterPartitionRequest(correlationId, brokerId, brokerEpoch, items);
            }
            case "APP":
            {
                var (correlationId, error) = (r.ReadInt64(), ReadError(r));
                var results = new AlterPartitionResult[ReadCount(r)];
                for (var i = 0; i < results.Length; i++)
                    results[i] = new AlterPartitionResult(r.ReadString(), r.ReadInt32(), ReadError(r), r.ReadInt32(), r.ReadInt32(), ReadInts(r), r.ReadInt32());
                return new AlterPartitionResponse(correlationId, error, results, r.ReadInt32(), r.ReadInt32());
            }
            case "ELQ":
                return new ElectLeadersRequest(r.ReadInt64(), (ElectionType)r.ReadByte(), r.ReadBoolean() ? ReadPartitions(r) : null);
            case "ELP":
            {
                var (correlationId, error) = (r.ReadInt64(), ReadError(r));
                var results = new ElectLeaderResult[ReadCount(r)];
                for (var i = 0; i < results.Length; i++)
                    results[i] = new ElectLeaderResult(r.ReadString(), r.ReadInt32(), ReadError(r), r.ReadInt32(), r.ReadString());
                return new ElectLeadersResponse(correlationId, error, results, r.ReadInt32(), r.ReadInt32());
            }
            case "DQQ": return new DescribeQuorumRequest(r.ReadInt64());
            case "DQP":
                return new DescribeQuorumResponse(r.ReadInt64(), ReadError(r), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadReplicas(r), ReadReplicas(r),
                    r.ReadInt32(), r.ReadInt32());
            case "DCQ": return new DescribeClusterRequest(r.ReadInt64(), r.ReadInt32());
            case "DCP":
            {
                var (correlationId, error, offset) = (r.ReadInt64(), ReadError(r), r.ReadInt64());
                var brokers = new BrokerState[ReadCount(r)];
                for (var i = 0; i < brokers.Length; i++)
                    brokers[i] = new BrokerState(r.ReadInt32(), r.ReadInt64(), r.ReadBoolean(), r.ReadBoolean(), r.ReadString(), ReadOptional(r));
                var (topicCount, partitionCount, partitions) = (r.ReadInt32(), r.ReadInt64(), ReadStates(r));
                return new DescribeClusterResponse(correlationId, error, offset, brokers, topicCount, partitionCount, partitions, r.ReadInt32(), r.ReadInt32());
            }
            case "DMQ": return new DescribeMigrationRequest(r.ReadInt64());
            case "DMP":
            {
                var (correlationId, error, controllerId, controllerEpoch) = (r.ReadInt64(), ReadError(r), r.ReadInt32(), r.ReadInt32());
                var (state, driverState, offset, zkEpoch) = ((Records.ZkMigrationState)r.ReadByte(), r.ReadString(), r.ReadInt64(), r.ReadInt32());
                var brokers = new MigrationBrokerView[ReadCount(r)];
                for (var i = 0; i < brokers.Length; i++) brokers[i] = new MigrationBrokerView(r.ReadInt32(), r.ReadString(), r.ReadBoolean());
                return new MigrationDescription(correlationId, error, controllerId, controllerEpoch, state, driverState, offset, zkEpoch, brokers, r.ReadString());
            }
            case "FMQ": return new FinalizeMigrationRequest(r.ReadInt64());
            case "FMP": return new FinalizeMigrationResponse(r.ReadInt64(), ReadError(r), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadString());
            default: return null;
        }
    }

    private static ControlError ReadError(BinaryReader r) => (ControlError)r.ReadInt16();

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteGuid(BinaryWriter w, Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes);
        w.Write(bytes);
    }

    private static Guid ReadGuid(BinaryReader r)
    {
        Span<byte> bytes = stackalloc byte[16];
        r.BaseStream.ReadExactly(bytes);
        return new Guid(bytes);
    }

    private static void WriteReplicas(BinaryWriter w, QuorumReplicaState[] replicas)
    {
        w.Write(replicas.Length);
        foreach (var s in replicas) { w.Write(s.ReplicaId); w.Write(s.LogEndOffset); w.Write(s.LastFetchAgoMs); }
    }

    private static QuorumReplicaState[] ReadReplicas(BinaryReader r)
    {
        var replicas = new QuorumReplicaState[ReadCount(r)];
        for (var i = 0; i < replicas.Length; i++) replicas[i] = new QuorumReplicaState(r.ReadInt32(), r.ReadInt64(), r.ReadInt64());
        return replicas;
    }
}
