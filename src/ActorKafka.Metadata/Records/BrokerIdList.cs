using System.Collections;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace ActorKafka.Metadata.Records;

/// <summary>
/// An ordered list of broker ids (replicas, ISR, voters). Records and images must compare by
/// content so that two replays of the same log are equal; arrays and ImmutableArray compare by
/// reference, hence this wrapper.
/// </summary>
[CollectionBuilder(typeof(BrokerIdList), nameof(Create))]
public readonly struct BrokerIdList : IReadOnlyList<int>, IEquatable<BrokerIdList>
{
    private readonly ImmutableArray<int> _ids;

    public BrokerIdList(IEnumerable<int> ids) => _ids = ids.ToImmutableArray();

    private BrokerIdList(ImmutableArray<int> ids) => _ids = ids;

    public static BrokerIdList Empty => new(ImmutableArray<int>.Empty);

    public static BrokerIdList Create(ReadOnlySpan<int> ids) => new(ImmutableArray.Create(ids));

    public static BrokerIdList Of(params int[] ids) => new(ImmutableArray.Create(ids));

    public static implicit operator BrokerIdList(int[] ids) => new(ImmutableArray.Create(ids));

    private ImmutableArray<int> Ids => _ids.IsDefault ? ImmutableArray<int>.Empty : _ids;

    public int Count => Ids.Length;

    public int this[int index] => Ids[index];

    public bool Contains(int id) => Ids.Contains(id);

    public bool HasDuplicates => Ids.Distinct().Count() != Ids.Length;

    /// <summary>Every id of this list is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(BrokerIdList other)
    {
        foreach (var id in Ids)
        {
            if (!other.Contains(id)) return false;
        }
        return true;
    }

    public int[] ToArray() => Ids.ToArray();

    public ImmutableArray<int>.Enumerator GetEnumerator() => Ids.GetEnumerator();

    IEnumerator<int> IEnumerable<int>.GetEnumerator() => ((IEnumerable<int>)Ids).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable)Ids).GetEnumerator();

    public bool Equals(BrokerIdList other) => Ids.AsSpan().SequenceEqual(other.Ids.AsSpan());

    public override bool Equals(object? obj) => obj is BrokerIdList other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var id in Ids) hash.Add(id);
        return hash.ToHashCode();
    }

    public static bool operator ==(BrokerIdList left, BrokerIdList right) => left.Equals(right);

    public static bool operator !=(BrokerIdList left, BrokerIdList right) => !left.Equals(right);

    public override string ToString() => "[" + string.Join(",", Ids) + "]";
}
