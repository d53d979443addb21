namespace ActorKafka.Coordination.Tests.Tree;

/// <summary>ZooKeeper's multiRead: a multi of reads only answers each read on its own.</summary>
public sealed class MultiReadTests
{
    private static byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Each_read_is_answered_on_its_own_and_nothing_is_logged()
    {
        var state = new CoordinationState(StoreLimits.Default);
        var (_, session, _) = state.OpenSession(6000, 1);
        state.Handle(session, new CreateRequest("/a", Bytes("x")), 2);
        var zxid = state.LastZxid;

        var outcome = state.Handle(session, new MultiRequest(new ZkRequest[]
        {
            new GetDataRequest("/a"), new GetDataRequest("/missing"), new ExistsRequest("/missing"), new GetChildrenRequest("/", IncludeStat: true),
            new GetDataRequest("bad"),
        }), 3);
        Assert.Null(outcome.Record);
        Assert.Equal(zxid, state.LastZxid);
        var multi = Assert.IsType<MultiResponse>(outcome.Response);
        Assert.Equal("x", System.Text.Encoding.UTF8.GetString(Assert.IsType<GetDataResponse>(multi.Results[0]).Data));
        Assert.Equal(ZkErrorCode.NoNode, Assert.IsType<ErrorResponse>(multi.Results[1]).Code);
        Assert.Null(Assert.IsType<ExistsResponse>(multi.Results[2]).Stat);
        Assert.Equal(new[] { "a" }, Assert.IsType<GetChildrenResponse>(multi.Results[3]).Children);
        Assert.Equal(ZkErrorCode.BadArguments, Assert.IsType<ErrorResponse>(multi.Results[4]).Code);
    }

    [Fact]
    public void Watches_set_by_a_multi_read_fire_like_any_other()
    {
        var state = new CoordinationState(StoreLimits.Default);
        var (_, session, _) = state.OpenSession(6000, 1);
        state.Handle(session, new CreateRequest("/a", Bytes("x")), 2);
        state.Handle(session, new MultiRequest(new ZkRequest[] { new GetDataRequest("/a", Watch: true), new ExistsRequest("/b", Watch: true) }), 3);
        var set = state.Handle(session, new SetDataRequest("/a", Bytes("y")), 4);
        Assert.Equal(WatchEventType.NodeDataChanged, Assert.Single(set.Fired).Event.Type);
        var created = state.Handle(session, new CreateRequest("/b", Bytes("")), 5);
        Assert.Contains(created.Fired, f => f.Event is { Type: WatchEventType.NodeCreated, Path: "/b" });
    }
}
