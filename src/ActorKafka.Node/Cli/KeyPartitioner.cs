namespace ActorKafka.Node.Cli;

/// <summary>
/// Kafka's default partitioner for `produce`: a keyed record goes to murmur2(key) mod the
/// partition count, so the same key always lands in the same partition (the one Kafka's own
/// clients would pick); keyless records go to the partitions in turn.
/// </summary>
internal sealed class KeyPartitioner(int partitions)
{
    private int _next;

    public int PartitionOf(byte[]? key)
    {
        if (key is null) return _next++ % partitions;
        return (Murmur2(key) & 0x7fffffff) % partitions;
    }

    /// <summary>Kafka's Utils.murmur2: MurmurHash2, 32 bits, seed 0x9747b28c.</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28c ^ (uint)length;
        var whole = length & ~3;
        for (var i = 0; i < whole; i += 4)
        {
            var k = data[i] | ((uint)data[i + 1] << 8) | ((uint)data[i + 2] << 16) | ((uint)data[i + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[whole + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[whole + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[whole];
                h *= m;
                break;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return unchecked((int)h);
    }
}
