using System.Collections.Immutable;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>Why a record could not be replayed; the image is left as it was before that record.</summary>
public enum ReplayErrorCode
{
    /// <summary>Offset or epoch below the image's: the record was already applied or comes from a stale log.</summary>
    OutOfOrder,
    UnknownBroker,
    StaleBrokerEpoch,
    TopicAlreadyExists,
    DuplicateTopicId,
    UnknownTopicId,
    PartitionAlreadyExists,
    UnknownTopicOrPartition,
    InvalidPartitionState,
    UnsupportedRecord,
    /// <summary>A ZkMigrationStateRecord that does not follow None -> PreMigration -> Migration -> PostMigration.</summary>
    IllegalMigrationTransition,
}

public sealed record ReplayError(ReplayErrorCode Code, long Offset, MetadataRecord Record, string Message)
{
    public override string ToString() => $"{Code} at offset {Offset} ({Record.GetType().Name}): {Message}";
}

/// <summary>The image after replay and the records it had to skip, in log order.</summary>
public sealed record ReplayResult(MetadataImage Image, ImmutableArray<ReplayError> Errors)
{
    public bool IsOk => Errors.IsEmpty;

    /// <summary>The first error, for single-record replays.</summary>
    public ReplayError? Error => Errors.IsEmpty ? null : Errors[0];
}

/// <summary>One Raft batch as it commits: every record in it shares the batch's offset and epoch.</summary>
public sealed record MetadataBatch(long Offset, int Epoch, IReadOnlyList<MetadataRecord> Records);
