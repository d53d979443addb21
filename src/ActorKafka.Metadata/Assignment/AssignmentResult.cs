namespace ActorKafka.Metadata;

/// <summary>Why a replica assignment could not be made, named after the Kafka error a client would see.</summary>
public enum AssignmentError
{
    InvalidPartitions,
    InvalidReplicationFactor,
    InvalidBrokerList,
    InvalidArgument,
}

/// <summary>A replica assignment (partition id -> replicas, the first being the preferred leader) or the reason there is none.</summary>
public sealed record AssignmentResult
{
    private AssignmentResult(IReadOnlyDictionary<int, IReadOnlyList<int>>? assignment, AssignmentError? errorCode, string? error)
    {
        Assignment = assignment;
        ErrorCode = errorCode;
        Error = error;
    }

    public IReadOnlyDictionary<int, IReadOnlyList<int>>? Assignment { get; }

    public AssignmentError? ErrorCode { get; }

    /// <summary>Kafka's message for the failure, or null on success.</summary>
    public string? Error { get; }

    public bool IsSuccess => Assignment is not null;

    public static AssignmentResult Success(IReadOnlyDictionary<int, IReadOnlyList<int>> assignment) => new(assignment, null, null);

    public static AssignmentResult Failure(AssignmentError code, string error) => new(null, code, error);
}
