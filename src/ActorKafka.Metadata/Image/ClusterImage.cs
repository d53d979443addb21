using System.Collections.Immutable;

namespace ActorKafka.Metadata.Image;

/// <summary>The registered brokers (Kafka's ClusterImage).</summary>
public sealed record ClusterImage(ImmutableSortedDictionary<int, BrokerRegistration> Brokers)
{
    public static readonly ClusterImage Empty = new(ImmutableSortedDictionary<int, BrokerRegistration>.Empty);

    public BrokerRegistration? Broker(int id) => Brokers.GetValueOrDefault(id);

    /// <summary>Brokers that may lead or join an ISR: registered and unfenced; the live set the election rules take.</summary>
    public IReadOnlySet<int> UnfencedBrokerIds() => Brokers.Values.Where(b => !b.Fenced).Select(b => b.Id).ToHashSet();

    /// <summary>Brokers in controlled shutdown: the shutting-down set the election rules take.</summary>
    public IReadOnlySet<int> ShuttingDownBrokerIds() => Brokers.Values.Where(b => b.InControlledShutdown).Select(b => b.Id).ToHashSet();

    public bool Equals(ClusterImage? other) =>
        other is not null && ImageEquality.SameEntries(Brokers, other.Brokers);

    public override int GetHashCode() => Brokers.Count;
}
