using Xunit;
using static ActorKafka.Coordination.Tests.Tree.TreeHarness;

namespace ActorKafka.Coordination.Tests.Tree;

/// <summary>The ZooKeeper semantics of <see cref="CoordinationState"/>: every request, every error, every Stat field.</summary>
public sealed class TreeSemanticsTests
{
    // ---------------------------------------------------------------- create

    [Fact]
    public void Persistent_create_sets_every_stat_field()
    {
        var h = new TreeHarness();
        var s = h.Open();
        var rootBefore = h.StatOf(s, "/");

        var created = h.Create(s, "/a", "hello");
        var zxid = h.State.LastZxid;
        var now = h.Now;

        Assert.Equal("/a", created.Path);
        Assert.Equal(new Stat(Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: now, Mtime: now, Version: 0, Cversion: 0,
            Aversion: 0, EphemeralOwner: 0, DataLength: 5, NumChildren: 0), created.Stat);
        Assert.Equal(created.Stat, h.StatOf(s, "/a"));

        var root = h.StatOf(s, "/");
        Assert.Equal(rootBefore.Cversion + 1, root.Cversion);
        Assert.Equal(zxid, root.Pzxid);
        Assert.Equal(rootBefore.NumChildren + 1, root.NumChildren);
        Assert.Equal(rootBefore.Mzxid, root.Mzxid); // a child create is not a data change
        Assert.Equal(rootBefore.Mtime, root.Mtime);
        Assert.Equal(rootBefore.Version, root.Version);
    }

    [Fact]
    public void Ephemeral_create_is_owned_by_the_session()
    {
        var h = new TreeHarness();
        var s = h.Open();
        var created = h.Create(s, "/e", "x", CreateMode.Ephemeral);
        Assert.Equal("/e", created.Path);
        Assert.Equal(s, created.Stat.EphemeralOwner);
        Assert.NotEqual(0, s);
        Assert.Equal(new[] { "/e" }, h.State.Tree.EphemeralsOf(s));
    }

    [Fact]
    public void Create_returns_the_stat_from_the_wall_time_passed_in_not_a_clock()
    {
        var state = new CoordinationState(StoreLimits.Default);
        var (_, s, _) = state.OpenSession(5000, 10);
        var outcome = state.Handle(s, new CreateRequest("/a", Bytes("1")), 123_456);
        var stat = Assert.IsType<CreateResponse>(outcome.Response).Stat;
        Assert.Equal(123_456, stat.Ctime);
        Assert.Equal(123_456, stat.Mtime);
        Assert.Equal(123_456, outcome.Record!.Time);
        state.Handle(s, new SetDataRequest("/a", Bytes("2")), 200_000);
        var after = Assert.IsType<ExistsResponse>(state.Handle(s, new ExistsRequest("/a"), 300_000).Response).Stat!;
        Assert.Equal(123_456, after.Ctime);
        Assert.Equal(200_000, after.Mtime);
    }

