namespace ActorKafka.Metadata.Image;

/// <summary>Content equality for the image's immutable maps, which themselves compare by reference.</summary>
internal static class ImageEquality
{
    public static bool SameEntries<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> a, IReadOnlyDictionary<TKey, TValue> b)
        where TKey : notnull
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Count != b.Count) return false;
        var values = EqualityComparer<TValue>.Default;
        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !values.Equals(value, other)) return false;
        }
        return true;
    }
}
