using ActorKafka.Broker.Replication;

namespace ActorKafka.Node.Cli;

/// <summary>`actorkafka produce`: stdin's lines to a topic, through the brokers at Bootstrap (their nodes' ActorSystem addresses).</summary>
internal sealed record ProduceOptions(IReadOnlyList<string> Bootstrap, string Topic, int? Partition, Acks Acks, string KeySeparator) : ParsedCommand
{
    /// <summary>Kafka's console producer's key.separator.</summary>
    public const string DefaultKeySeparator = "\t";
}

/// <summary>Where a consume starts in each partition.</summary>
internal enum ConsumeStart
{
    /// <summary>The partition's first offset (its log start).</summary>
    Beginning,

    /// <summary>The high watermark: only records produced from now on.</summary>
    End,

    /// <summary>The offset given with --offset (one partition only).</summary>
    Offset,
}

internal enum ConsumeFormat
{
    /// <summary>KEY&lt;TAB&gt;VALUE per record, just VALUE when it has no key.</summary>
    Text,

    /// <summary>One JSON object per record: topic, partition, offset, key, value.</summary>
    Json,
}

/// <summary>`actorkafka consume`: Partition null means every partition; Offset is set exactly when Start is Offset.</summary>
internal sealed record ConsumeOptions(IReadOnlyList<string> Bootstrap, string Topic, int? Partition, ConsumeStart Start, long? Offset,
    long? MaxRecords, bool Follow, ConsumeFormat Format) : ParsedCommand;
