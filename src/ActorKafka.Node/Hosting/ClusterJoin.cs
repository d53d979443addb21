using Akka.Actor;
using Akka.Cluster;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// Joins a node to the Akka cluster and completes once it is a member: Up, or WeaklyUp. While some
/// member is unreachable (a loaded machine, a node just killed) the leader cannot converge, so a
/// joiner is only WeaklyUp (allow-weakly-up-members); it can already talk to everyone, and nothing
/// here needs more than that, so waiting for Up would wait for someone else's failure to clear.
/// </summary>
public static class ClusterJoin
{
    public static async Task JoinAsync(Cluster cluster, Action join, TimeSpan timeout)
    {
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => joined.TrySetResult());
        var watcher = cluster.System.ActorOf(Props.Create(() => new WeaklyUpWatcher(cluster, joined)));
        join();
        try
        {
            await joined.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            cluster.System.Stop(watcher);
        }
    }

    private sealed class WeaklyUpWatcher : ReceiveActor
    {
        private readonly Cluster _cluster;

        public WeaklyUpWatcher(Cluster cluster, TaskCompletionSource joined)
        {
            _cluster = cluster;
            Receive<ClusterEvent.MemberWeaklyUp>(e =>
            {
                if (e.Member.UniqueAddress.Equals(cluster.SelfUniqueAddress)) joined.TrySetResult();
            });
            ReceiveAny(_ => { });
        }

        protected override void PreStart() =>
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberWeaklyUp));

        protected override void PostStop() => _cluster.Unsubscribe(Self);
    }

    /// <summary>
    /// Completes once no member (reachable or not) has <paramref name="address"/> in
    /// <paramref name="observer"/>'s view. A node restarted on its port must wait for this: until
    /// its old incarnation is removed, the new one's join is not admitted.
    /// </summary>
    public static async Task AwaitRemovedAsync(Cluster observer, Address address, TimeSpan timeout)
    {
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = observer.System.ActorOf(Props.Create(() => new RemovalWatcher(observer, address, removed)));
        try
        {
            await removed.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            observer.System.Stop(watcher);
        }
    }

    private sealed class RemovalWatcher : ReceiveActor
    {
        private readonly Cluster _cluster;

        public RemovalWatcher(Cluster cluster, Address address, TaskCompletionSource removed)
        {
            _cluster = cluster;
            Receive<ClusterEvent.CurrentClusterState>(state =>
            {
                if (state.Members.All(m => !m.Address.Equals(address)) && state.Unreachable.All(m => !m.Address.Equals(address))) removed.TrySetResult();
            });
            Receive<ClusterEvent.MemberRemoved>(e =>
            {
                if (e.Member.Address.Equals(address)) removed.TrySetResult();
            });
            ReceiveAny(_ => { });
        }

        protected override void PreStart() =>
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));

        protected override void PostStop() => _cluster.Unsubscribe(Self);
    }
}
