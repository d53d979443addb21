namespace ActorKafka.Coordination;

/// <summary>Marker for every message and event of the coordination protocol (serializer binding).</summary>
public interface ICoordinationMessage;

/// <summary>A ZooKeeper operation, named as in ZooKeeper's wire protocol.</summary>
public abstract record ZkRequest(string Path) : ICoordinationMessage
{
    public virtual bool IsWrite => false;
}

public sealed record CreateRequest(string Path, byte[] Data, CreateMode Mode = CreateMode.Persistent) : ZkRequest(Path)
{
    public override bool IsWrite => true;
}

public sealed record DeleteRequest(string Path, int Version = -1) : ZkRequest(Path)
{
    public override bool IsWrite => true;
}

public sealed record SetDataRequest(string Path, byte[] Data, int Version = -1) : ZkRequest(Path)
{
    public override bool IsWrite => true;
}

/// <summary>Only valid inside a multi: fails the whole batch unless the node has this version.</summary>
public sealed record CheckVersionRequest(string Path, int Version) : ZkRequest(Path)
{
    public override bool IsWrite => true;
}

public sealed record ExistsRequest(string Path, bool Watch = false) : ZkRequest(Path);

public sealed record GetDataRequest(string Path, bool Watch = false) : ZkRequest(Path);

public sealed record GetChildrenRequest(string Path, bool Watch = false, bool IncludeStat = false) : ZkRequest(Path);

/// <summary>Answered once every write the store accepted before it is durable.</summary>
public sealed record SyncRequest(string Path) : ZkRequest(Path);

/// <summary>All-or-nothing batch of create, delete, setData and check.</summary>
public sealed record MultiRequest(IReadOnlyList<ZkRequest> Ops) : ZkRequest(ZnodePath.Root)
{
    public override bool IsWrite => true;
}

/// <summary>A reply to a ZkRequest. Errors are values, never exceptions.</summary>
public abstract record ZkResponse : ICoordinationMessage
{
    public virtual bool IsOk => this is not ErrorResponse;
}

public sealed record CreateResponse(string Path, Stat Stat) : ZkResponse;

public sealed record DeleteResponse : ZkResponse;

public sealed record SetDataResponse(Stat Stat) : ZkResponse;

public sealed record CheckVersionResponse : ZkResponse;

/// <summary>Stat is null when the node does not exist (exists is not an error in ZooKeeper).</summary>
public sealed record ExistsResponse(Stat? Stat) : ZkResponse;

public sealed record GetDataResponse(byte[] Data, Stat Stat) : ZkResponse;

public sealed record GetChildrenResponse(IReadOnlyList<string> Children, Stat? Stat) : ZkResponse;

public sealed record SyncResponse(string Path) : ZkResponse;

/// <summary>
/// Per-op results. On failure, as in ZooKeeper: ops before the failing one report Ok,
/// the failing one its code, the ones after it RuntimeInconsistency; nothing was applied.
/// </summary>
public sealed record MultiResponse(IReadOnlyList<ZkResponse> Results) : ZkResponse
{
    public ErrorResponse? FirstError => Results.OfType<ErrorResponse>().FirstOrDefault(e => e.Code != ZkErrorCode.Ok);

    /// <summary>A failed multi is not Ok, although it is a MultiResponse.</summary>
    public override bool IsOk => FirstError is null;
}

public sealed record ErrorResponse(ZkErrorCode Code, string Path, string Message = "") : ZkResponse
{
    public override string ToString() => Message.Length == 0 ? $"{Code} {Path}" : $"{Code} {Path}: {Message}";
}
