using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// Kafka's ControllerResult: the records a request produced, as consecutive log entries in order
/// (each inner list is one Raft batch), and the response to send once the last of them commits.
/// With no batches the response still stands on the core's image, which may hold batches not yet
/// committed: the shell answers once the image's offset has committed.
/// </summary>
public sealed record ControllerResult<T>(IReadOnlyList<IReadOnlyList<MetadataRecord>> Batches, T Response)
{
    public int RecordCount => Batches.Sum(batch => batch.Count);

    /// <summary>A response that changes nothing.</summary>
    public static ControllerResult<T> WithoutRecords(T response) => new([], response);
}
