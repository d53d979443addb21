using Akka.Actor;
using Akka.TestKit;

namespace ActorKafka.Coordination.Tests.Store;

/// <summary>How sessions end: heartbeat timeout, explicit close, owner termination.</summary>
public sealed class SessionTests : StoreSpec
{
    /// <summary>A raw session opened with the store protocol that never heartbeats.</summary>
    private (TestProbe Connection, long SessionId, int TimeoutMs) OpenSilentSession(int timeoutMs)
    {
        var connection = CreateTestProbe();
        Store.Tell(new OpenSession(connection.Ref, timeoutMs), connection.Ref);
        var opened = connection.ExpectMsg<SessionOpened>(Bound);
        return (connection, opened.SessionId, opened.TimeoutMs);
    }

    private IActorRef WatchExists(TestProbe watcher, string path)
    {
        var client = NewClient(watcher: watcher);
        client.Tell(new ExistsRequest(path, Watch: true), watcher);
        watcher.FishForMessage(m => m is ExistsResponse { Stat: not null }, Bound);
        return client;
    }

    [Fact]
    public void Requested_timeout_is_clamped_to_the_configured_bounds()
    {
        var (_, _, low) = OpenSilentSession(1);
        var (_, _, high) = OpenSilentSession(int.MaxValue);
        Assert.Equal(Settings.Limits.MinSessionTimeoutMs, low);
        Assert.Equal(Settings.Limits.MaxSessionTimeoutMs, high);
    }

    [Fact]
    public void A_session_that_stops_heartbeating_expires_its_ephemerals_go_and_watchers_are_told()
    {
        var (connection, sessionId, timeout) = OpenSilentSession(2000);
        Store.Tell(new StoreRequest(sessionId, 1, new CreateRequest("/silent", Bytes("x"), CreateMode.Ephemeral)), connection.Ref);
        var created = Assert.IsType<CreateResponse>(connection.ExpectMsg<StoreReply>(Bound).Response);
        Assert.Equal(sessionId, created.Stat.EphemeralOwner);

        var watcher = CreateTestProbe();
        WatchExists(watcher, "/silent");
        var evt = watcher.FishForMessage(m => m is WatchedEvent, TimeSpan.FromMilliseconds(timeout) + Bound);
        Assert.Equal(new WatchedEvent(WatchEventType.NodeDeleted, "/silent", ((WatchedEvent)evt).Zxid), evt);
        connection.FishForMessage(m => m is SessionExpiredNotice n && n.SessionId == sessionId, Bound);

        Store.Tell(new StoreRequest(sessionId, 2, new GetDataRequest("/")), connection.Ref);
        Assert.Equal(ZkErrorCode.SessionExpired, Assert.IsType<ErrorResponse>(connection.ExpectMsg<StoreReply>(Bound).Response).Code);
        Store.Tell(new Ping(sessionId, connection.Ref), connection.Ref);
        connection.ExpectMsg<SessionExpiredNotice>(Bound);
    }

    [Fact]
    public void A_heartbeating_session_outlives_its_timeout()
    {
        // 1 s, not less: on a loaded machine a heartbeat can be a few hundred ms late, and this test is not about that.
        var client = NewClient(sessionTimeout: TimeSpan.FromSeconds(1));
        Ask<CreateResponse>(client, new CreateRequest("/alive", Bytes("x"), CreateMode.Ephemeral));
        // Three timeouts' worth.
        ExpectNoMsg(TimeSpan.FromSeconds(3));
        Assert.NotNull(Ask<ExistsResponse>(client, new ExistsRequest("/alive")).Stat);
    }

    [Fact]
    public void Explicit_close_deletes_ephemerals_at_once_and_later_requests_get_SessionExpired()
    {
        var owner = CreateTestProbe();
        var client = NewClient(watcher: owner);
        client.Tell(new CreateRequest("/closing", Bytes("x"), CreateMode.Ephemeral), owner);
        owner.FishForMessage(m => m is CreateResponse, Bound);
        var watcher = CreateTestProbe();
        WatchExists(watcher, "/closing");

        client.Tell(CloseSessionCommand.Instance, owner);
        owner.FishForMessage(m => m is DeleteResponse, Bound);
        owner.FishForMessage(m => m is SessionStateChanged { State: SessionState.Closed }, Bound);
        watcher.FishForMessage(m => m is WatchedEvent { Type: WatchEventType.NodeDeleted, Path: "/closing" }, Bound);

        client.Tell(new GetDataRequest("/"), owner);
        Assert.Equal(ZkErrorCode.SessionExpired, ((ErrorResponse)owner.FishForMessage(m => m is ZkResponse, Bound)).Code);
        client.Tell(new CreateRequest("/again", Bytes("x")), owner);
        Assert.Equal(ZkErrorCode.SessionExpired, ((ErrorResponse)owner.FishForMessage(m => m is ZkResponse, Bound)).Code);
    }

    [Fact]
    public void Owner_termination_ends_the_session()
    {
        var owner = CreateTestProbe();
        var connectionWatcher = CreateTestProbe();
        var client = NewClient(owner: owner.Ref, watcher: connectionWatcher);
        client.Tell(new CreateRequest("/owned", Bytes("x"), CreateMode.Ephemeral), connectionWatcher);
        connectionWatcher.FishForMessage(m => m is CreateResponse, Bound);
        var watcher = CreateTestProbe();
        WatchExists(watcher, "/owned");

        Sys.Stop(owner.Ref);
        watcher.FishForMessage(m => m is WatchedEvent { Type: WatchEventType.NodeDeleted, Path: "/owned" }, Bound);
        connectionWatcher.FishForMessage(m => m is SessionStateChanged { State: SessionState.Expired }, Bound);
        client.Tell(new ExistsRequest("/owned"), connectionWatcher);
        Assert.Equal(ZkErrorCode.SessionExpired, ((ErrorResponse)connectionWatcher.FishForMessage(m => m is ZkResponse, Bound)).Code);
    }

    [Fact]
    public void Sessions_sharing_an_owner_all_end_with_it()
    {
        var owner = CreateTestProbe();
        var a = NewClient(owner: owner.Ref, watcher: CreateTestProbe());
        var b = NewClient(owner: owner.Ref, watcher: CreateTestProbe());
        Ask<CreateResponse>(a, new CreateRequest("/a", Bytes(""), CreateMode.Ephemeral));
        Ask<CreateResponse>(b, new CreateRequest("/b", Bytes(""), CreateMode.Ephemeral));
        var observer = NewClient(watcher: CreateTestProbe());
        Sys.Stop(owner.Ref);
        AwaitAssert(() => Assert.Empty(Ask<GetChildrenResponse>(observer, new GetChildrenRequest("/")).Children), Bound,
            TimeSpan.FromMilliseconds(50));
    }
}
