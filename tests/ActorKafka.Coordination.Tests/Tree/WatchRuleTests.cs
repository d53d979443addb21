using Xunit;
using static ActorKafka.Coordination.Tests.Tree.TreeHarness;

namespace ActorKafka.Coordination.Tests.Tree;

/// <summary>ZooKeeper's one-time watch trigger rules, as <see cref="CoordinationState"/> fires them.</summary>
public sealed class WatchRuleTests
{
    private static (long, WatchedEvent) Ev(long session, WatchEventType type, string path, long zxid) =>
        (session, new WatchedEvent(type, path, zxid));

    private static void AssertFired(Outcome outcome, params (long, WatchedEvent)[] expected) =>
        Assert.Equal(expected, outcome.Fired.Select(f => (f.SessionId, f.Event)));

    [Fact]
    public void Create_fires_the_exists_watch_on_the_node_and_the_child_watch_on_the_parent()
    {
        var h = new TreeHarness();
        var w = h.Open();
        var writer = h.Open();
        h.Create(writer, "/p");
        Assert.Null(h.Ok<ExistsResponse>(w, new ExistsRequest("/p/c", true)).Stat);
        h.Ok<GetChildrenResponse>(w, new GetChildrenRequest("/p", true));
        var outcome = h.Do(writer, new CreateRequest("/p/c", Bytes("")));
        var zxid = outcome.Record!.Zxid;
        AssertFired(outcome,
            Ev(w, WatchEventType.NodeCreated, "/p/c", zxid),
            Ev(w, WatchEventType.NodeChildrenChanged, "/p", zxid));
    }

    [Fact]
    public void Sequential_create_fires_on_the_resolved_name()
    {
        var h = new TreeHarness();
        var w = h.Open();
        h.Create(w, "/q");
        h.Ok<ExistsResponse>(w, new ExistsRequest("/q/n0000000000", true));
        h.Ok<ExistsResponse>(w, new ExistsRequest("/q/n", true)); // the unresolved name is not the node's name
        var outcome = h.Do(w, new CreateRequest("/q/n", Bytes(""), CreateMode.EphemeralSequential));
        AssertFired(outcome, Ev(w, WatchEventType.NodeCreated, "/q/n0000000000", outcome.Record!.Zxid));
    }

    [Fact]
    public void Delete_fires_NodeDeleted_for_data_and_child_watches_and_NodeChildrenChanged_on_the_parent()
    {
        var h = new TreeHarness();
        var data = h.Open();
        var exists = h.Open();
        var child = h.Open();
        var parent = h.Open();
        h.Create(data, "/p");
        h.Create(data, "/p/c");
        h.Ok<GetDataResponse>(data, new GetDataRequest("/p/c", true));
        h.Ok<ExistsResponse>(exists, new ExistsRequest("/p/c", true));
        h.Ok<GetChildrenResponse>(child, new GetChildrenRequest("/p/c", true));
        h.Ok<GetChildrenResponse>(parent, new GetChildrenRequest("/p", true));
        var outcome = h.Do(data, new DeleteRequest("/p/c"));
        var zxid = outcome.Record!.Zxid;
        AssertFired(outcome,
            Ev(data, WatchEventType.NodeDeleted, "/p/c", zxid),
            Ev(exists, WatchEventType.NodeDeleted, "/p/c", zxid),
            Ev(child, WatchEventType.NodeDeleted, "/p/c", zxid),
            Ev(parent, WatchEventType.NodeChildrenChanged, "/p", zxid));
    }

    [Fact]
    public void SetData_fires_NodeDataChanged_for_getData_and_exists_watches_only()
    {
        var h = new TreeHarness();
        var a = h.Open();
        var b = h.Open();
        var c = h.Open();
        h.Create(a, "/n", "0");
        h.Ok<GetDataResponse>(a, new GetDataRequest("/n", true));
        h.Ok<ExistsResponse>(b, new ExistsRequest("/n", true));
        h.Ok<GetChildrenResponse>(c, new GetChildrenRequest("/n", true));
        h.Ok<GetChildrenResponse>(c, new GetChildrenRequest("/", true));
        var outcome = h.Do(c, new SetDataRequest("/n", Bytes("1")));
        var zxid = outcome.Record!.Zxid;
        AssertFired(outcome,
            Ev(a, WatchEventType.NodeDataChanged, "/n", zxid),
            Ev(b, WatchEventType.NodeDataChanged, "/n", zxid));

        // The child watches are still armed: a child create fires the one on /n, not the one on /.
        var create = h.Do(a, new CreateRequest("/n/k", Bytes("")));
        AssertFired(create, Ev(c, WatchEventType.NodeChildrenChanged, "/n", create.Record!.Zxid));
    }

