using System.Text.Json.Nodes;
using ActorKafka.Coordination;
using Akka.Actor;

namespace ActorKafka.Node.Demo;

/// <summary>
/// Watches /brokers/ids the way Kafka's controller does: getChildren with a watch, and after
/// every fired watch read the children again (re-arming the one-time watch) and compare with
/// what it knew. A broker id that disappeared is a lost broker.
/// </summary>
internal sealed class BrokerIdsObserver : IAsyncDisposable
{
    private readonly CoordinationSession _session;
    private readonly Timeline _timeline;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<(Func<IReadOnlyList<int>, bool> Condition, TaskCompletionSource Done)> _waiters = new();
    private IReadOnlyList<int> _brokers = [];
    private Task _loop = Task.CompletedTask;

    private BrokerIdsObserver(CoordinationSession session, Timeline timeline)
    {
        _session = session;
        _timeline = timeline;
    }

    public long SessionId => _session.SessionId;

    public static async Task<BrokerIdsObserver> StartAsync(CoordinationSession session, Timeline timeline)
    {
        var observer = new BrokerIdsObserver(session, timeline);
        await BrokerZnodes.EnsureIdsPathAsync(session).ConfigureAwait(false);
        var children = await session.GetChildrenAsync(BrokerZnodes.Ids, watch: true).ConfigureAwait(false);
        observer._brokers = BrokerZnodes.BrokerIds(children);
        timeline.Note($"observer session 0x{session.SessionId:x} watches {BrokerZnodes.Ids}: {Format(observer._brokers)}");
        observer._loop = Task.Run(observer.WatchLoopAsync);
        return observer;
    }

    /// <summary>Completes once the known broker ids satisfy the condition; fails after the bound.</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<int>, bool> condition, TimeSpan bound, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_brokers)) return Task.CompletedTask;
            _waiters.Add((condition, done));
        }
        return WithBound(done.Task, bound, what);
    }

    private static async Task WithBound(Task task, TimeSpan bound, string what)
    {
        try
        {
            await task.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} did not happen within {bound.TotalSeconds:0} s");
        }
    }

    private async Task WatchLoopAsync()
    {
        try
        {
            await foreach (var e in _session.Events.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (e is not WatchedEvent watched) continue;
                _timeline.Event("watch-fired", $"watch fired: {watched.Type} {watched.Path}",
                    ("type", watched.Type.ToString()), ("path", watched.Path));
                var children = await _session.GetChildrenAsync(BrokerZnodes.Ids, watch: true).ConfigureAwait(false);
                Update(BrokerZnodes.BrokerIds(children));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: the demo is over.
        }
        catch (Exception e) when (e is KeeperException or AskTimeoutException)
        {
            // Without its watch the observer can no longer tell anyone anything: fail whoever waits.
            List<TaskCompletionSource> waiting;
            lock (_gate)
            {
                waiting = _waiters.Select(w => w.Done).ToList();
                _waiters.Clear();
            }
            foreach (var done in waiting) done.TrySetException(e);
        }
    }

    private void Update(IReadOnlyList<int> brokers)
    {
        _timeline.Note($"observer re-read {BrokerZnodes.Ids} and re-armed its watch: {Format(brokers)}");
        List<TaskCompletionSource> satisfied;
        lock (_gate)
        {
            foreach (var lost in _brokers.Except(brokers))
                _timeline.Event("broker-lost", $"broker {lost} lost: {BrokerZnodes.IdPath(lost)} is gone with its session",
                    ("brokerId", JsonValue.Create(lost)));
            _brokers = brokers;
            satisfied = _waiters.Where(w => w.Condition(brokers)).Select(w => w.Done).ToList();
            _waiters.RemoveAll(w => satisfied.Contains(w.Done));
        }
        foreach (var done in satisfied) done.TrySetResult();
    }

    private static string Format(IEnumerable<int> brokers) => "[" + string.Join(", ", brokers) + "]";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _session.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
