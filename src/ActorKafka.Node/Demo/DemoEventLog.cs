using ActorKafka.Broker;
using ActorKafka.Controller;
using Akka.Actor;

namespace ActorKafka.Node.Demo;

/// <summary>
/// Every broker and controller event of every node of a demo (zk or kraft), in arrival order. Each event
/// is handed to the demo's printer under the log's lock, so the printed order is the log's order,
/// and the demo waits for conditions on the log (no polling: a condition is checked as each event arrives).
/// </summary>
internal sealed class DemoEventLog(Action<object> print)
{
    private readonly object _gate = new();
    private readonly List<object> _events = new();
    private readonly List<(Func<IReadOnlyList<object>, bool> Condition, TaskCompletionSource Done)> _waiters = new();

    /// <summary>How many events arrived so far: a mark to look for events after.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _events.Count;
        }
    }

    public IReadOnlyList<object> Snapshot()
    {
        lock (_gate) return _events.ToArray();
    }

    public void Add(object e)
    {
        List<TaskCompletionSource> ready;
        lock (_gate)
        {
            _events.Add(e);
            print(e);
            ready = Ready();
        }
        foreach (var done in ready) done.TrySetResult();
    }

    /// <summary>Completes when the condition holds on the log, or fails after the bound naming what it waited for.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<object>, bool> condition, TimeSpan bound, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_events)) return;
            _waiters.Add((condition, done));
        }
        try
        {
            await done.Task.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate) _waiters.RemoveAll(w => w.Done == done);
            throw new TimeoutException($"gave up after {bound.TotalSeconds:0} s waiting for {what}");
        }
    }

    private List<TaskCompletionSource> Ready()
    {
        var ready = new List<TaskCompletionSource>();
        foreach (var waiter in _waiters.ToArray())
        {
            if (!waiter.Condition(_events)) continue;
            _waiters.Remove(waiter);
            ready.Add(waiter.Done);
        }
        return ready;
    }

    /// <summary>
    /// Subscribes a recorder to the node's event stream. Called from the node's before-start hook
    /// (ZkNode's beforeStart, KraftCluster's beforeRoles), so the broker's first event (its registration) is not missed.
    /// </summary>
    public void Attach(ActorSystem node)
    {
        var recorder = node.ActorOf(Props.Create(() => new Recorder(this)), "demo-event-recorder");
        node.EventStream.Subscribe(recorder, typeof(BrokerEvent));
        node.EventStream.Subscribe(recorder, typeof(ControllerEvent));
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(DemoEventLog log) => ReceiveAny(log.Add);
    }
}
