using System.Collections;

namespace ActorKafka.Node.Demo;

/// <summary>
/// A client's bootstrap list that follows the broker nodes as they are rolled. In this process a
/// restarted node listens on a new port, where a real rolled broker keeps its host and port (or
/// its bootstrap DNS name): without this, a producer that outlives every broker's first incarnation
/// would know only addresses nobody listens on any more. Each read sees one whole list; a
/// reader that asks for an index of an older, longer list wraps around rather than failing.
/// </summary>
internal sealed class FollowingBootstrap(IEnumerable<string> addresses) : IReadOnlyList<string>
{
    private volatile string[] _addresses = addresses.ToArray();

    public void Update(IEnumerable<string> addresses)
    {
        var next = addresses.ToArray();
        if (next.Length > 0) _addresses = next;
    }

    public int Count => _addresses.Length;

    public string this[int index]
    {
        get
        {
            var current = _addresses;
            return current[index % current.Length];
        }
    }

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_addresses).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
