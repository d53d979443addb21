using System.Diagnostics;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace ActorKafka.Coordination.Tests.Tree;

/// <summary>
/// Seeded random histories run against both <see cref="CoordinationState"/> and the independent
/// <see cref="ReferenceModel"/>; every reply, zxid, fired watch, the whole tree, the sessions and
/// the watch count must agree after every step, and replaying the log must rebuild the same tree.
/// ACTORKAFKA_MODEL_SEED=n runs that one seed; ACTORKAFKA_MODEL_SEEDS=n runs n seeds (default 200);
/// ACTORKAFKA_MODEL_STEPS=n sets the steps per seed (default 300).
/// </summary>
public sealed class ModelBasedTests(ITestOutputHelper output)
{
    private const int DefaultSeeds = 200;
    private const int DefaultSteps = 300;

    [Fact]
    public void Random_histories_match_the_reference_model()
    {
        var single = Environment.GetEnvironmentVariable("ACTORKAFKA_MODEL_SEED");
        var steps = EnvInt("ACTORKAFKA_MODEL_STEPS") ?? DefaultSteps;
        var seeds = single is not null
            ? new[] { int.Parse(single, System.Globalization.CultureInfo.InvariantCulture) }
            : Enumerable.Range(1, EnvInt("ACTORKAFKA_MODEL_SEEDS") ?? DefaultSeeds).ToArray();

        var coverage = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        foreach (var seed in seeds)
        {
            var failure = ModelRun.Run(seed, steps, coverage);
            if (failure is not null) Assert.Fail(failure);
        }
        output.WriteLine($"{seeds.Length} seeds x {steps} steps in {clock.ElapsedMilliseconds} ms");
        foreach (var (key, count) in coverage.OrderBy(kv => kv.Key, StringComparer.Ordinal)) output.WriteLine($"{key}: {count}");

        if (single is null && seeds.Length >= 50 && steps >= 100)
        {
            // The generator must actually reach every rule; a silent drift to trivial histories would hide bugs.
            string[] required =
            {
                "reply:Create", "reply:Delete", "reply:SetData", "reply:Exists", "reply:GetData", "reply:GetChildren",
                "reply:Sync", "reply:Multi:ok", "reply:Multi:failed", "create:sequential", "create:ephemeral",
                "create:root-sequential", "error:NoNode", "error:NodeExists", "error:BadVersion", "error:NotEmpty",
                "error:NoChildrenForEphemerals", "error:BadArguments", "error:SessionExpired", "error:oversized",
                "multi-error:BadVersion", "multi-error:NoNode", "multi-error:NodeExists", "multi-error:BadArguments",
                "multi:check-ok", "fired:NodeCreated", "fired:NodeDeleted", "fired:NodeDataChanged",
                "fired:NodeChildrenChanged", "fired:multi", "close:with-ephemerals", "close:fired", "delete:versioned-ok",
            };
            var missing = required.Where(k => !coverage.ContainsKey(k)).ToList();
            Assert.True(missing.Count == 0, "the random histories never exercised: " + string.Join(", ", missing));
        }
    }

    [Fact]
    public void A_divergence_is_reported_with_the_seed_the_step_and_how_to_replay_it()
    {
        // The store under test gets a one-byte larger data limit than the model: an oversized write must expose it.
        string? failure = null;
        for (var seed = 1; seed <= 50 && failure is null; seed++)
            failure = ModelRun.Run(seed, DefaultSteps, new Dictionary<string, int>(), storeMaxDataBytes: ModelRun.MaxDataBytes + 1);
        Assert.NotNull(failure);
        Assert.Matches(@"seed \d+, step \d+", failure);
        Assert.Matches(@"replay: ACTORKAFKA_MODEL_SEED=\d+ dotnet test tests/ActorKafka.Coordination.Tests --filter ModelBasedTests", failure);
        output.WriteLine(failure);
    }

    [Fact]
    public void The_same_seed_produces_the_same_history()
    {
        var a = new Dictionary<string, int>();
        var b = new Dictionary<string, int>();
        Assert.Null(ModelRun.Run(77, 200, a));
        Assert.Null(ModelRun.Run(77, 200, b));
        Assert.Equal(a.OrderBy(kv => kv.Key), b.OrderBy(kv => kv.Key));
        Assert.NotEqual(a.OrderBy(kv => kv.Key), ModelRunCoverage(78));
    }