    [Fact]
    public void Data_watches_ignore_child_changes_and_child_watches_ignore_grandchildren()
    {
        var h = new TreeHarness();
        var w = h.Open();
        h.Create(w, "/a");
        h.Create(w, "/a/b");
        h.Ok<GetDataResponse>(w, new GetDataRequest("/a", true));
        h.Ok<GetChildrenResponse>(w, new GetChildrenRequest("/a", true));
        Assert.Empty(h.Do(w, new CreateRequest("/a/b/c", Bytes(""))).Fired);
        Assert.Empty(h.Do(w, new SetDataRequest("/a/b", Bytes("x"))).Fired);
        Assert.Empty(h.Do(w, new DeleteRequest("/a/b/c")).Fired);
        var outcome = h.Do(w, new DeleteRequest("/a/b"));
        AssertFired(outcome, Ev(w, WatchEventType.NodeChildrenChanged, "/a", outcome.Record!.Zxid));
        var set = h.Do(w, new SetDataRequest("/a", Bytes("y")));
        AssertFired(set, Ev(w, WatchEventType.NodeDataChanged, "/a", set.Record!.Zxid));
    }

    [Fact]
    public void Watches_are_one_time_triggers()
    {
        var h = new TreeHarness();
        var w = h.Open();
        h.Create(w, "/n");
        h.Ok<GetDataResponse>(w, new GetDataRequest("/n", true));
        h.Ok<GetChildrenResponse>(w, new GetChildrenRequest("/n", true));
        Assert.Single(h.Do(w, new SetDataRequest("/n", Bytes("1"))).Fired);
        Assert.Empty(h.Do(w, new SetDataRequest("/n", Bytes("2"))).Fired);
        Assert.Single(h.Do(w, new CreateRequest("/n/c", Bytes(""))).Fired);
        Assert.Empty(h.Do(w, new CreateRequest("/n/d", Bytes(""))).Fired);
        Assert.Empty(h.Do(w, new DeleteRequest("/n/c")).Fired);

        // Re-arming makes it fire again.
        h.Ok<ExistsResponse>(w, new ExistsRequest("/n", true));
        var again = h.Do(w, new SetDataRequest("/n", Bytes("3")));
        AssertFired(again, Ev(w, WatchEventType.NodeDataChanged, "/n", again.Record!.Zxid));
        Assert.Equal(0, h.State.Watches.Count);
    }

    [Fact]
    public void Setting_the_same_watch_twice_fires_once()
    {
        var h = new TreeHarness();
        var w = h.Open();
        h.Create(w, "/n");
        h.Ok<GetDataResponse>(w, new GetDataRequest("/n", true));
        h.Ok<GetDataResponse>(w, new GetDataRequest("/n", true));
        h.Ok<ExistsResponse>(w, new ExistsRequest("/n", true));
        Assert.Single(h.Do(w, new SetDataRequest("/n", Bytes("1"))).Fired);
    }

    [Fact]
    public void Watches_of_different_sessions_are_independent()
    {
        var h = new TreeHarness();
        var a = h.Open();
        var b = h.Open();
        h.Create(a, "/n");
        h.Ok<GetDataResponse>(a, new GetDataRequest("/n", true));
        h.Ok<GetDataResponse>(b, new GetDataRequest("/n", true));
        var first = h.Do(a, new SetDataRequest("/n", Bytes("1")));
        AssertFired(first,
            Ev(a, WatchEventType.NodeDataChanged, "/n", first.Record!.Zxid),
            Ev(b, WatchEventType.NodeDataChanged, "/n", first.Record.Zxid));

        // Only b re-arms: only b hears the next change.
        h.Ok<ExistsResponse>(b, new ExistsRequest("/n", true));
        var second = h.Do(a, new SetDataRequest("/n", Bytes("2")));
        AssertFired(second, Ev(b, WatchEventType.NodeDataChanged, "/n", second.Record!.Zxid));

        // a's child watch and b's data watch on the same node fire independently.
        h.Ok<GetChildrenResponse>(a, new GetChildrenRequest("/n", true));
        h.Ok<ExistsResponse>(b, new ExistsRequest("/n", true));
        var child = h.Do(b, new CreateRequest("/n/c", Bytes("")));
        AssertFired(child, Ev(a, WatchEventType.NodeChildrenChanged, "/n", child.Record!.Zxid));
        var set = h.Do(b, new SetDataRequest("/n", Bytes("3")));
        AssertFired(set, Ev(b, WatchEventType.NodeDataChanged, "/n", set.Record!.Zxid));
    }

