using System.Text;
using System.Threading.Channels;
using Akka.Actor;

namespace ActorKafka.Coordination;

/// <summary>A request failed with a ZooKeeper error code (thrown by the typed helpers only).</summary>
public sealed class KeeperException(ErrorResponse error)
    : Exception(error.Message.Length == 0 ? $"{error.Code} {error.Path}" : $"{error.Code} {error.Path}: {error.Message}")
{
    public ErrorResponse Error { get; } = error;
    public ZkErrorCode Code => Error.Code;
    public string Path => Error.Path;
}

/// <summary>
/// The coordination client for async code: a <see cref="CoordinationClient"/> actor behind
/// Task-returning methods. Watch events and session state changes are written to
/// <see cref="Events"/> before the reply to any later request completes.
/// <see cref="RequestAsync"/> returns typed results; the helpers throw <see cref="KeeperException"/>.
/// </summary>
public sealed class CoordinationSession : IAsyncDisposable
{
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = false });
    private readonly TimeSpan _askTimeout;

    private CoordinationSession(IActorRefFactory factory, ClientSettings settings, string? name)
    {
        _askTimeout = settings.RequestTimeout + TimeSpan.FromSeconds(1);
        var props = CoordinationClient.Props(settings, onEvent: e => _events.Writer.TryWrite(e));
        Client = name is null ? factory.ActorOf(props) : factory.ActorOf(props, name);
    }

    /// <summary>The client actor: its termination (or its ActorSystem's) ends the session.</summary>
    public IActorRef Client { get; }

    public long SessionId { get; private set; }

    public int TimeoutMs { get; private set; }

    /// <summary>WatchedEvent and SessionStateChanged, in the order they happened.</summary>
    public ChannelReader<object> Events => _events.Reader;

    public static async Task<CoordinationSession> OpenAsync(IActorRefFactory factory, ClientSettings settings, string? name = null,
        TimeSpan? connectTimeout = null)
    {
        var session = new CoordinationSession(factory, settings, name);
        var info = await session.Client.Ask<SessionInfo>(GetSession.Instance, connectTimeout ?? session._askTimeout).ConfigureAwait(false);
        session.SessionId = info.SessionId;
        session.TimeoutMs = info.TimeoutMs;
        return session;
    }

    public Task<ZkResponse> RequestAsync(ZkRequest request) => Client.Ask<ZkResponse>(request, _askTimeout);

    public async Task<T> SendAsync<T>(ZkRequest request) where T : ZkResponse =>
        CoordinationClientExtensions.Expect<T>(request, await RequestAsync(request).ConfigureAwait(false));

    public async Task<string> CreateAsync(string path, byte[] data, CreateMode mode = CreateMode.Persistent) =>
        (await SendAsync<CreateResponse>(new CreateRequest(path, data, mode)).ConfigureAwait(false)).Path;

    public Task<string> CreateAsync(string path, string data, CreateMode mode = CreateMode.Persistent) =>
        CreateAsync(path, Encoding.UTF8.GetBytes(data), mode);

    public Task<GetDataResponse> GetDataAsync(string path, bool watch = false) => SendAsync<GetDataResponse>(new GetDataRequest(path, watch));

    public async Task<Stat> SetDataAsync(string path, byte[] data, int version = -1) =>
        (await SendAsync<SetDataResponse>(new SetDataRequest(path, data, version)).ConfigureAwait(false)).Stat;

    public Task DeleteAsync(string path, int version = -1) => SendAsync<DeleteResponse>(new DeleteRequest(path, version));

    public async Task<Stat?> ExistsAsync(string path, bool watch = false) =>
        (await SendAsync<ExistsResponse>(new ExistsRequest(path, watch)).ConfigureAwait(false)).Stat;

    public async Task<IReadOnlyList<string>> GetChildrenAsync(string path, bool watch = false) =>
        (await SendAsync<GetChildrenResponse>(new GetChildrenRequest(path, watch)).ConfigureAwait(false)).Children;

    public Task<MultiResponse> MultiAsync(params ZkRequest[] ops) => SendAsync<MultiResponse>(new MultiRequest(ops));

    public Task SyncAsync(string path = ZnodePath.Root) => SendAsync<SyncResponse>(new SyncRequest(path));

    /// <summary>Closes the session: its ephemerals are deleted now rather than after a timeout.</summary>
    public Task<ZkResponse> CloseAsync() => Client.Ask<ZkResponse>(CloseSessionCommand.Instance, _askTimeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            var info = await Client.Ask<SessionInfo>(GetSession.Instance, _askTimeout).ConfigureAwait(false);
            if (info.State is not (SessionState.Closed or SessionState.Expired)) await CloseAsync().ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            // The store is gone: the session will expire on its own.
        }
        await Client.GracefulStop(_askTimeout).ConfigureAwait(false);
        _events.Writer.TryComplete();
    }
}
