using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// Kafka's topicsWithCollisionChars: metric names turn '.' into '_', so "a.b" and "a_b" would
/// share metrics and Kafka refuses to create the second. Indexes the existing names that hold
/// either character by their unified form, so a check does not scan every topic.
/// </summary>
internal sealed class TopicCollisions
{
    private readonly Dictionary<string, string> _byUnifiedName = new(StringComparer.Ordinal);

    public void Clear() => _byUnifiedName.Clear();

    public void Rebuild(MetadataImage image)
    {
        Clear();
        foreach (var name in image.Topics.TopicsByName.Keys) Add(name);
    }

    public void Add(string name)
    {
        if (TopicName.HasCollisionChars(name)) _byUnifiedName.TryAdd(TopicName.UnifyCollisionChars(name), name);
    }

    /// <summary>The existing topic this name would collide with, or null.</summary>
    public string? CollidesWith(string name) =>
        TopicName.HasCollisionChars(name) && _byUnifiedName.TryGetValue(TopicName.UnifyCollisionChars(name), out var other) && other != name
            ? other
            : null;
}
