using Akka.Actor;
using Akka.TestKit;

namespace ActorKafka.Coordination.Tests.Store;

/// <summary>Operations through the client and the persistent store actor.</summary>
public sealed class StoreOperationTests : StoreSpec
{
    public StoreOperationTests() : base("actorkafka.coordination.store.max-data-bytes = 1024")
    {
    }

    [Fact]
    public void Create_get_set_delete_round_trip_with_stats()
    {
        var client = NewClient();
        var created = Ask<CreateResponse>(client, new CreateRequest("/a", Bytes("hello")));
        Assert.Equal("/a", created.Path);
        var data = Ask<GetDataResponse>(client, new GetDataRequest("/a"));
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(data.Data));
        Assert.Equal(created.Stat, data.Stat);
        var set = Ask<SetDataResponse>(client, new SetDataRequest("/a", Bytes("v2"), 0));
        Assert.Equal(1, set.Stat.Version);
        Assert.True(set.Stat.Mzxid > created.Stat.Czxid);
        Assert.Equal(ZkErrorCode.BadVersion, Ask<ErrorResponse>(client, new DeleteRequest("/a", 0)).Code);
        Ask<DeleteResponse>(client, new DeleteRequest("/a", 1));
        Assert.Null(Ask<ExistsResponse>(client, new ExistsRequest("/a")).Stat);
    }

    [Fact]
    public void Bad_input_gets_typed_errors_and_the_store_keeps_serving()
    {
        var client = NewClient();
        Watch(Store);
        var malformed = Ask<ErrorResponse>(client, new CreateRequest("a/b", Bytes("x")));
        Assert.Equal(ZkErrorCode.BadArguments, malformed.Code);
        Assert.Equal(ZkErrorCode.BadArguments, Ask<ErrorResponse>(client, new GetDataRequest("/a/")).Code);
        Assert.Equal(ZkErrorCode.BadArguments, Ask<ErrorResponse>(client, new DeleteRequest("/")).Code);
        var oversized = Ask<ErrorResponse>(client, new CreateRequest("/big", new byte[1025]));
        Assert.Equal(ZkErrorCode.BadArguments, oversized.Code);
        Assert.Contains("1024-byte limit", oversized.Message);
        Assert.Equal(ZkErrorCode.NoNode, Ask<ErrorResponse>(client, new CreateRequest("/missing/child", Bytes("x"))).Code);
        Ask<CreateResponse>(client, new CreateRequest("/big", new byte[1024]));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Multi_is_all_or_nothing_through_the_store()
    {
        var client = NewClient();
        Ask<CreateResponse>(client, new CreateRequest("/m", Bytes("")));
        var failed = Ask<MultiResponse>(client, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/m/a", Bytes("1")),
            new CheckVersionRequest("/m", 7),
        }));
        Assert.Equal(ZkErrorCode.BadVersion, failed.FirstError!.Code);
        Assert.Empty(Ask<GetChildrenResponse>(client, new GetChildrenRequest("/m")).Children);
        var ok = Ask<MultiResponse>(client, new MultiRequest(new ZkRequest[]
        {
            new CheckVersionRequest("/m", 0),
            new CreateRequest("/m/a", Bytes("1")),
            new SetDataRequest("/m", Bytes("x"), 0),
        }));
        var create = Assert.IsType<CreateResponse>(ok.Results[1]);
        var setData = Assert.IsType<SetDataResponse>(ok.Results[2]);
        Assert.Equal(create.Stat.Czxid, setData.Stat.Mzxid);
    }

    [Fact]
    public void Pipelined_requests_are_answered_in_order_and_group_committed()
    {
        var client = NewClient();
        Ask<CreateResponse>(client, new CreateRequest("/p", Bytes("")));
        Store.Tell(GetStoreStatus.Instance, TestActor);
        var before = ExpectMsg<StoreStatus>(Bound);
        const int count = 300;
        for (var i = 0; i < count; i++) client.Tell(new CreateRequest("/p/n-", Bytes(i.ToString()), CreateMode.PersistentSequential), TestActor);
        long lastZxid = 0;
        for (var i = 0; i < count; i++)
        {
            var created = ExpectMsg<CreateResponse>(Bound);
            Assert.Equal($"/p/n-{i:D10}", created.Path);
            Assert.True(created.Stat.Czxid > lastZxid);
            lastZxid = created.Stat.Czxid;
        }
        Store.Tell(GetStoreStatus.Instance, TestActor);
        var after = ExpectMsg<StoreStatus>(Bound);
        Assert.Equal(before.TxnsWritten + count, after.TxnsWritten);
        Assert.True(after.BatchesWritten - before.BatchesWritten < count,
            $"expected transactions to share journal writes: {after.BatchesWritten - before.BatchesWritten} writes for {count}");
        Assert.True(after.DurableZxid >= lastZxid);
    }

    [Fact]
    public void Watch_event_is_delivered_before_the_reply_to_a_later_read()
    {
        var reader = CreateTestProbe();
        var readerClient = NewClient(watcher: reader);
        var writer = NewClient();
        Ask<CreateResponse>(writer, new CreateRequest("/w", Bytes("v1")));
        readerClient.Tell(new GetDataRequest("/w", Watch: true), reader);
        reader.FishForMessage(m => m is GetDataResponse, Bound);
        Ask<SetDataResponse>(writer, new SetDataRequest("/w", Bytes("v2")));
        readerClient.Tell(new GetDataRequest("/w"), reader);
        var evt = reader.FishForMessage(m => m is WatchedEvent or GetDataResponse, Bound);
        Assert.Equal(new WatchEventType?(WatchEventType.NodeDataChanged), (evt as WatchedEvent)?.Type);
        var read = reader.ExpectMsg<GetDataResponse>(Bound);
        Assert.Equal("v2", System.Text.Encoding.UTF8.GetString(read.Data));
        Assert.Equal(((WatchedEvent)evt).Zxid, read.Stat.Mzxid);
    }

    [Fact]
    public void Watch_events_arrive_in_zxid_order()
    {
        var watcher = CreateTestProbe();
        var watching = NewClient(watcher: watcher);
        var writer = NewClient();
        Ask<CreateResponse>(writer, new CreateRequest("/o", Bytes("")));
        foreach (var path in new[] { "/o", "/o/x", "/o/y" })
        {
            watching.Tell(new ExistsRequest(path, Watch: true), watcher);
            watcher.FishForMessage(m => m is ExistsResponse, Bound);
        }
        watching.Tell(new GetChildrenRequest("/o", Watch: true), watcher);
        watcher.FishForMessage(m => m is GetChildrenResponse, Bound);
        Ask<MultiResponse>(writer, new MultiRequest(new ZkRequest[] { new CreateRequest("/o/x", Bytes("")), new SetDataRequest("/o", Bytes("d")) }));
        Ask<CreateResponse>(writer, new CreateRequest("/o/y", Bytes("")));
        var events = Enumerable.Range(0, 4).Select(_ => (WatchedEvent)watcher.FishForMessage(m => m is WatchedEvent, Bound)).ToList();
        Assert.Equal(events.OrderBy(e => e.Zxid).ToList(), events);
        Assert.Contains(events, e => e is { Type: WatchEventType.NodeChildrenChanged, Path: "/o" });
        Assert.Contains(events, e => e is { Type: WatchEventType.NodeCreated, Path: "/o/y" });
    }
}
