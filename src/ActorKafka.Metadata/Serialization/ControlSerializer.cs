using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace ActorKafka.Metadata.Serialization;

/// <summary>
/// Binary format for the control-plane requests and responses. A failover pushes the state of
/// every partition to every broker, so this is on the critical path: a hand-written layout is
/// several times smaller and faster than JSON.
/// </summary>
public sealed partial class ControlSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4401;
    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        LeaderAndIsrRequest => "LR",
        LeaderAndIsrResponse => "LP",
        UpdateMetadataRequest => "UR",
        UpdateMetadataResponse => "UP",
        StopReplicaRequest => "SR",
        StopReplicaResponse => "SP",
        ControlledShutdownRequest => "CR",
        ControlledShutdownResponse => "CP",
        _ => QuorumManifest(o) ?? throw new ArgumentException($"{o.GetType()} is not a control message"),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(256);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        switch (obj)
        {
            case LeaderAndIsrRequest r:
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch); w.Write(r.BrokerEpoch); WriteStates(w, r.PartitionStates); w.Write(r.IsKRaftController); w.Write(r.CorrelationId);
                break;
            case LeaderAndIsrResponse r:
                w.Write(r.BrokerId); w.Write(r.ControllerEpoch); w.Write((short)r.Error);
                w.Write(r.PartitionErrors.Length);
                foreach (var e in r.PartitionErrors) { w.Write(e.Topic); w.Write(e.Partition); w.Write((short)e.Error); }
                w.Write(r.CorrelationId);
                break;
            case UpdateMetadataRequest r:
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch); w.Write(r.BrokerEpoch); WriteStates(w, r.PartitionStates);
                w.Write(r.LiveBrokers.Length);
                foreach (var b in r.LiveBrokers)
                {
                    w.Write(b.BrokerId); w.Write(b.Host); w.Write(b.Port); w.Write(b.Rack is not null); if (b.Rack is not null) w.Write(b.Rack);
                    w.Write(b.BrokerEpoch); w.Write(b.ActorAddress);
                }
                w.Write(r.IsKRaftController); w.Write(r.CorrelationId);
                break;
            case UpdateMetadataResponse r: w.Write(r.BrokerId); w.Write(r.ControllerEpoch); w.Write((short)r.Error); w.Write(r.CorrelationId); break;
            case StopReplicaRequest r:
                w.Write(r.ControllerId); w.Write(r.ControllerEpoch); w.Write(r.BrokerEpoch); WritePartitions(w, r.Partitions); w.Write(r.DeletePartitions); w.Write(r.CorrelationId);
                break;
            case StopReplicaResponse r: w.Write(r.BrokerId); w.Write(r.ControllerEpoch); w.Write((short)r.Error); w.Write(r.CorrelationId); break;
            case ControlledShutdownRequest r: w.Write(r.BrokerId); w.Write(r.BrokerEpoch); break;
            case ControlledShutdownResponse r: w.Write((short)r.Error); WritePartitions(w, r.PartitionsRemaining); w.Write(r.Message); break;
            default:
                if (!TryWriteQuorum(w, obj)) throw new ArgumentException($"{obj.GetType()} is not a control message");
                break;
        }
        w.Flush();
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        switch (manifest)
        {
            case "LR": return new LeaderAndIsrRequest(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadStates(r), r.ReadBoolean(), r.ReadInt64());
            case "LP":
            {
                var (broker, epoch, error) = (r.ReadInt32(), r.ReadInt32(), (ControlError)r.ReadInt16());
                var errors = new PartitionError[ReadCount(r)];
                for (var i = 0; i < errors.Length; i++) errors[i] = new PartitionError(r.ReadString(), r.ReadInt32(), (ControlError)r.ReadInt16());
                return new LeaderAndIsrResponse(broker, epoch, error, errors, r.ReadInt64());
            }
            case "UR":
            {
                var (controller, epoch, brokerEpoch, states) = (r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadStates(r));
                var brokers = new BrokerInfo[ReadCount(r)];
                for (var i = 0; i < brokers.Length; i++)
                    brokers[i] = new BrokerInfo(r.ReadInt32(), r.ReadString(), r.ReadInt32(), r.ReadBoolean() ? r.ReadString() : null, r.ReadInt64(), r.ReadString());
                return new UpdateMetadataRequest(controller, epoch, brokerEpoch, states, brokers, r.ReadBoolean(), r.ReadInt64());
            }
            case "UP": return new UpdateMetadataResponse(r.ReadInt32(), r.ReadInt32(), (ControlError)r.ReadInt16(), r.ReadInt64());
            case "SR": return new StopReplicaRequest(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadPartitions(r), r.ReadBoolean(), r.ReadInt64());
            case "SP": return new StopReplicaResponse(r.ReadInt32(), r.ReadInt32(), (ControlError)r.ReadInt16(), r.ReadInt64());
            case "CR": return new ControlledShutdownRequest(r.ReadInt32(), r.ReadInt64());
            case "CP": return new ControlledShutdownResponse((ControlError)r.ReadInt16(), ReadPartitions(r), r.ReadString());
            default: return ReadQuorum(r, manifest) ?? throw new SerializationException($"unknown control manifest '{manifest}'");
        }
    }

    private static void WriteStates(BinaryWriter w, PartitionStateInfo[] states)
    {
        w.Write(states.Length);
        foreach (var s in states)
        {
            w.Write(s.Topic); w.Write(s.Partition); w.Write(s.ControllerEpoch); w.Write(s.Leader); w.Write(s.LeaderEpoch);
            WriteInts(w, s.Isr); w.Write(s.PartitionEpoch); WriteInts(w, s.Replicas);
        }
    }

    private static PartitionStateInfo[] ReadStates(BinaryReader r)
    {
        var states = new PartitionStateInfo[ReadCount(r)];
        for (var i = 0; i < states.Length; i++)
            states[i] = new PartitionStateInfo(r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), ReadInts(r), r.ReadInt32(), ReadInts(r));
        return states;
    }

    private static void WriteInts(BinaryWriter w, int[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    // Every element takes at least a byte: a corrupt count fails here instead of allocating up to 2^31 elements.
    private static int ReadCount(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count < 0 || count > r.BaseStream.Length - r.BaseStream.Position) throw new SerializationException($"bad element count {count}");
        return count;
    }

    private static int[] ReadInts(BinaryReader r)
    {
        var values = new int[ReadCount(r)];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadInt32();
        return values;
    }

    private static void WritePartitions(BinaryWriter w, TopicPartition[] partitions)
    {
        w.Write(partitions.Length);
        foreach (var p in partitions) { w.Write(p.Topic); w.Write(p.Partition); }
    }

    private static TopicPartition[] ReadPartitions(BinaryReader r)
    {
        var partitions = new TopicPartition[ReadCount(r)];
        for (var i = 0; i < partitions.Length; i++) partitions[i] = new TopicPartition(r.ReadString(), r.ReadInt32());
        return partitions;
    }
}
