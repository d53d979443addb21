using System.Diagnostics.CodeAnalysis;

namespace ActorKafka.Metadata.Zk;

/// <summary>A decoded znode, or why its data could not be decoded (naming the path and the problem).</summary>
public sealed record ZkDataResult<T>
{
    private readonly T? value;

    private ZkDataResult(T? value, string? error)
    {
        this.value = value;
        Error = error;
    }

    public string? Error { get; }

    public bool IsSuccess => Error is null;

    /// <summary>The decoded value; reading it from a failure is a programming error, not a data error.</summary>
    public T Value => IsSuccess ? value! : throw new InvalidOperationException($"No value: {Error}");

    public static ZkDataResult<T> Success(T value) => new(value, null);

    public static ZkDataResult<T> Failure(string error) => new(default, error);

    public bool TryGetValue([MaybeNullWhen(false)] out T result)
    {
        result = value;
        return IsSuccess;
    }
}
