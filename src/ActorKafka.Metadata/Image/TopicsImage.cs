using System.Collections.Immutable;

namespace ActorKafka.Metadata.Image;

/// <summary>A topic and its partitions (Kafka's TopicImage).</summary>
public sealed record TopicImage(string Name, Guid Id, ImmutableSortedDictionary<int, PartitionRegistration> Partitions)
{
    public PartitionRegistration? Partition(int partitionId) => Partitions.GetValueOrDefault(partitionId);

    public bool Equals(TopicImage? other) =>
        other is not null && Name == other.Name && Id == other.Id && ImageEquality.SameEntries(Partitions, other.Partitions);

    public override int GetHashCode() => HashCode.Combine(Name, Id, Partitions.Count);
}

/// <summary>Every topic, by id and by name; both maps hold the same <see cref="TopicImage"/> (Kafka's TopicsImage).</summary>
public sealed record TopicsImage(ImmutableDictionary<Guid, TopicImage> TopicsById, ImmutableDictionary<string, TopicImage> TopicsByName)
{
    public static readonly TopicsImage Empty = new(
        ImmutableDictionary<Guid, TopicImage>.Empty,
        ImmutableDictionary.Create<string, TopicImage>(StringComparer.Ordinal));

    public TopicImage? Topic(string name) => TopicsByName.GetValueOrDefault(name);

    public TopicImage? Topic(Guid id) => TopicsById.GetValueOrDefault(id);

    public PartitionRegistration? Partition(TopicPartition tp) => Topic(tp.Topic)?.Partition(tp.Partition);

    public long PartitionCount() => TopicsById.Values.Sum(t => (long)t.Partitions.Count);

    // By name is derived from by id, so comparing by id (and the names' count) compares both.
    public bool Equals(TopicsImage? other) =>
        other is not null && TopicsByName.Count == other.TopicsByName.Count && ImageEquality.SameEntries(TopicsById, other.TopicsById);

    public override int GetHashCode() => TopicsById.Count;
}
