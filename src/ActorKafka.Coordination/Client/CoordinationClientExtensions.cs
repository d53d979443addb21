using Akka.Actor;

namespace ActorKafka.Coordination;

/// <summary>Async requests to a CoordinationClient actor, for actors that run multi-step flows with ReceiveAsync.</summary>
public static class CoordinationClientExtensions
{
    /// <summary>The typed reply, errors included (ConnectionLoss when nothing came back in time).</summary>
    public static async Task<ZkResponse> RequestAsync(this IActorRef client, ZkRequest request, TimeSpan timeout)
    {
        try
        {
            return await client.Ask<ZkResponse>(request, timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new ErrorResponse(ZkErrorCode.ConnectionLoss, request.Path, $"no answer from the coordination client within {timeout.TotalMilliseconds} ms");
        }
    }

    /// <summary>The expected reply type, or a KeeperException carrying the error.</summary>
    public static async Task<T> SendAsync<T>(this IActorRef client, ZkRequest request, TimeSpan timeout) where T : ZkResponse =>
        Expect<T>(request, await client.RequestAsync(request, timeout).ConfigureAwait(false));

    public static T Expect<T>(ZkRequest request, ZkResponse response) where T : ZkResponse => response switch
    {
        T ok => ok,
        ErrorResponse error => throw new KeeperException(error),
        MultiResponse { FirstError: { } error } => throw new KeeperException(error),
        _ => throw new InvalidOperationException($"unexpected {response.GetType().Name} for {request.GetType().Name}"),
    };

    /// <summary>Creates a persistent znode unless it exists (Kafka's createRecursive for fixed paths).</summary>
    public static async Task EnsurePathAsync(this IActorRef client, string path, TimeSpan timeout)
    {
        var response = await client.RequestAsync(new CreateRequest(path, Array.Empty<byte>()), timeout).ConfigureAwait(false);
        if (response is ErrorResponse { Code: not ZkErrorCode.NodeExists } error) throw new KeeperException(error);
    }
}