    [Fact]
    public void Persistent_sequential_names_count_the_parents_child_creates()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/q");
        Assert.Equal("/q/n-0000000000", h.Create(s, "/q/n-", mode: CreateMode.PersistentSequential).Path);
        Assert.Equal("/q/n-0000000001", h.Create(s, "/q/n-", mode: CreateMode.PersistentSequential).Path);
        h.Create(s, "/q/plain"); // any child create advances the counter
        var third = h.Create(s, "/q/n-", "d", CreateMode.PersistentSequential);
        Assert.Equal("/q/n-0000000003", third.Path);
        Assert.Equal(0, third.Stat.EphemeralOwner);
        Assert.Equal(third.Stat, h.StatOf(s, "/q/n-0000000003"));
        Assert.Equal(new[] { "n-0000000000", "n-0000000001", "n-0000000003", "plain" },
            h.Ok<GetChildrenResponse>(s, new GetChildrenRequest("/q")).Children);
    }

    [Fact]
    public void Ephemeral_sequential_create_is_named_and_owned()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/locks");
        var first = h.Create(s, "/locks/lock-", mode: CreateMode.EphemeralSequential);
        var second = h.Create(s, "/locks/lock-", mode: CreateMode.EphemeralSequential);
        Assert.Equal("/locks/lock-0000000000", first.Path);
        Assert.Equal("/locks/lock-0000000001", second.Path);
        Assert.Equal(s, first.Stat.EphemeralOwner);
        Assert.Equal(s, second.Stat.EphemeralOwner);
    }

    [Fact]
    public void Sequential_create_with_a_trailing_slash_names_a_bare_counter_child()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/q");
        Assert.Equal("/q/0000000000", h.Create(s, "/q/", mode: CreateMode.PersistentSequential).Path);
        Assert.Equal("/q/0000000001", h.Create(s, "/q/", mode: CreateMode.EphemeralSequential).Path);
    }

    [Fact]
    public void Sequential_create_of_the_root_path_creates_a_child_of_the_root()
    {
        // ZooKeeper resolves "/" + "%010d" of the root's child-create count.
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        h.Create(s, "/b");
        Assert.Equal("/0000000002", h.Create(s, "/", mode: CreateMode.PersistentSequential).Path);
        Assert.Equal("/0000000003", h.Create(s, "/", mode: CreateMode.EphemeralSequential).Path);
        h.Fails(s, new CreateRequest("/", Bytes("")), ZkErrorCode.NodeExists);
        h.Fails(s, new CreateRequest("/", Bytes(""), CreateMode.Ephemeral), ZkErrorCode.NodeExists);
    }

    [Fact]
    public void Cversion_counts_deletes_but_the_sequence_counter_counts_creates()
    {
        // ZooKeeper persists the number of child creates; the Stat it reports translates that into
        // the number of child changes (creates * 2 - numChildren), so deletes count in cversion,
        // while sequential names keep counting creates (PrepRequestProcessor uses the persisted value).
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/q");
        h.Create(s, "/q/n", mode: CreateMode.PersistentSequential); // n0000000000
        h.Create(s, "/q/n", mode: CreateMode.PersistentSequential); // n0000000001
        Assert.Equal(2, h.StatOf(s, "/q").Cversion);

        h.Ok<DeleteResponse>(s, new DeleteRequest("/q/n0000000000"));
        var deleteZxid = h.State.LastZxid;
        var q = h.StatOf(s, "/q");
        Assert.Equal(3, q.Cversion);
        Assert.Equal(deleteZxid, q.Pzxid);
        Assert.Equal(1, q.NumChildren);

        Assert.Equal("/q/n0000000002", h.Create(s, "/q/n", mode: CreateMode.PersistentSequential).Path);
        Assert.Equal(4, h.StatOf(s, "/q").Cversion);

        h.Ok<DeleteResponse>(s, new DeleteRequest("/q/n0000000001"));
        h.Ok<DeleteResponse>(s, new DeleteRequest("/q/n0000000002"));
        Assert.Equal(6, h.StatOf(s, "/q").Cversion);
        Assert.Equal("/q/n0000000003", h.Create(s, "/q/n", mode: CreateMode.PersistentSequential).Path);
    }

    [Fact]
    public void Sequential_create_whose_name_is_taken_fails_with_NodeExists()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/q");
        h.Create(s, "/q/n0000000001"); // one child create: the counter is now 1
        var error = h.Fails(s, new CreateRequest("/q/n", Bytes(""), CreateMode.PersistentSequential), ZkErrorCode.NodeExists);
        Assert.Equal("/q/n0000000001", error.Path);
    }

    [Fact]
    public void Create_needs_the_parent()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Fails(s, new CreateRequest("/a/b", Bytes("")), ZkErrorCode.NoNode);
        h.Fails(s, new CreateRequest("/a/b/c", Bytes("")), ZkErrorCode.NoNode);
        h.Fails(s, new CreateRequest("/a/b", Bytes(""), CreateMode.Ephemeral), ZkErrorCode.NoNode);
        h.Fails(s, new CreateRequest("/a/", Bytes(""), CreateMode.PersistentSequential), ZkErrorCode.NoNode);
        h.Create(s, "/a");
        Assert.Equal("/a/b", h.Create(s, "/a/b").Path);
    }

    [Fact]
    public void Create_of_an_existing_node_fails_with_NodeExists()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a", "first");
        var error = h.Fails(s, new CreateRequest("/a", Bytes("second")), ZkErrorCode.NodeExists);
        Assert.Equal("/a", error.Path);
        h.Fails(s, new CreateRequest("/a", Bytes(""), CreateMode.Ephemeral), ZkErrorCode.NodeExists);
        Assert.Equal(Bytes("first"), h.Ok<GetDataResponse>(s, new GetDataRequest("/a")).Data);
    }

    [Fact]
    public void Ephemerals_cannot_have_children()
    {
        var h = new TreeHarness();
        var s = h.Open();
        var other = h.Open();
        h.Create(s, "/e", mode: CreateMode.Ephemeral);
        h.Create(s, "/es", mode: CreateMode.EphemeralSequential);
        foreach (var mode in Enum.GetValues<CreateMode>())
        {
            h.Fails(s, new CreateRequest("/e/c", Bytes(""), mode), ZkErrorCode.NoChildrenForEphemerals);
            h.Fails(other, new CreateRequest("/e/c", Bytes(""), mode), ZkErrorCode.NoChildrenForEphemerals);
            h.Fails(s, new CreateRequest("/es0000000001/c", Bytes(""), mode), ZkErrorCode.NoChildrenForEphemerals);
        }
        h.Fails(s, new CreateRequest("/e/", Bytes(""), CreateMode.PersistentSequential), ZkErrorCode.NoChildrenForEphemerals);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("/a/")]
    [InlineData("//a")]
    [InlineData("/a/./b")]
    [InlineData("/..")]
    [InlineData("")]
    [InlineData("/a\u0001")]
    public void Create_with_an_invalid_path_fails_with_BadArguments(string path)
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        var error = h.Fails(s, new CreateRequest(path, Bytes("")), ZkErrorCode.BadArguments);
        Assert.NotEqual("", error.Message);
    }

    // ---------------------------------------------------------------- delete

    [Fact]
    public void Delete_removes_the_node_and_updates_the_parent()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        h.Create(s, "/a/b");
        var before = h.StatOf(s, "/a");
        var outcome = h.Do(s, new DeleteRequest("/a/b"));
        Assert.IsType<DeleteResponse>(outcome.Response);
        Assert.Equal(h.State.LastZxid, outcome.Record!.Zxid);
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/a/b")).Stat);
        var after = h.StatOf(s, "/a");
        Assert.Equal(0, after.NumChildren);
        Assert.Equal(before.Cversion + 1, after.Cversion);
        Assert.Equal(outcome.Record.Zxid, after.Pzxid);
        Assert.Equal(before.Mzxid, after.Mzxid);
        Assert.Equal(before.Version, after.Version);
        Assert.Empty(h.Ok<GetChildrenResponse>(s, new GetChildrenRequest("/a")).Children);
    }

    [Fact]
    public void Delete_is_conditional_on_the_data_version()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        h.Ok<SetDataResponse>(s, new SetDataRequest("/a", Bytes("x")));
        h.Ok<SetDataResponse>(s, new SetDataRequest("/a", Bytes("y"))); // version 2
        h.Fails(s, new DeleteRequest("/a", 0), ZkErrorCode.BadVersion);
        h.Fails(s, new DeleteRequest("/a", 1), ZkErrorCode.BadVersion);
        h.Fails(s, new DeleteRequest("/a", 3), ZkErrorCode.BadVersion);
        h.Ok<DeleteResponse>(s, new DeleteRequest("/a", 2));

        h.Create(s, "/b");
        h.Ok<SetDataResponse>(s, new SetDataRequest("/b", Bytes("x")));
        h.Ok<DeleteResponse>(s, new DeleteRequest("/b", -1)); // -1 = any version
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/b")).Stat);
    }

    [Fact]
    public void Delete_of_a_node_with_children_fails_with_NotEmpty()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        h.Create(s, "/a/b");
        h.Fails(s, new DeleteRequest("/a"), ZkErrorCode.NotEmpty);
        h.Fails(s, new DeleteRequest("/a", 0), ZkErrorCode.NotEmpty);
        h.Fails(s, new DeleteRequest("/a", 5), ZkErrorCode.BadVersion); // ZooKeeper checks the version first
        h.Ok<DeleteResponse>(s, new DeleteRequest("/a/b"));
        h.Ok<DeleteResponse>(s, new DeleteRequest("/a", 0));
    }

    [Fact]
    public void Delete_of_a_missing_node_fails_with_NoNode()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Fails(s, new DeleteRequest("/nope"), ZkErrorCode.NoNode);
        h.Fails(s, new DeleteRequest("/nope/deeper", 0), ZkErrorCode.NoNode);
    }

    [Fact]
    public void Delete_of_the_root_fails_with_BadArguments()
    {
        var h = new TreeHarness();
        var s = h.Open();
        Assert.NotEqual("", h.Fails(s, new DeleteRequest("/"), ZkErrorCode.BadArguments).Message);
        h.Fails(s, new DeleteRequest("/", 0), ZkErrorCode.BadArguments);
        h.Fails(s, new DeleteRequest("/a/"), ZkErrorCode.BadArguments);
        h.Fails(s, new DeleteRequest("a"), ZkErrorCode.BadArguments);
    }

    // ---------------------------------------------------------------- setData

    [Fact]
    public void SetData_updates_data_version_mzxid_and_mtime_only()
    {
        var h = new TreeHarness();
        var s = h.Open();
        var created = h.Create(s, "/a", "one").Stat;
        var response = h.Ok<SetDataResponse>(s, new SetDataRequest("/a", Bytes("three"), 0));
        var zxid = h.State.LastZxid;
        Assert.Equal(created with { Mzxid = zxid, Mtime = h.Now, Version = 1, DataLength = 5 }, response.Stat);
        Assert.Equal(response.Stat, h.StatOf(s, "/a"));
        var data = h.Ok<GetDataResponse>(s, new GetDataRequest("/a"));
        Assert.Equal(Bytes("three"), data.Data);

        // Same data again still counts as a change.
        var again = h.Ok<SetDataResponse>(s, new SetDataRequest("/a", Bytes("three"), 1));
        Assert.Equal(2, again.Stat.Version);
        Assert.Equal(h.State.LastZxid, again.Stat.Mzxid);
    }

    [Fact]
    public void SetData_is_conditional_on_the_version_and_minus_one_means_any()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a", "v0");
        h.Fails(s, new SetDataRequest("/a", Bytes("x"), 1), ZkErrorCode.BadVersion);
        h.Fails(s, new SetDataRequest("/a", Bytes("x"), -2), ZkErrorCode.BadVersion);
        Assert.Equal(1, h.Ok<SetDataResponse>(s, new SetDataRequest("/a", Bytes("v1"), 0)).Stat.Version);
        h.Fails(s, new SetDataRequest("/a", Bytes("x"), 0), ZkErrorCode.BadVersion);
        Assert.Equal(2, h.Ok<SetDataResponse>(s, new SetDataRequest("/a", Bytes("v2"), -1)).Stat.Version);
        Assert.Equal(3, h.Ok<SetDataResponse>(s, new SetDataRequest("/a", Bytes("v3"))).Stat.Version);
        Assert.Equal(Bytes("v3"), h.Ok<GetDataResponse>(s, new GetDataRequest("/a")).Data);
    }

    [Fact]
    public void SetData_of_a_missing_node_fails_with_NoNode_and_the_root_can_be_set()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Fails(s, new SetDataRequest("/nope", Bytes("x")), ZkErrorCode.NoNode);
        h.Fails(s, new SetDataRequest("/a/", Bytes("x")), ZkErrorCode.BadArguments);
        var root = h.Ok<SetDataResponse>(s, new SetDataRequest("/", Bytes("r"), 0)).Stat;
        Assert.Equal(1, root.Version);
        Assert.Equal(1, root.DataLength);
    }

    // ---------------------------------------------------------------- data limit

    [Fact]
    public void Data_over_the_limit_fails_with_BadArguments_and_a_message()
    {
        var h = new TreeHarness(maxDataBytes: 8);
        var s = h.Open();
        Assert.Equal(8, h.Ok<CreateResponse>(s, new CreateRequest("/a", new byte[8])).Stat.DataLength);
        var error = h.Fails(s, new CreateRequest("/b", new byte[9]), ZkErrorCode.BadArguments);
        Assert.Equal("/b", error.Path);
        Assert.Contains("9", error.Message);
        Assert.Contains("8", error.Message);
        h.Fails(s, new CreateRequest("/b", new byte[9], CreateMode.EphemeralSequential), ZkErrorCode.BadArguments);
        h.Fails(s, new SetDataRequest("/a", new byte[9]), ZkErrorCode.BadArguments);
        h.Ok<SetDataResponse>(s, new SetDataRequest("/a", new byte[8]));
        var multi = Assert.IsType<MultiResponse>(h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/c", new byte[1]),
            new SetDataRequest("/a", new byte[100]),
        })).Response);
        Assert.Equal(ZkErrorCode.BadArguments, multi.FirstError!.Code);
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/c")).Stat);
    }

    // ---------------------------------------------------------------- reads

    [Fact]
    public void Exists_returns_the_stat_or_null_and_is_not_an_error()
    {
        var h = new TreeHarness();
        var s = h.Open();
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/a")).Stat);
        var created = h.Create(s, "/a", "12").Stat;
        Assert.Equal(created, h.Ok<ExistsResponse>(s, new ExistsRequest("/a")).Stat);
        Assert.Equal(created, h.Ok<ExistsResponse>(s, new ExistsRequest("/a", Watch: true)).Stat);
        var root = h.Ok<ExistsResponse>(s, new ExistsRequest("/")).Stat!;
        Assert.Equal(0, root.Czxid);
        Assert.Equal(0, root.EphemeralOwner);
        Assert.Equal(1, root.NumChildren);
    }

    [Fact]
    public void GetData_returns_data_and_stat_or_NoNode()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Fails(s, new GetDataRequest("/a"), ZkErrorCode.NoNode);
        h.Fails(s, new GetDataRequest("/a", Watch: true), ZkErrorCode.NoNode);
        var created = h.Create(s, "/a", "payload").Stat;
        var read = h.Ok<GetDataResponse>(s, new GetDataRequest("/a"));
        Assert.Equal(Bytes("payload"), read.Data);
        Assert.Equal(created, read.Stat);
        Assert.Empty(h.Ok<GetDataResponse>(s, new GetDataRequest("/")).Data);
    }

    [Fact]
    public void GetChildren_returns_sorted_names_and_the_stat_only_when_asked()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/p");
        foreach (var name in new[] { "c", "a", "b", "a0", "B" }) h.Create(s, "/p/" + name);
        h.Create(s, "/p/a/deep");
        var plain = h.Ok<GetChildrenResponse>(s, new GetChildrenRequest("/p"));
        Assert.Equal(new[] { "B", "a", "a0", "b", "c" }, plain.Children);
        Assert.Null(plain.Stat);
        var withStat = h.Ok<GetChildrenResponse>(s, new GetChildrenRequest("/p", IncludeStat: true));
        Assert.Equal(plain.Children, withStat.Children);
        Assert.Equal(h.StatOf(s, "/p"), withStat.Stat);
        Assert.Equal(5, withStat.Stat!.NumChildren);
        Assert.Equal(5, withStat.Stat.Cversion);
        Assert.Empty(h.Ok<GetChildrenResponse>(s, new GetChildrenRequest("/p/b")).Children);
        Assert.Equal(new[] { "p" }, h.Ok<GetChildrenResponse>(s, new GetChildrenRequest("/")).Children);
        h.Fails(s, new GetChildrenRequest("/nope"), ZkErrorCode.NoNode);
        h.Fails(s, new GetChildrenRequest("/nope", true, true), ZkErrorCode.NoNode);
    }

    [Fact]
    public void Reads_and_sync_consume_no_zxid_and_log_nothing()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        var zxid = h.State.LastZxid;
        var records = h.Records.Count;
        foreach (ZkRequest read in new ZkRequest[]
                 {
                     new ExistsRequest("/a", true), new ExistsRequest("/x", true), new GetDataRequest("/a", true),
                     new GetChildrenRequest("/a", true, true), new SyncRequest("/a"),
                 })
        {
            var outcome = h.Do(s, read);
            Assert.True(outcome.Response.IsOk, $"{read} -> {outcome.Response}");
            Assert.Null(outcome.Record);
            Assert.Empty(outcome.Fired);
        }
        Assert.Equal(new SyncResponse("/a"), h.Do(s, new SyncRequest("/a")).Response);
        Assert.Equal(zxid, h.State.LastZxid);
        Assert.Equal(records, h.Records.Count);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("/a/")]
    [InlineData("/a//b")]
    [InlineData("/.")]
    public void Reads_with_an_invalid_path_fail_with_BadArguments(string path)
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Fails(s, new ExistsRequest(path, true), ZkErrorCode.BadArguments);
        h.Fails(s, new GetDataRequest(path, true), ZkErrorCode.BadArguments);
        h.Fails(s, new GetChildrenRequest(path, true), ZkErrorCode.BadArguments);
        h.Fails(s, new SyncRequest(path), ZkErrorCode.BadArguments);
        h.Fails(s, new CheckVersionRequest(path, 0), ZkErrorCode.BadArguments);
        Assert.Equal(0, h.State.Watches.Count);
    }

    // ---------------------------------------------------------------- multi

    [Fact]
    public void Multi_applies_every_op_under_one_zxid_and_reports_each_result()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/x", "x0");
        var zxidBefore = h.State.LastZxid;
        var outcome = h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/a", Bytes("A")),
            new CreateRequest("/a/b", Bytes("B"), CreateMode.Ephemeral),
            new CreateRequest("/a/s-", Bytes(""), CreateMode.PersistentSequential),
            new SetDataRequest("/x", Bytes("x1"), 0),
            new CheckVersionRequest("/x", 1),
            new DeleteRequest("/x", 1),
        }));
        var zxid = zxidBefore + 1;
        Assert.Equal(zxid, h.State.LastZxid);
        Assert.Equal(zxid, outcome.Record!.Zxid);
        var body = Assert.IsType<MultiTxn>(outcome.Record.Body);
        Assert.Equal(6, body.Txns.Count);

        var multi = Assert.IsType<MultiResponse>(outcome.Response);
        Assert.True(multi.IsOk);
        Assert.Null(multi.FirstError);
        Assert.Equal(6, multi.Results.Count);
        var a = Assert.IsType<CreateResponse>(multi.Results[0]);
        Assert.Equal("/a", a.Path);
        Assert.Equal(zxid, a.Stat.Czxid);
        Assert.Equal(0, a.Stat.NumChildren); // the stat as of that op
        var b = Assert.IsType<CreateResponse>(multi.Results[1]);
        Assert.Equal(s, b.Stat.EphemeralOwner);
        Assert.Equal("/a/s-0000000001", Assert.IsType<CreateResponse>(multi.Results[2]).Path);
        var set = Assert.IsType<SetDataResponse>(multi.Results[3]);
        Assert.Equal(1, set.Stat.Version);
        Assert.Equal(zxid, set.Stat.Mzxid);
        Assert.IsType<CheckVersionResponse>(multi.Results[4]);
        Assert.IsType<DeleteResponse>(multi.Results[5]);

        var aNow = h.StatOf(s, "/a");
        Assert.Equal(2, aNow.NumChildren);
        Assert.Equal(2, aNow.Cversion);
        Assert.Equal(zxid, aNow.Pzxid);
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/x")).Stat);
        Assert.All(new[] { "/a", "/a/b", "/a/s-0000000001" }, p => Assert.Equal(zxid, h.StatOf(s, p).Czxid));
    }

    [Fact]
    public void Failed_multi_changes_nothing_consumes_no_zxid_and_reports_ok_error_and_runtime_inconsistency()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/x", "x0");
        var watcher = h.Open();
        h.Ok<ExistsResponse>(watcher, new ExistsRequest("/a", true));
        h.Ok<GetChildrenResponse>(watcher, new GetChildrenRequest("/", true));
        h.Ok<GetDataResponse>(watcher, new GetDataRequest("/x", true));
        var zxid = h.State.LastZxid;
        var tree = Snapshot(h.State);

        var outcome = h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/a", Bytes("A")),
            new SetDataRequest("/x", Bytes("x1")),
            new DeleteRequest("/x", 0), // the setData before it made the version 1
            new CreateRequest("/b", Bytes("B")),
            new CheckVersionRequest("/x", 0),
        }));

        var multi = Assert.IsType<MultiResponse>(outcome.Response);
        Assert.False(multi.IsOk);
        Assert.Equal(
            new ZkResponse[]
            {
                new ErrorResponse(ZkErrorCode.Ok, "/a"),
                new ErrorResponse(ZkErrorCode.Ok, "/x"),
                multi.Results[2],
                new ErrorResponse(ZkErrorCode.RuntimeInconsistency, "/b"),
                new ErrorResponse(ZkErrorCode.RuntimeInconsistency, "/x"),
            },
            multi.Results);
        var failing = Assert.IsType<ErrorResponse>(multi.Results[2]);
        Assert.Equal(ZkErrorCode.BadVersion, failing.Code);
        Assert.Equal("/x", failing.Path);
        Assert.Same(failing, multi.FirstError);

        Assert.Null(outcome.Record);
        Assert.Empty(outcome.Fired);
        Assert.Equal(zxid, h.State.LastZxid);
        Assert.Equal(tree, Snapshot(h.State));

        // The next write gets the very next zxid, and the watches are still armed.
        var next = h.Do(s, new CreateRequest("/a", Bytes("")));
        Assert.Equal(zxid + 1, next.Record!.Zxid);
        Assert.Equal(
            new[] { (watcher, new WatchedEvent(WatchEventType.NodeCreated, "/a", zxid + 1)), (watcher, new WatchedEvent(WatchEventType.NodeChildrenChanged, "/", zxid + 1)) },
            next.Fired);
    }

    [Theory]
    [InlineData(0, ZkErrorCode.NoNode)]
    [InlineData(1, ZkErrorCode.NodeExists)]
    [InlineData(2, ZkErrorCode.NotEmpty)]
    [InlineData(3, ZkErrorCode.NoChildrenForEphemerals)]
    [InlineData(4, ZkErrorCode.BadArguments)]
    public void Multi_fails_at_the_first_failing_op_of_any_kind(int which, ZkErrorCode code)
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/p");
        h.Create(s, "/p/c");
        h.Create(s, "/p/d");
        h.Create(s, "/e", mode: CreateMode.Ephemeral);
        ZkRequest failing = which switch
        {
            0 => new SetDataRequest("/missing", Bytes("")),
            1 => new CreateRequest("/p", Bytes("")),
            2 => new DeleteRequest("/p"),
            3 => new CreateRequest("/e/c", Bytes("")),
            _ => new CreateRequest("/bad/", Bytes("")),
        };
        var zxid = h.State.LastZxid;
        var tree = Snapshot(h.State);
        var outcome = h.Do(s, new MultiRequest(new ZkRequest[] { new DeleteRequest("/p/c"), failing, new CreateRequest("/z", Bytes("")) }));
        var multi = Assert.IsType<MultiResponse>(outcome.Response);
        Assert.Equal(ZkErrorCode.Ok, Assert.IsType<ErrorResponse>(multi.Results[0]).Code);
        Assert.Equal(code, Assert.IsType<ErrorResponse>(multi.Results[1]).Code);
        Assert.Equal(ZkErrorCode.RuntimeInconsistency, Assert.IsType<ErrorResponse>(multi.Results[2]).Code);
        Assert.Equal(code, multi.FirstError!.Code);
        Assert.False(multi.IsOk);
        Assert.Null(outcome.Record);
        Assert.Equal(zxid, h.State.LastZxid);
        Assert.Equal(tree, Snapshot(h.State));
    }

    [Fact]
    public void Multi_ops_see_the_effects_of_the_ops_before_them()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/p");
        h.Create(s, "/p/c");
        // Delete the child, then the now-empty parent, then recreate both; the counter sees the creates in the batch.
        var multi = h.Ok<MultiResponse>(s, new MultiRequest(new ZkRequest[]
        {
            new DeleteRequest("/p/c", 0),
            new DeleteRequest("/p", 0),
            new CreateRequest("/p", Bytes("again")),
            new CreateRequest("/p/n", Bytes(""), CreateMode.PersistentSequential),
            new CreateRequest("/p/n", Bytes(""), CreateMode.PersistentSequential),
            new SetDataRequest("/p", Bytes("v1"), 0),
            new CheckVersionRequest("/p", 1),
            new CheckVersionRequest("/p", -1),
        }));
        Assert.True(multi.IsOk);
        Assert.Equal("/p/n0000000000", Assert.IsType<CreateResponse>(multi.Results[3]).Path);
        Assert.Equal("/p/n0000000001", Assert.IsType<CreateResponse>(multi.Results[4]).Path);
        var p = h.StatOf(s, "/p");
        Assert.Equal(1, p.Version);
        Assert.Equal(2, p.Cversion);
        Assert.Equal(h.State.LastZxid, p.Czxid);

        // A node created earlier in the batch is visible to a later check; a deleted one is gone.
        h.Ok<MultiResponse>(s, new MultiRequest(new ZkRequest[] { new CreateRequest("/t", Bytes("")), new CheckVersionRequest("/t", 0) }));
        var gone = Assert.IsType<MultiResponse>(h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new DeleteRequest("/t"), new CheckVersionRequest("/t", -1),
        })).Response);
        Assert.Equal(ZkErrorCode.NoNode, gone.FirstError!.Code);
        // An ephemeral created earlier in the batch cannot get a child later in it.
        var eph = Assert.IsType<MultiResponse>(h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/e", Bytes(""), CreateMode.Ephemeral), new CreateRequest("/e/c", Bytes("")),
        })).Response);
        Assert.Equal(ZkErrorCode.NoChildrenForEphemerals, eph.FirstError!.Code);
        // A child created earlier in the batch makes the parent non-empty.
        var notEmpty = Assert.IsType<MultiResponse>(h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/t/c", Bytes("")), new DeleteRequest("/t"),
        })).Response);
        Assert.Equal(ZkErrorCode.NotEmpty, notEmpty.FirstError!.Code);
    }

    [Fact]
    public void Check_op_fails_the_batch_on_a_wrong_version_or_missing_node()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/epoch", "7");
        h.Ok<SetDataResponse>(s, new SetDataRequest("/epoch", Bytes("8")));
        h.Ok<MultiResponse>(s, new MultiRequest(new ZkRequest[] { new CheckVersionRequest("/epoch", 1), new CreateRequest("/w", Bytes("")) }));
        Assert.NotNull(h.Ok<ExistsResponse>(s, new ExistsRequest("/w")).Stat);

        var stale = Assert.IsType<MultiResponse>(h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new CheckVersionRequest("/epoch", 0), new CreateRequest("/w2", Bytes("")),
        })).Response);
        Assert.Equal(ZkErrorCode.BadVersion, stale.FirstError!.Code);
        Assert.Equal(ZkErrorCode.RuntimeInconsistency, Assert.IsType<ErrorResponse>(stale.Results[1]).Code);
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/w2")).Stat);

        var missing = Assert.IsType<MultiResponse>(h.Do(s, new MultiRequest(new ZkRequest[]
        {
            new CheckVersionRequest("/nope", -1),
        })).Response);
        Assert.Equal(ZkErrorCode.NoNode, missing.FirstError!.Code);
    }

    [Fact]
    public void Reads_are_not_allowed_in_a_multi()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        foreach (ZkRequest read in new ZkRequest[]
                 {
                     new ExistsRequest("/a"), new GetDataRequest("/a"), new GetChildrenRequest("/a"), new SyncRequest("/a"),
                     new MultiRequest(new ZkRequest[] { new CreateRequest("/n", Bytes("")) }),
                 })
        {
            var zxid = h.State.LastZxid;
            var multi = Assert.IsType<MultiResponse>(h.Do(s, new MultiRequest(new[] { new CreateRequest("/b", Bytes("")), read })).Response);
            Assert.Equal(ZkErrorCode.BadArguments, multi.FirstError!.Code);
            Assert.Equal(zxid, h.State.LastZxid);
        }
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/b")).Stat);
        Assert.Null(h.Ok<ExistsResponse>(s, new ExistsRequest("/n")).Stat);
    }

    [Fact]
    public void Empty_multi_succeeds()
    {
        var h = new TreeHarness();
        var s = h.Open();
        var multi = h.Ok<MultiResponse>(s, new MultiRequest(Array.Empty<ZkRequest>()));
        Assert.Empty(multi.Results);
        Assert.True(multi.IsOk);
    }

    // ---------------------------------------------------------------- zxid and sessions

    [Fact]
    public void Zxid_is_one_strictly_increasing_order_over_every_change()
    {
        var h = new TreeHarness();
        var s1 = h.Open();
        var s2 = h.Open();
        Assert.Equal(1, s1);
        Assert.Equal(2, s2);
        h.Create(s1, "/a");
        h.Create(s2, "/b", mode: CreateMode.Ephemeral);
        h.Ok<SetDataResponse>(s1, new SetDataRequest("/a", Bytes("x")));
        h.Ok<MultiResponse>(s2, new MultiRequest(new ZkRequest[] { new CreateRequest("/c", Bytes("")), new DeleteRequest("/c") }));
        h.Fails(s1, new CreateRequest("/a", Bytes("")), ZkErrorCode.NodeExists);
        h.Ok<DeleteResponse>(s1, new DeleteRequest("/a"));
        h.Close(s2);
        var s3 = h.Open();
        Assert.Equal(h.State.LastZxid, s3);
        Assert.Equal(Enumerable.Range(1, h.Records.Count).Select(i => (long)i), h.Records.Select(r => r.Zxid));
        Assert.Equal(9, h.State.LastZxid);
    }

    [Fact]
    public void Session_id_is_the_zxid_of_its_create_session_txn_and_timeouts_are_negotiated()
    {
        var state = new CoordinationState(new StoreLimits(1024, 4000, 40000));
        var (record, id, timeout) = state.OpenSession(1000, 55);
        Assert.Equal(record.Zxid, id);
        Assert.Equal(new CreateSessionTxn(id, 4000), record.Body);
        Assert.Equal(4000, timeout);
        Assert.Equal(55, record.Time);
        Assert.Equal(40000, state.OpenSession(100_000, 56).TimeoutMs);
        Assert.Equal(6000, state.OpenSession(6000, 57).TimeoutMs);
        Assert.True(state.IsLive(id));
        Assert.Equal(4000, state.Tree.Sessions[id]);
    }

    [Fact]
    public void Requests_on_an_unknown_or_closed_session_fail_with_SessionExpired()
    {
        var h = new TreeHarness();
        var s = h.Open();
        h.Create(s, "/a");
        foreach (var dead in new[] { 0L, 999L, -1L })
        {
            h.Fails(dead, new CreateRequest("/b", Bytes("")), ZkErrorCode.SessionExpired);
            h.Fails(dead, new ExistsRequest("/a", true), ZkErrorCode.SessionExpired);
        }
        Assert.Equal(0, h.State.Watches.Count);

        h.Close(s);
        Assert.False(h.State.IsLive(s));
        foreach (ZkRequest request in new ZkRequest[]
                 {
                     new CreateRequest("/b", Bytes("")), new DeleteRequest("/a"), new SetDataRequest("/a", Bytes("x")),
                     new ExistsRequest("/a"), new GetDataRequest("/a"), new GetChildrenRequest("/"), new SyncRequest("/"),
                     new MultiRequest(new ZkRequest[] { new DeleteRequest("/a") }),
                 })
            Assert.Equal(ZkErrorCode.SessionExpired, h.Fails(s, request, ZkErrorCode.SessionExpired).Code);

        var zxid = h.State.LastZxid;
        var again = h.Close(s);
        Assert.Equal(ZkErrorCode.SessionExpired, Assert.IsType<ErrorResponse>(again.Response).Code);
        Assert.Null(again.Record);
        Assert.Equal(zxid, h.State.LastZxid);
        Assert.Equal(ZkErrorCode.SessionExpired, Assert.IsType<ErrorResponse>(h.Close(4242).Response).Code);
    }

    [Fact]
    public void Close_session_deletes_only_its_ephemerals_under_one_zxid_and_fires_watches()
    {
        var h = new TreeHarness();
        var owner = h.Open();
        var other = h.Open();
        var watcher = h.Open();
        h.Create(owner, "/p");
        h.Create(owner, "/p/e1", "1", CreateMode.Ephemeral);
        h.Create(owner, "/p/q", mode: CreateMode.EphemeralSequential); // /p/q0000000001
        h.Create(owner, "/top", mode: CreateMode.Ephemeral);
        h.Create(other, "/p/theirs", mode: CreateMode.Ephemeral);
        h.Create(owner, "/p/persistent");
        h.Ok<GetDataResponse>(watcher, new GetDataRequest("/p/e1", true));
        h.Ok<ExistsResponse>(watcher, new ExistsRequest("/top", true));
        h.Ok<GetChildrenResponse>(watcher, new GetChildrenRequest("/p", true));
        h.Ok<GetChildrenResponse>(watcher, new GetChildrenRequest("/p/q0000000001", true));
        h.Ok<ExistsResponse>(watcher, new ExistsRequest("/p/theirs", true));
        h.Ok<ExistsResponse>(owner, new ExistsRequest("/p/theirs", true)); // the closing session's own watch
        var pBefore = h.StatOf(watcher, "/p");

        var outcome = h.Close(owner);
        var zxid = outcome.Record!.Zxid;
        Assert.Equal(h.State.LastZxid, zxid);
        Assert.Equal(new CloseSessionTxn(owner), outcome.Record.Body);
        Assert.False(h.State.IsLive(owner));
        Assert.Empty(h.State.Tree.EphemeralsOf(owner));

        Assert.Equal(
            new[] { "/", "/p", "/p/persistent", "/p/theirs" },
            h.State.Tree.Nodes().Select(n => n.Path));
        var p = h.StatOf(watcher, "/p");
        Assert.Equal(pBefore.Cversion + 2, p.Cversion);
        Assert.Equal(zxid, p.Pzxid);
        Assert.Equal(2, p.NumChildren);
        Assert.Equal(zxid, h.StatOf(watcher, "/").Pzxid);

        Assert.All(outcome.Fired, f => Assert.Equal(watcher, f.SessionId));
        Assert.Equal(
            new[]
            {
                new WatchedEvent(WatchEventType.NodeDeleted, "/p/e1", zxid),
                new WatchedEvent(WatchEventType.NodeChildrenChanged, "/p", zxid),
                new WatchedEvent(WatchEventType.NodeDeleted, "/p/q0000000001", zxid),
                new WatchedEvent(WatchEventType.NodeDeleted, "/top", zxid),
            },
            outcome.Fired.Select(f => f.Event));

        // The other session's ephemeral is unaffected and its watch (and only the watcher's) still fires.
        var delete = h.Do(other, new DeleteRequest("/p/theirs"));
        Assert.Equal(new[] { (watcher, new WatchedEvent(WatchEventType.NodeDeleted, "/p/theirs", zxid + 1)) }, delete.Fired);
    }

    // ---------------------------------------------------------------- replay

    [Fact]
    public void Replaying_the_records_into_a_fresh_state_reproduces_the_tree_and_sessions()
    {
        var h = new TreeHarness();
        var s1 = h.Open();
        var s2 = h.Open(9000);
        h.Create(s1, "/a", "a");
        h.Create(s1, "/a/q", mode: CreateMode.PersistentSequential);
        h.Create(s2, "/a/e", "e", CreateMode.EphemeralSequential);
        h.Create(s2, "/x", "x", CreateMode.Ephemeral);
        h.Ok<SetDataResponse>(s1, new SetDataRequest("/a", Bytes("a2")));
        h.Ok<MultiResponse>(s1, new MultiRequest(new ZkRequest[]
        {
            new CreateRequest("/m", Bytes("m")), new SetDataRequest("/m", Bytes("mm")), new DeleteRequest("/a/q0000000000"),
            new CheckVersionRequest("/a", 1),
        }));
        h.Do(s1, new MultiRequest(new ZkRequest[] { new CreateRequest("/never", Bytes("")), new DeleteRequest("/nope") }));
        h.Close(s2);
        var s3 = h.Open();
        h.Create(s3, "/a/q", mode: CreateMode.PersistentSequential);
        h.Ok<DeleteResponse>(s3, new DeleteRequest("/m", 1));

        var replica = new CoordinationState(h.State.Limits);
        foreach (var record in h.Records) replica.Replay(record);
        Assert.Equal(Snapshot(h.State), Snapshot(replica));
        Assert.Equal(Sessions(h.State), Sessions(replica));
        Assert.Equal(h.State.LastZxid, replica.LastZxid);
        Assert.Equal(h.State.Tree.EphemeralsOf(s3), replica.Tree.EphemeralsOf(s3));
        Assert.Contains("/a/q0000000002", Snapshot(replica));

        // Records already applied are skipped: replaying everything again changes nothing.
        foreach (var record in h.Records) replica.Replay(record);
        Assert.Equal(Snapshot(h.State), Snapshot(replica));

        // The replica continues exactly like the original.
        var o1 = h.State.Handle(s3, new CreateRequest("/a/q", Bytes(""), CreateMode.PersistentSequential), 1);
        var o2 = replica.Handle(s3, new CreateRequest("/a/q", Bytes(""), CreateMode.PersistentSequential), 1);
        Assert.Equal(((CreateResponse)o1.Response).Path, ((CreateResponse)o2.Response).Path);
        Assert.Equal(((CreateResponse)o1.Response).Stat, ((CreateResponse)o2.Response).Stat);
        Assert.False(replica.IsLive(s2));
    }

    [Fact]
    public void Apply_rejects_a_zxid_that_is_not_above_the_last_applied()
    {
        var tree = new DataTree();
        tree.Apply(new TxnRecord(5, 0, new CreateSessionTxn(5, 4000)));
        Assert.Throws<InvalidOperationException>(() => tree.Apply(new TxnRecord(5, 0, new CreateTxn("/a", Array.Empty<byte>(), 0))));
        Assert.Throws<InvalidOperationException>(() => tree.Apply(new TxnRecord(4, 0, new CreateTxn("/a", Array.Empty<byte>(), 0))));
    }
}