    private static IEnumerable<KeyValuePair<string, int>> ModelRunCoverage(int seed)
    {
        var c = new Dictionary<string, int>();
        Assert.Null(ModelRun.Run(seed, 200, c));
        return c.OrderBy(kv => kv.Key);
    }

    private static int? EnvInt(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>One seeded history: the generator, both implementations, and the comparison after every step.</summary>
internal sealed class ModelRun
{
    public const int MaxDataBytes = 4;
    private const int MinTimeoutMs = 100;
    private const int MaxTimeoutMs = 5000;

    private static readonly string[] Segments = { "a", "b", "c" };

    private static readonly string[] InvalidPaths =
    {
        "", "a", "a/b", "/a/", "//", "/a//b", "/.", "/..", "/a/.", "/a/..", "/a/./b", "/b\0", "/c\u0001", "/a\u007f",
        "/b\ud800", "/c\uffff",
    };

    private readonly int _seed;
    private readonly Random _rng;
    private readonly ReferenceModel _model = new(MaxDataBytes, MinTimeoutMs, MaxTimeoutMs);
    private readonly CoordinationState _store;
    private readonly List<TxnRecord> _log = new();
    private readonly List<long> _live = new();
    private readonly List<long> _dead = new() { 0, 999_999 };
    private readonly Queue<string> _trace = new();
    private readonly Dictionary<string, int> _coverage;
    private long _now = 1_000_000;
    private int _step;

    private ModelRun(int seed, Dictionary<string, int> coverage, int storeMaxDataBytes)
    {
        _seed = seed;
        _rng = new Random(seed);
        _coverage = coverage;
        _store = new CoordinationState(new StoreLimits(storeMaxDataBytes, MinTimeoutMs, MaxTimeoutMs));
    }

    /// <summary>Runs one seed; null when store and model agreed throughout, otherwise a report.</summary>
    public static string? Run(int seed, int steps, Dictionary<string, int> coverage, int storeMaxDataBytes = MaxDataBytes)
    {
        var run = new ModelRun(seed, coverage, storeMaxDataBytes);
        try
        {
            run.Execute(steps);
            return null;
        }
        catch (Divergence d)
        {
            return run.Report(d.Message);
        }
    }

    private sealed class Divergence(string message) : Exception(message);

    private string Report(string what)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Store diverged from the reference model at seed {_seed}, step {_step}: {what}");
        sb.AppendLine("last steps:");
        foreach (var line in _trace) sb.AppendLine("  " + line);
        sb.AppendLine($"replay: ACTORKAFKA_MODEL_SEED={_seed} dotnet test tests/ActorKafka.Coordination.Tests --filter ModelBasedTests");
        return sb.ToString();
    }

    private void Execute(int steps)
    {
        OpenSession();
        OpenSession();
        for (_step = 0; _step < steps; _step++)
        {
            _now += _rng.Next(1, 1000);
            var roll = _rng.Next(100);
            if (roll < 4 && _live.Count < 3) OpenSession();
            else if (roll < 7 && _live.Count > 0) CloseSession(_live[_rng.Next(_live.Count)]);
            else if (roll < 8) CloseSession(_dead[_rng.Next(_dead.Count)]);
            else
            {
                if (_live.Count == 0) OpenSession();
                var session = _rng.Next(100) < 6 ? _dead[_rng.Next(_dead.Count)] : _live[_rng.Next(_live.Count)];
                Request(session, NextRequest());
            }
            CompareState();
        }
        CompareReplay();
    }

    // ------------------------------------------------------------------ steps

    private void OpenSession()
    {
        var requested = _rng.Next(0, 8000);
        var expected = _model.OpenSession(requested);
        var (record, id, timeout) = _store.OpenSession(requested, _now);
        _log.Add(record);
        Trace($"open session (timeout {requested}) -> 0x{id:x}");
        Check(expected.SessionId == id, $"session id {id}, model {expected.SessionId}");
        Check(record.Zxid == expected.SessionId, $"CreateSession zxid {record.Zxid}, model {expected.SessionId}");
        Check(timeout == expected.TimeoutMs, $"negotiated timeout {timeout}, model {expected.TimeoutMs}");
        _live.Add(id);
    }

    private void CloseSession(long session)
    {
        var ephemerals = _model.Nodes().Count(n => n.Stat.EphemeralOwner == session);
        var expected = _model.CloseSession(session);
        var actual = _store.CloseSession(session, _now);
        Trace($"close session 0x{session:x}");
        CompareOutcome(expected, actual);
        if (_live.Remove(session))
        {
            _dead.Add(session);
            Count(ephemerals > 0 ? "close:with-ephemerals" : "close:empty");
            if (expected.Fired.Count > 0) Count("close:fired");
        }
    }

    private void Request(long session, ZkRequest request)
    {
        var expected = _model.Handle(session, request, _now);
        var actual = _store.Handle(session, request, _now);
        Trace($"0x{session:x} {Describe(request)} -> {Render(actual.Response)}");
        CompareOutcome(expected, actual);
        CountReply(request, expected);
    }

    private void CompareOutcome(ReferenceModel.Result expected, Outcome actual)
    {
        var e = Render(expected.Response);
        var a = Render(actual.Response);
        Check(e == a, $"reply\n  model: {e}\n  store: {a}");
        if (actual.Response is ErrorResponse { Code: ZkErrorCode.BadArguments } bad)
            Check(bad.Message.Length > 0, "BadArguments without a message");
        if (actual.Response is MultiResponse m)
        {
            var ok = expected.Response is MultiResponse em && em.Results.All(r => r is not ErrorResponse);
            Check(m.IsOk == ok, $"MultiResponse.IsOk is {m.IsOk}, expected {ok}");
        }
        Check(expected.Zxid == actual.Record?.Zxid, $"logged zxid {actual.Record?.Zxid.ToString() ?? "none"}, model {expected.Zxid?.ToString() ?? "none"}");
        if (actual.Record is not null) _log.Add(actual.Record);
        var fe = RenderFired(expected.Fired);
        var fa = RenderFired(actual.Fired);
        Check(fe == fa, $"fired watches\n  model: {fe}\n  store: {fa}");
        foreach (var (_, evt) in expected.Fired)
        {
            Count("fired:" + evt.Type);
            if (expected.Response is MultiResponse) Count("fired:multi");
        }
    }

    private void CompareState()
    {
        Check(_model.LastZxid == _store.LastZxid, $"last zxid {_store.LastZxid}, model {_model.LastZxid}");
        var e = RenderTree(_model.Nodes());
        var a = RenderTree(_store.Tree.Nodes());
        Check(e == a, $"tree\n  model:\n{e}\n  store:\n{a}");
        var es = string.Join(",", _model.Sessions.Select(kv => $"{kv.Key}:{kv.Value}"));
        var sa = string.Join(",", _store.Tree.Sessions.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"));
        Check(es == sa, $"sessions {sa}, model {es}");
        Check(_model.WatchCount == _store.Watches.Count, $"watch count {_store.Watches.Count}, model {_model.WatchCount}");
    }

    private void CompareReplay()
    {
        var replica = new CoordinationState(_store.Limits);
        foreach (var record in _log) replica.Replay(record);
        Trace($"replay {_log.Count} records");
        Check(RenderTree(_model.Nodes()) == RenderTree(replica.Tree.Nodes()), "replayed tree differs from the model");
        Check(replica.LastZxid == _model.LastZxid, $"replayed last zxid {replica.LastZxid}, model {_model.LastZxid}");
        Check(string.Join(",", replica.Tree.Sessions.OrderBy(kv => kv.Key).Select(kv => kv.Key)) == string.Join(",", _model.Sessions.Keys),
            "replayed sessions differ from the model");
    }

    private void Check(bool ok, string what)
    {
        if (!ok) throw new Divergence(what);
    }

    private void Trace(string line)
    {
        _trace.Enqueue($"#{_step}: {line}");
        if (_trace.Count > 12) _trace.Dequeue();
    }

    private void Count(string key) => _coverage[key] = _coverage.GetValueOrDefault(key) + 1;

    private void CountReply(ZkRequest request, ReferenceModel.Result expected)
    {
        switch (expected.Response)
        {
            case ErrorResponse e:
                Count("error:" + e.Code);
                if (e.Code == ZkErrorCode.BadArguments && request is CreateRequest { Data.Length: > MaxDataBytes } or SetDataRequest { Data.Length: > MaxDataBytes })
                    Count("error:oversized");
                break;
            case MultiResponse m:
                var first = m.Results.OfType<ErrorResponse>().FirstOrDefault(r => r.Code != ZkErrorCode.Ok);
                Count(first is null ? "reply:Multi:ok" : "reply:Multi:failed");
                if (first is not null) Count("multi-error:" + first.Code);
                if (first is null && m.Results.OfType<CheckVersionResponse>().Any()) Count("multi:check-ok");
                break;
            default:
                Count("reply:" + expected.Response.GetType().Name.Replace("Response", ""));
                break;
        }
        if (request is CreateRequest c && expected.Response is CreateResponse)
        {
            if (c.Mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential) Count("create:sequential");
            if (c.Mode is CreateMode.Ephemeral or CreateMode.EphemeralSequential) Count("create:ephemeral");
            if (c.Path == "/") Count("create:root-sequential");
        }
        if (request is DeleteRequest { Version: >= 0 } && expected.Response is DeleteResponse) Count("delete:versioned-ok");
    }

    // ------------------------------------------------------------------ generator

    private ZkRequest NextRequest()
    {
        var roll = _rng.Next(100);
        return roll switch
        {
            < 22 => NextCreate(),
            < 34 => new DeleteRequest(PickPath(), PickVersion()),
            < 44 => new SetDataRequest(PickPath(), PickData(), PickVersion()),
            < 53 => new ExistsRequest(PickPath(), _rng.Next(100) < 70),
            < 60 => new GetDataRequest(PickPath(), _rng.Next(100) < 70),
            < 68 => new GetChildrenRequest(PickPath(), _rng.Next(100) < 70, _rng.Next(2) == 0),
            < 70 => new SyncRequest(PickPath()),
            _ => NextMulti(),
        };
    }

    private CreateRequest NextCreate()
    {
        var mode = (CreateMode)_rng.Next(4);
        var sequential = mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential;
        string path;
        if (!sequential) path = PickPath();
        else
            path = _rng.Next(10) switch
            {
                0 => "/",
                < 4 => AsPrefix(PickExistingOrRandom()),
                < 7 => PickExistingOrRandom() + "-",
                _ => PickPath(),
            };
        return new CreateRequest(path, PickData(), mode);
    }

    private MultiRequest NextMulti()
    {
        var count = _rng.Next(1, 5);
        var ops = new List<ZkRequest>(count);
        for (var i = 0; i < count; i++)
        {
            // Later ops often touch the previous op's node, its parent or a child of it, so that
            // batches like "delete /a/b, delete /a" or "create /a, create /a/b, check /a" happen.
            _related = i > 0 && _rng.Next(100) < 45 ? _lastPicked : null;
            var roll = _rng.Next(100);
            ops.Add(roll switch
            {
                < 35 => NextCreate(),
                < 55 => new DeleteRequest(PickPath(), PickVersion()),
                < 75 => new SetDataRequest(PickPath(), PickData(), PickVersion()),
                < 97 => new CheckVersionRequest(PickPath(), PickVersion()),
                _ => new ExistsRequest(PickPath()),
            });
        }
        _related = null;
        return new MultiRequest(ops);
    }

    private string _lastPicked = "/";
    private string? _related;

    /// <summary>A path: mostly from a tiny alphabet or the model's existing nodes so that ops collide.</summary>
    private string PickPath()
    {
        if (_related is { } related && ReferenceModel.IsValidPath(related))
        {
            _related = null;
            return _lastPicked = _rng.Next(3) switch
            {
                0 => related,
                1 => ReferenceModel.ParentOf(related),
                _ => (related == "/" ? "" : related) + "/" + Segments[_rng.Next(Segments.Length)],
            };
        }
        var roll = _rng.Next(100);
        _lastPicked = roll switch
        {
            < 45 => RandomPath(),
            < 88 => PickExisting(),
            < 94 => InvalidPaths[_rng.Next(InvalidPaths.Length)],
            < 97 => "/",
            _ => _lastPicked, // the same path as the op before (create then delete it, and so on)
        };
        return _lastPicked;
    }

    /// <summary>"/a" -> "/a/": sequential children named by the counter alone; "/" stays "/".</summary>
    private static string AsPrefix(string path) => path == "/" ? "/" : path + "/";

    private string PickExistingOrRandom() => _rng.Next(2) == 0 ? PickExisting() : RandomPath();

    private string PickExisting()
    {
        var paths = _model.Paths.OrderBy(p => p, StringComparer.Ordinal).ToList();
        return paths[_rng.Next(paths.Count)];
    }

    private string RandomPath()
    {
        var depth = _rng.Next(100) switch { < 50 => 1, < 85 => 2, _ => 3 };
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++) sb.Append('/').Append(Segments[_rng.Next(Segments.Length)]);
        return sb.ToString();
    }

    private int PickVersion()
    {
        var roll = _rng.Next(100);
        var path = _lastPicked;
        var version = _model.Exists(path) ? _model.VersionOf(path) : 0;
        return roll switch
        {
            < 35 => version,
            < 60 => -1,
            < 80 => version + (_rng.Next(2) == 0 ? 1 : -1),
            _ => _rng.Next(0, 4),
        };
    }

    private byte[] PickData()
    {
        var length = _rng.Next(100) < 12 ? _rng.Next(MaxDataBytes + 1, MaxDataBytes + 4) : _rng.Next(0, MaxDataBytes + 1);
        var data = new byte[length];
        _rng.NextBytes(data);
        return data;
    }

    // ------------------------------------------------------------------ rendering

    private static string Render(ZkResponse response) => response switch
    {
        ErrorResponse e => $"Error({e.Code} {e.Path})",
        CreateResponse c => $"Create({c.Path} {c.Stat})",
        DeleteResponse => "Delete",
        SetDataResponse s => $"SetData({s.Stat})",
        CheckVersionResponse => "Check",
        ExistsResponse e => $"Exists({e.Stat?.ToString() ?? "none"})",
        GetDataResponse g => $"GetData({Convert.ToHexString(g.Data)} {g.Stat})",
        GetChildrenResponse g => $"GetChildren([{string.Join(",", g.Children)}] {g.Stat?.ToString() ?? "no stat"})",
        SyncResponse s => $"Sync({s.Path})",
        MultiResponse m => $"Multi[{string.Join("; ", m.Results.Select(Render))}]",
        _ => response.GetType().Name,
    };

    /// <summary>Events grouped by session, each session's events in firing order (the order ZooKeeper guarantees).</summary>
    private static string RenderFired(IEnumerable<(long SessionId, WatchedEvent Event)> fired) =>
        string.Join(" ", fired.OrderBy(f => f.SessionId).Select(f => $"0x{f.SessionId:x}:{f.Event.Type}:{f.Event.Path}@{f.Event.Zxid}"));

    private static string RenderTree(IEnumerable<(string Path, byte[] Data, Stat Stat)> nodes) =>
        string.Join("\n", nodes.Select(n => $"    {n.Path} [{Convert.ToHexString(n.Data)}] {n.Stat}"));

    private static string Describe(ZkRequest request) => request switch
    {
        CreateRequest c => $"create {Quote(c.Path)} {c.Mode} [{Convert.ToHexString(c.Data)}]",
        DeleteRequest d => $"delete {Quote(d.Path)} v{d.Version}",
        SetDataRequest s => $"setData {Quote(s.Path)} [{Convert.ToHexString(s.Data)}] v{s.Version}",
        CheckVersionRequest k => $"check {Quote(k.Path)} v{k.Version}",
        ExistsRequest e => $"exists {Quote(e.Path)}{(e.Watch ? " watch" : "")}",
        GetDataRequest g => $"getData {Quote(g.Path)}{(g.Watch ? " watch" : "")}",
        GetChildrenRequest g => $"getChildren {Quote(g.Path)}{(g.Watch ? " watch" : "")}{(g.IncludeStat ? " stat" : "")}",
        SyncRequest s => $"sync {Quote(s.Path)}",
        MultiRequest m => $"multi({string.Join(", ", m.Ops.Select(Describe))})",
        _ => request.GetType().Name,
    };

    private static string Quote(string path) =>
        "\"" + string.Concat(path.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:x4}" : c.ToString())) + "\"";
}
