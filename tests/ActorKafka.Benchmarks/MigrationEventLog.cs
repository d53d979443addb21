using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;

namespace ActorKafka.Benchmarks;

/// <summary>
/// The timestamped events of every node of a migrating cluster. Per-partition events (leader
/// elections, replica roles, applied control requests) are folded into counters as they arrive
/// and not kept: at 100,000 partitions there are hundreds of thousands, and every wait's condition
/// is checked on each arrival, so it must stay cheap.
/// </summary>
public sealed class MigrationEventLog
{
    private readonly object _gate = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = new();
    private readonly List<(long At, object Event)> _events = new();
    private readonly HashSet<TopicPartition> _zkOnline = new();
    private readonly Dictionary<int, HashSet<TopicPartition>> _hosted = new();
    private readonly Dictionary<(int Broker, int Epoch), (int Partitions, long LastAt)> _metadata = new();
    private readonly Dictionary<TopicPartition, (long At, int Leader, int LeaderEpoch)> _kraftLeaders = new();

    public void Record(long at, object evt)
    {
        lock (_gate)
        {
            switch (evt)
            {
                case LeaderElected e when e.ControllerId >= MigrationCluster.FirstControllerId:
                    _kraftLeaders[e.Partition] = (at, e.Leader, e.LeaderEpoch);
                    break;
                case LeaderElected e:
                    _zkOnline.Add(e.Partition);
                    break;
                case ReplicaRoleChanged r:
                    if (!_hosted.TryGetValue(r.BrokerId, out var hosted)) _hosted[r.BrokerId] = hosted = new();
                    hosted.Add(r.Partition);
                    break;
                case ControlRequestApplied { Request: "UpdateMetadataRequest" } m:
                    var key = (m.BrokerId, m.ControllerEpoch);
                    _metadata[key] = (_metadata.GetValueOrDefault(key).Partitions + m.Partitions, at);
                    break;
                case ControlRequestApplied or PartitionStateChanged:
                    break;
                default:
                    _events.Add((at, evt));
                    break;
            }
            foreach (var (condition, done) in _waiters)
                if (!done.Task.IsCompleted && condition()) done.TrySetResult();
        }
    }

    /// <summary>Completes once the condition holds (checked now and as each event arrives).</summary>
    public async Task WaitFor(Func<bool> condition, string what, TimeSpan? bound = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition()) return;
            _waiters.Add((condition, done));
        }
        var limit = bound ?? TimeSpan.FromMinutes(5);
        try
        {
            await done.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"'{what}' did not happen within {limit}");
        }
        finally
        {
            lock (_gate) _waiters.RemoveAll(w => w.Done == done);
        }
    }

    /// <summary>The kept (not per-partition) events of a type, oldest first, optionally only those after a timestamp.</summary>
    public IReadOnlyList<(long At, T Event)> Of<T>(long after = 0)
    {
        lock (_gate) return _events.Where(e => e.At > after && e.Event is T).Select(e => (e.At, (T)e.Event)).ToArray();
    }

    public bool Has<T>(Func<T, bool> match, long after = 0)
    {
        lock (_gate) return _events.Any(e => e.At > after && e.Event is T t && match(t));
    }

    /// <summary>Partitions a zk-mode controller has elected a leader for.</summary>
    public int ZkOnline
    {
        get { lock (_gate) return _zkOnline.Count; }
    }

    public int HostedBy(int brokerId)
    {
        lock (_gate) return _hosted.TryGetValue(brokerId, out var hosted) ? hosted.Count : 0;
    }

    /// <summary>How many partitions' UpdateMetadata a broker has applied at a zk controller epoch, and when the last arrived.</summary>
    public (int Partitions, long LastAt) MetadataAt(int brokerId, int epoch)
    {
        lock (_gate) return _metadata.GetValueOrDefault((brokerId, epoch));
    }

    /// <summary>Each partition's latest leader election committed by a KRaft controller (the copy reports every partition's).</summary>
    public IReadOnlyDictionary<TopicPartition, (long At, int Leader, int LeaderEpoch)> KraftLeaders
    {
        get { lock (_gate) return new Dictionary<TopicPartition, (long, int, int)>(_kraftLeaders); }
    }

    public int KraftLeadersCount
    {
        get { lock (_gate) return _kraftLeaders.Count; }
    }
}