    [Fact]
    public void NodeDeleted_is_delivered_once_to_a_session_holding_both_a_data_and_a_child_watch()
    {
        var h = new TreeHarness();
        var both = h.Open();
        var dataOnly = h.Open();
        var childOnly = h.Open();
        h.Create(both, "/n");
        h.Ok<GetDataResponse>(both, new GetDataRequest("/n", true));
        h.Ok<GetChildrenResponse>(both, new GetChildrenRequest("/n", true));
        h.Ok<ExistsResponse>(dataOnly, new ExistsRequest("/n", true));
        h.Ok<GetChildrenResponse>(childOnly, new GetChildrenRequest("/n", true));
        var outcome = h.Do(both, new DeleteRequest("/n"));
        var zxid = outcome.Record!.Zxid;
        Assert.Equal(3, outcome.Fired.Count);
        Assert.Equal(
            new[] { both, dataOnly, childOnly }.Order(),
            outcome.Fired.Select(f => f.SessionId).Order());
        Assert.All(outcome.Fired, f => Assert.Equal(new WatchedEvent(WatchEventType.NodeDeleted, "/n", zxid), f.Event));
        Assert.Equal(0, h.State.Watches.Count); // both of its watches were consumed

        // Recreating the node fires nothing: neither of its watches survived.
        Assert.Empty(h.Do(both, new CreateRequest("/n", Bytes(""))).Fired);
    }

    [Fact]
    public void Exists_sets_a_watch_on_a_missing_node_but_getData_and_getChildren_do_not()
    {
        var h = new TreeHarness();
        var existsWatcher = h.Open();
        var dataWatcher = h.Open();
        var childWatcher = h.Open();
        h.Ok<ExistsResponse>(existsWatcher, new ExistsRequest("/n", true));
        h.Fails(dataWatcher, new GetDataRequest("/n", true), ZkErrorCode.NoNode);
        h.Fails(childWatcher, new GetChildrenRequest("/n", true), ZkErrorCode.NoNode);
        Assert.Equal(1, h.State.Watches.Count);
        var outcome = h.Do(dataWatcher, new CreateRequest("/n", Bytes("")));
        AssertFired(outcome, Ev(existsWatcher, WatchEventType.NodeCreated, "/n", outcome.Record!.Zxid));
        Assert.Empty(h.Do(dataWatcher, new CreateRequest("/n/c", Bytes(""))).Fired);
        Assert.Empty(h.Do(dataWatcher, new SetDataRequest("/n", Bytes("x"))).Fired);
    }

    [Fact]
    public void Reads_without_the_watch_flag_set_no_watch()
    {
        var h = new TreeHarness();
        var w = h.Open();
        h.Create(w, "/n");
        h.Ok<ExistsResponse>(w, new ExistsRequest("/n"));
        h.Ok<ExistsResponse>(w, new ExistsRequest("/m"));
        h.Ok<GetDataResponse>(w, new GetDataRequest("/n"));
        h.Ok<GetChildrenResponse>(w, new GetChildrenRequest("/n", IncludeStat: true));
        Assert.Equal(0, h.State.Watches.Count);
        Assert.Empty(h.Do(w, new SetDataRequest("/n", Bytes("x"))).Fired);
        Assert.Empty(h.Do(w, new CreateRequest("/n/c", Bytes(""))).Fired);
        Assert.Empty(h.Do(w, new CreateRequest("/m", Bytes(""))).Fired);
    }

