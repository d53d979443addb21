using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

// Broker rules, after Kafka's ClusterDelta: every change names the registration it is for by its
// epoch, so a record meant for a previous incarnation of the broker cannot touch the current one.
public sealed partial class MetadataDelta
{
    private System.Collections.Immutable.ImmutableSortedDictionary<int, BrokerRegistration>.Builder Brokers => _brokers ??= _base.Cluster.Brokers.ToBuilder();

    private ReplayError? Replay(RegisterBrokerRecord r)
    {
        // A broker epoch is the offset of its registration, so a newer registration has a larger one.
        if (Brokers.TryGetValue(r.BrokerId, out var current) && current.Epoch >= r.BrokerEpoch)
            return Error(ReplayErrorCode.StaleBrokerEpoch, $"broker {r.BrokerId} is registered with epoch {current.Epoch}, not below {r.BrokerEpoch}");
        Brokers[r.BrokerId] = BrokerRegistration.From(r);
        return null;
    }

    private ReplayError? Replay(UnregisterBrokerRecord r)
    {
        if (Registered(r.BrokerId, r.BrokerEpoch, out _) is { } error) return error;
        Brokers.Remove(r.BrokerId);
        return null;
    }

    private ReplayError? ChangeBroker(int id, long epoch, Func<BrokerRegistration, BrokerRegistration> change)
    {
        if (Registered(id, epoch, out var current) is { } error) return error;
        Brokers[id] = change(current!);
        return null;
    }

    private ReplayError? Registered(int id, long epoch, out BrokerRegistration? current)
    {
        if (!Brokers.TryGetValue(id, out current))
            return Error(ReplayErrorCode.UnknownBroker, $"broker {id} is not registered");
        if (current.Epoch != epoch)
            return Error(ReplayErrorCode.StaleBrokerEpoch, $"broker {id} is registered with epoch {current.Epoch}, not {epoch}");
        return null;
    }
}
