using Akka.Actor;
using Akka.TestKit;

namespace ActorKafka.Coordination.Tests.Store;

/// <summary>Stop the store and start it again on the same SQLite file.</summary>
public sealed class DurabilityTests : StoreSpec
{
    public DurabilityTests() : base("actorkafka.coordination.store.snapshot-every = 7")
    {
    }

    private StoreStatus Status()
    {
        Store.Tell(GetStoreStatus.Instance, TestActor);
        return ExpectMsg<StoreStatus>(Bound);
    }

    [Fact]
    public void Acknowledged_writes_survive_a_restart_and_counters_continue()
    {
        var watcher = CreateTestProbe();
        var client = NewClient(watcher: watcher);
        Ask<CreateResponse>(client, new CreateRequest("/q", Bytes("queue")));
        var acknowledged = new List<CreateResponse>();
        for (var i = 0; i < 20; i++)
            acknowledged.Add(Ask<CreateResponse>(client, new CreateRequest("/q/item-", Bytes($"v{i}"), CreateMode.PersistentSequential)));
        Ask<SetDataResponse>(client, new SetDataRequest("/q", Bytes("queue-2"), 0));
        var before = Status();
        Assert.True(before.SnapshotsSaved >= 1, "snapshot-every = 7 should have saved a snapshot");

        RestartStore();
        watcher.FishForMessage(m => m is SessionStateChanged { State: SessionState.Disconnected }, Bound);
        watcher.FishForMessage(m => m is SessionStateChanged { State: SessionState.SyncConnected }, Bound);

        var after = Status();
        Assert.Equal(before.LastZxid, after.LastZxid);
        Assert.Equal(before.NodeCount, after.NodeCount);
        foreach (var created in acknowledged)
        {
            var data = Ask<GetDataResponse>(client, new GetDataRequest(created.Path));
            Assert.Equal(created.Stat, data.Stat);
        }
        Assert.Equal(1, Ask<GetDataResponse>(client, new GetDataRequest("/q")).Stat.Version);
        var next = Ask<CreateResponse>(client, new CreateRequest("/q/item-", Bytes("after"), CreateMode.PersistentSequential));
        Assert.Equal("/q/item-0000000020", next.Path);
        Assert.True(next.Stat.Czxid > before.LastZxid);
    }

    [Fact]
    public void Restart_twice_through_snapshot_and_journal_replay()
    {
        var client = NewClient();
        for (var i = 0; i < 10; i++) Ask<CreateResponse>(client, new CreateRequest($"/n{i}", Bytes($"{i}")));
        RestartStore();
        AwaitAssert(() => Assert.Equal(10, Ask<GetChildrenResponse>(client, new GetChildrenRequest("/")).Children.Count), Bound,
            TimeSpan.FromMilliseconds(50));
        for (var i = 10; i < 13; i++) Ask<CreateResponse>(client, new CreateRequest($"/n{i}", Bytes($"{i}")));
        var status = Status();
        RestartStore();
        AwaitAssert(() => Assert.Equal(13, Ask<GetChildrenResponse>(client, new GetChildrenRequest("/")).Children.Count), Bound,
            TimeSpan.FromMilliseconds(50));
        Assert.Equal(status.LastZxid, Status().LastZxid);
    }

    [Fact]
    public void Sessions_from_before_a_restart_keep_their_ephemerals_only_if_the_owner_reattaches()
    {
        var live = NewClient(watcher: CreateTestProbe());
        Ask<CreateResponse>(live, new CreateRequest("/kept", Bytes(""), CreateMode.Ephemeral));
        var silent = CreateTestProbe();
        Store.Tell(new OpenSession(silent.Ref, 500), silent.Ref);
        var opened = silent.ExpectMsg<SessionOpened>(Bound);
        Store.Tell(new StoreRequest(opened.SessionId, 1, new CreateRequest("/orphan", Bytes(""), CreateMode.Ephemeral)), silent.Ref);
        silent.ExpectMsg<StoreReply>(Bound);

        RestartStore();
        var observer = NewClient(watcher: CreateTestProbe());
        // Right after the restart both ephemerals are still there: their sessions get one timeout.
        Assert.NotNull(Ask<ExistsResponse>(observer, new ExistsRequest("/orphan")).Stat);
        AwaitAssert(() => Assert.Null(Ask<ExistsResponse>(observer, new ExistsRequest("/orphan")).Stat), Bound,
            TimeSpan.FromMilliseconds(50));
        Assert.NotNull(Ask<ExistsResponse>(observer, new ExistsRequest("/kept")).Stat);
    }

    [Fact]
    public void Watches_are_set_again_after_the_store_restarts()
    {
        var watcher = CreateTestProbe();
        var watching = NewClient(watcher: watcher);
        var writer = NewClient(watcher: CreateTestProbe());
        Ask<CreateResponse>(writer, new CreateRequest("/cfg", Bytes("v1")));
        watching.Tell(new GetDataRequest("/cfg", Watch: true), watcher);
        watcher.FishForMessage(m => m is GetDataResponse, Bound);
        watching.Tell(new ExistsRequest("/later", Watch: true), watcher);
        watcher.FishForMessage(m => m is ExistsResponse, Bound);

        RestartStore();
        watcher.FishForMessage(m => m is SessionStateChanged { State: SessionState.SyncConnected }, Bound);
        AwaitAssert(() => Ask<SetDataResponse>(writer, new SetDataRequest("/cfg", Bytes("v2"))), Bound, TimeSpan.FromMilliseconds(50));
        watcher.FishForMessage(m => m is WatchedEvent { Type: WatchEventType.NodeDataChanged, Path: "/cfg" }, Bound);
        Ask<CreateResponse>(writer, new CreateRequest("/later", Bytes("")));
        watcher.FishForMessage(m => m is WatchedEvent { Type: WatchEventType.NodeCreated, Path: "/later" }, Bound);
    }
}