    [Fact]
    public void Watches_of_a_closed_session_are_dropped()
    {
        var h = new TreeHarness();
        var closing = h.Open();
        var staying = h.Open();
        h.Create(staying, "/n");
        h.Ok<GetDataResponse>(closing, new GetDataRequest("/n", true));
        h.Ok<GetChildrenResponse>(closing, new GetChildrenRequest("/n", true));
        h.Ok<ExistsResponse>(closing, new ExistsRequest("/missing", true));
        h.Ok<ExistsResponse>(staying, new ExistsRequest("/missing", true));
        Assert.Equal(4, h.State.Watches.Count);

        var close = h.Close(closing);
        Assert.Empty(close.Fired);
        Assert.Equal(1, h.State.Watches.Count);
        Assert.Empty(h.State.Watches.WatchesOf(closing));

        Assert.Empty(h.Do(staying, new SetDataRequest("/n", Bytes("x"))).Fired);
        Assert.Empty(h.Do(staying, new CreateRequest("/n/c", Bytes(""))).Fired);
        var create = h.Do(staying, new CreateRequest("/missing", Bytes("")));
        AssertFired(create, Ev(staying, WatchEventType.NodeCreated, "/missing", create.Record!.Zxid));
    }

    [Fact]
    public void A_session_is_told_of_its_own_changes()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Ok<ExistsResponse>(s, new ExistsRequest("/self", true));
        var outcome = h.Do(s, new CreateRequest("/self", Bytes(""), CreateMode.Ephemeral));
        AssertFired(outcome, Ev(s, WatchEventType.NodeCreated, "/self", outcome.Record!.Zxid));
    }

    [Fact]
    public void Events_carry_the_zxid_of_the_change_and_a_multi_fires_each_watch_once_under_its_zxid()
    {
        var h = new TreeHarness();
        var w = h.Open();
        var writer = h.Open();
        h.Create(writer, "/p");
        h.Create(writer, "/p/old");
        h.Ok<ExistsResponse>(w, new ExistsRequest("/p/a", true));
        h.Ok<GetChildrenResponse>(w, new GetChildrenRequest("/p", true));
        h.Ok<GetDataResponse>(w, new GetDataRequest("/p/old", true));
        h.Ok<GetDataResponse>(w, new GetDataRequest("/p", true));
        var outcome = h.Do(writer, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/p/a", Bytes("")),     // NodeCreated /p/a, NodeChildrenChanged /p
            new SetDataRequest("/p/a", Bytes("1")),   // the /p/a watch is already spent
            new CreateRequest("/p/b", Bytes("")),     // the /p child watch is already spent
            new DeleteRequest("/p/old"),              // NodeDeleted /p/old
            new SetDataRequest("/p", Bytes("x")),     // NodeDataChanged /p
        }));
        var zxid = outcome.Record!.Zxid;
        Assert.Equal(h.State.LastZxid, zxid);
        AssertFired(outcome,
            Ev(w, WatchEventType.NodeCreated, "/p/a", zxid),
            Ev(w, WatchEventType.NodeChildrenChanged, "/p", zxid),
            Ev(w, WatchEventType.NodeDeleted, "/p/old", zxid),
            Ev(w, WatchEventType.NodeDataChanged, "/p", zxid));

        h.Ok<ExistsResponse>(w, new ExistsRequest("/p", true));
        var later = h.Do(writer, new SetDataRequest("/p", Bytes("y")));
        Assert.Equal(zxid + 1, later.Record!.Zxid);
        AssertFired(later, Ev(w, WatchEventType.NodeDataChanged, "/p", zxid + 1));
    }

    [Fact]
    public void A_failed_write_fires_nothing_and_keeps_the_watches()
    {
        var h = new TreeHarness();
        var w = h.Open();
        h.Create(w, "/n");
        h.Ok<GetDataResponse>(w, new GetDataRequest("/n", true));
        h.Ok<GetChildrenResponse>(w, new GetChildrenRequest("/", true));
        h.Fails(w, new SetDataRequest("/n", Bytes("x"), 5), ZkErrorCode.BadVersion);
        h.Fails(w, new DeleteRequest("/n", 5), ZkErrorCode.BadVersion);
        h.Fails(w, new CreateRequest("/n", Bytes("")), ZkErrorCode.NodeExists);
        var multi = h.Do(w, new MultiRequest(new ZkRequest[] { new SetDataRequest("/n", Bytes("")), new CreateRequest("/n", Bytes("")) }));
        Assert.Empty(multi.Fired);
        Assert.Equal(2, h.State.Watches.Count);
        var delete = h.Do(w, new DeleteRequest("/n"));
        AssertFired(delete,
            Ev(w, WatchEventType.NodeDeleted, "/n", delete.Record!.Zxid),
            Ev(w, WatchEventType.NodeChildrenChanged, "/", delete.Record.Zxid));
    }
}
