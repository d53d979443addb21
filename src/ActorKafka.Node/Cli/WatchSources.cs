using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>
/// Where the watch reads the cluster from. A fetch never throws for a cluster that does not answer:
/// it says so. An observation's time is when its answer arrived, the moment the frame shows.
/// </summary>
internal interface IWatchSource : IAsyncDisposable
{
    Task<WatchObservation> FetchAsync();
}

/// <summary>
/// KRaft mode: the active controller's DescribeCluster and DescribeQuorum, asked of every listed
/// controller at once, from one client system kept for the whole watch.
/// </summary>
internal sealed class WatchKraftSource(ActorSystem system, IReadOnlyList<Address> controllers) : IWatchSource
{
    private readonly QuorumControllerClient _client = new(system, controllers, CliDefaults.ControllerRequestTimeout);

    public static WatchKraftSource Start(IReadOnlyList<Address> controllers) =>
        new(ActorSystem.Create("actorkafka-cli", ShellHost.RemoteClientConfig()), controllers);

    public async Task<WatchObservation> FetchAsync()
    {
        try
        {
            var (cluster, problem) = await _client.RequestAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, CliDefaults.DescribeMaxPartitions))
                .ConfigureAwait(false);
            if (cluster is null) return new WatchUnreachable(WatchMode.Kraft, DateTimeOffset.Now, problem!);
            var (quorum, quorumProblem) = await _client.RequestAsync<DescribeQuorumResponse>(id => new DescribeQuorumRequest(id)).ConfigureAwait(false);
            if (quorum is null) return new WatchUnreachable(WatchMode.Kraft, DateTimeOffset.Now, quorumProblem!);
            return WatchSnapshots.FromKraft(DateTimeOffset.Now, cluster, quorum);
        }
        // A live view outlives whatever one fetch runs into; the next frame asks again.
        catch (Exception e)
        {
            return new WatchUnreachable(WatchMode.Kraft, DateTimeOffset.Now, $"asking the controllers failed: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync() => await system.Terminate().ConfigureAwait(false);
}

/// <summary>
/// zk mode: the znodes `cluster describe` and `topics describe` read, over one store session.
/// The session is opened on the first fetch and again after one fails (the store was down, or the
/// session expired), so the watch picks the cluster up again when the store is back.
/// </summary>
internal sealed class WatchStoreSource(ShellHost host) : IWatchSource
{
    /// <summary>As long as the KRaft watch waits for a controller: a frame should not freeze for long behind a dead store.</summary>
    private static readonly TimeSpan ConnectTimeout = CliDefaults.ControllerRequestTimeout;

    private CoordinationSession? _session;
    private int _sessions;

    public static WatchStoreSource Start(Address store) => new(ShellHost.Remote(store));

    public async Task<WatchObservation> FetchAsync()
    {
        if (_session is null)
        {
            var name = $"watch-session-{++_sessions}";
            try
            {
                _session = await CoordinationSession.OpenAsync(host.System, host.Settings, name, ConnectTimeout).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                // The client would go on trying to reach the store; the next frame starts a new one.
                host.System.ActorSelection($"/user/{name}").Tell(PoisonPill.Instance);
                return new WatchUnreachable(WatchMode.Zk, DateTimeOffset.Now, $"no coordination store answered at {host.Settings.StorePath} " +
                    $"within {ConnectTimeout.TotalSeconds:0.#} s; check the address and that a node with role 'store' runs there");
            }
        }

        try
        {
            // Some of the reads below take an error for "not there"; sync fails first when the store is unreachable.
            await _session.SyncAsync().ConfigureAwait(false);
            var cluster = await ZkAdmin.DescribeClusterAsync(_session).ConfigureAwait(false);
            var topics = await AdminQueries.DescribeTopicsAsync(_session).ConfigureAwait(false);
            return WatchSnapshots.FromZk(DateTimeOffset.Now, cluster, topics);
        }
        // A live view outlives whatever one read runs into.
        catch (Exception e)
        {
            // A lost connection is the client's to restore (it reconnects and keeps the session); anything else gets a new session next frame.
            if (e is not KeeperException { Code: ZkErrorCode.ConnectionLoss })
            {
                // Stopping the client ends the session at the store (it death-watches the client) without waiting on a store that may be gone.
                host.System.Stop(_session.Client);
                _session = null;
            }
            return new WatchUnreachable(WatchMode.Zk, DateTimeOffset.Now, $"the store did not complete a read ({e.Message})");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_session is not null) await _session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}
