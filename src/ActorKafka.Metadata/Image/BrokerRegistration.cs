using System.Collections.Immutable;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>A registered broker in the image (Kafka's BrokerRegistration).</summary>
public sealed record BrokerRegistration(
    int Id,
    long Epoch,
    Guid IncarnationId,
    ImmutableArray<BrokerEndpoint> EndPoints,
    string? Rack,
    bool Fenced,
    bool InControlledShutdown,
    bool IsMigratingZkBroker)
{
    public static BrokerRegistration From(RegisterBrokerRecord r) =>
        new(r.BrokerId, r.BrokerEpoch, r.IncarnationId, r.EndPoints, r.Rack, r.Fenced, r.InControlledShutdown, r.IsMigratingZkBroker);

    /// <summary>
    /// The zk-mode view of this broker. Host and port come from the first non-actor listener;
    /// the actor address from the <see cref="BrokerEndpoint.ActorListener"/> listener, empty when absent.
    /// </summary>
    public BrokerInfo ToBrokerInfo()
    {
        BrokerEndpoint? listener = null;
        var actorAddress = "";
        foreach (var e in EndPoints)
        {
            if (e.Name == BrokerEndpoint.ActorListener) actorAddress = e.Host;
            else listener ??= e;
        }
        return new BrokerInfo(Id, listener?.Host ?? "", listener?.Port ?? 0, Rack, Epoch, actorAddress);
    }

    // ImmutableArray compares by reference; the image must compare by content.
    public bool Equals(BrokerRegistration? other) =>
        other is not null && Id == other.Id && Epoch == other.Epoch && IncarnationId == other.IncarnationId
        && EndPoints.SequenceEqual(other.EndPoints) && Rack == other.Rack && Fenced == other.Fenced
        && InControlledShutdown == other.InControlledShutdown && IsMigratingZkBroker == other.IsMigratingZkBroker;

    public override int GetHashCode() => HashCode.Combine(Id, Epoch, IncarnationId, Rack, Fenced, InControlledShutdown);
}
