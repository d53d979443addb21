using System.Text;
using Xunit;

namespace ActorKafka.Coordination.Tests.Tree;

/// <summary>
/// Drives a <see cref="CoordinationState"/> with an explicit clock and keeps every transaction
/// record it produced, so that tests can replay them and check Stat times exactly.
/// </summary>
internal sealed class TreeHarness
{
    public TreeHarness(int maxDataBytes = 1024)
    {
        State = new CoordinationState(new StoreLimits(maxDataBytes, 10, 100_000));
    }

    public CoordinationState State { get; }

    public List<TxnRecord> Records { get; } = new();

    /// <summary>The wall time the next call will pass in; advanced by 7 ms on every call.</summary>
    public long Now { get; private set; } = 1_700_000_000_000;

    public long Open(int timeoutMs = 5000)
    {
        Now += 7;
        var (record, id, _) = State.OpenSession(timeoutMs, Now);
        Records.Add(record);
        return id;
    }

    public Outcome Do(long session, ZkRequest request)
    {
        Now += 7;
        var outcome = State.Handle(session, request, Now);
        if (outcome.Record is not null) Records.Add(outcome.Record);
        return outcome;
    }

    public Outcome Close(long session)
    {
        Now += 7;
        var outcome = State.CloseSession(session, Now);
        if (outcome.Record is not null) Records.Add(outcome.Record);
        return outcome;
    }

    /// <summary>Runs the request and asserts it succeeded with a response of type T.</summary>
    public T Ok<T>(long session, ZkRequest request) where T : ZkResponse
    {
        var outcome = Do(session, request);
        if (outcome.Response is ErrorResponse e) Assert.Fail($"{request} failed: {e}");
        return Assert.IsType<T>(outcome.Response);
    }

    /// <summary>Runs the request, asserts it failed with the code, and that it changed nothing.</summary>
    public ErrorResponse Fails(long session, ZkRequest request, ZkErrorCode code)
    {
        var before = Snapshot(State);
        var zxid = State.LastZxid;
        var outcome = Do(session, request);
        var error = Assert.IsType<ErrorResponse>(outcome.Response);
        Assert.Equal(code, error.Code);
        Assert.Null(outcome.Record);
        Assert.Empty(outcome.Fired);
        Assert.Equal(zxid, State.LastZxid);
        Assert.Equal(before, Snapshot(State));
        return error;
    }

    public CreateResponse Create(long session, string path, string data = "", CreateMode mode = CreateMode.Persistent) =>
        Ok<CreateResponse>(session, new CreateRequest(path, Bytes(data), mode));

    public Stat StatOf(long session, string path) =>
        Ok<ExistsResponse>(session, new ExistsRequest(path)).Stat ?? throw new Xunit.Sdk.XunitException($"{path} does not exist");

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>The whole tree as comparable text: path, data (hex) and every Stat field, one node a line.</summary>
    public static string Snapshot(CoordinationState state) =>
        string.Join("\n", state.Tree.Nodes().Select(n => $"{n.Path} [{Convert.ToHexString(n.Data)}] {n.Stat}"));

    /// <summary>Sessions as comparable text.</summary>
    public static string Sessions(CoordinationState state) =>
        string.Join(",", state.Tree.Sessions.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"));
}
