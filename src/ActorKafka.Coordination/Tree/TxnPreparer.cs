namespace ActorKafka.Coordination;

/// <summary>
/// Validates write requests against the tree and turns them into transactions
/// (ZooKeeper's PrepRequestProcessor). A multi is checked against an overlay of the changes
/// its earlier ops would make, so that it is all or nothing without touching the tree.
/// </summary>
internal sealed class TxnPreparer(DataTree tree, int maxDataBytes)
{
    private readonly Dictionary<string, NodeView> _overlay = new(StringComparer.Ordinal);

    /// <summary>A transaction, or the error that refused it.</summary>
    public (Txn? Txn, ZkResponse? Error) Prepare(long sessionId, ZkRequest request)
    {
        _overlay.Clear();
        if (request is MultiRequest { Ops: null })
            return (null, new ErrorResponse(ZkErrorCode.BadArguments, ZnodePath.Root, "a multi needs a list of ops"));
        if (request is not MultiRequest multi)
        {
            var (txn, error) = PrepareOp(sessionId, request);
            return (txn, error);
        }

        var txns = new List<Txn>(multi.Ops.Count);
        for (var i = 0; i < multi.Ops.Count; i++)
        {
            var (txn, error) = multi.Ops[i] is MultiRequest or ExistsRequest or GetDataRequest or GetChildrenRequest or SyncRequest or null
                ? (null, new ErrorResponse(ZkErrorCode.BadArguments, multi.Ops[i]?.Path ?? "", "only create, delete, setData and check may be used in a multi"))
                : PrepareOp(sessionId, multi.Ops[i]);
            if (error is not null)
            {
                var results = new ZkResponse[multi.Ops.Count];
                for (var j = 0; j < results.Length; j++)
                    results[j] = j < i ? new ErrorResponse(ZkErrorCode.Ok, multi.Ops[j].Path)
                        : j == i ? error
                        : new ErrorResponse(ZkErrorCode.RuntimeInconsistency, multi.Ops[j]?.Path ?? "");
                return (null, new MultiResponse(results));
            }
            txns.Add(txn!);
        }
        return (new MultiTxn(txns), null);
    }

    private (Txn? Txn, ErrorResponse? Error) PrepareOp(long sessionId, ZkRequest request)
    {
        switch (request)
        {
            case CreateRequest c:
            {
                if (ZnodePath.ValidateForCreate(c.Path, c.Mode) is { } bad) return Fail(ZkErrorCode.BadArguments, c.Path, bad);
                if (TooLarge(c.Data, c.Path) is { } large) return (null, large);
                // A sequential create of "/" names a child of the root ("/0000000003"), as in ZooKeeper.
                if (c.Path == ZnodePath.Root && !c.Mode.IsSequential()) return Fail(ZkErrorCode.NodeExists, c.Path);
                var parentPath = ZnodePath.Parent(c.Mode.IsSequential() ? c.Path + "1" : c.Path);
                var parent = View(parentPath);
                if (!parent.Exists) return Fail(ZkErrorCode.NoNode, c.Path, $"parent {parentPath} does not exist");
                if (parent.EphemeralOwner != 0) return Fail(ZkErrorCode.NoChildrenForEphemerals, c.Path);
                // ZooKeeper numbers sequential children by the parent's count of child creates (its
                // persisted cversion); the reported cversion also counts deletes (DataNode.copyStat:
                // creates * 2 - numChildren), so the create count is (cversion + numChildren) / 2.
                var path = c.Mode.IsSequential() ? ZnodePath.SequentialName(c.Path, (parent.Cversion + parent.NumChildren) / 2) : c.Path;
                if (View(path).Exists) return Fail(ZkErrorCode.NodeExists, path);
                var owner = c.Mode.IsEphemeral() ? sessionId : 0;
                _overlay[path] = new NodeView(true, 0, owner, 0, 0);
                _overlay[parentPath] = parent with { NumChildren = parent.NumChildren + 1, Cversion = parent.Cversion + 1 };
                // Copied so a local sender reusing its buffer cannot change the tree behind the log.
                return (new CreateTxn(path, c.Data.ToArray(), owner), null);
            }
            case DeleteRequest d:
            {
                if (ZnodePath.Validate(d.Path) is { } bad) return Fail(ZkErrorCode.BadArguments, d.Path, bad);
                if (d.Path == ZnodePath.Root) return Fail(ZkErrorCode.BadArguments, d.Path, "the root cannot be deleted");
                var node = View(d.Path);
                if (!node.Exists) return Fail(ZkErrorCode.NoNode, d.Path);
                if (d.Version != -1 && d.Version != node.Version)
                    return Fail(ZkErrorCode.BadVersion, d.Path, $"expected version {d.Version}, node has {node.Version}");
                if (node.NumChildren > 0) return Fail(ZkErrorCode.NotEmpty, d.Path);
                var parentPath = ZnodePath.Parent(d.Path);
                var parent = View(parentPath);
                _overlay[d.Path] = NodeView.Missing;
                _overlay[parentPath] = parent with { NumChildren = parent.NumChildren - 1, Cversion = parent.Cversion + 1 };
                return (new DeleteTxn(d.Path), null);
            }
            case SetDataRequest s:
            {
                if (ZnodePath.Validate(s.Path) is { } bad) return Fail(ZkErrorCode.BadArguments, s.Path, bad);
                if (TooLarge(s.Data, s.Path) is { } large) return (null, large);
                var node = View(s.Path);
                if (!node.Exists) return Fail(ZkErrorCode.NoNode, s.Path);
                if (s.Version != -1 && s.Version != node.Version)
                    return Fail(ZkErrorCode.BadVersion, s.Path, $"expected version {s.Version}, node has {node.Version}");
                _overlay[s.Path] = node with { Version = node.Version + 1 };
                return (new SetDataTxn(s.Path, s.Data.ToArray()), null);
            }
            case CheckVersionRequest k:
            {
                if (ZnodePath.Validate(k.Path) is { } bad) return Fail(ZkErrorCode.BadArguments, k.Path, bad);
                var node = View(k.Path);
                if (!node.Exists) return Fail(ZkErrorCode.NoNode, k.Path);
                if (k.Version != -1 && k.Version != node.Version)
                    return Fail(ZkErrorCode.BadVersion, k.Path, $"expected version {k.Version}, node has {node.Version}");
                return (new CheckTxn(k.Path), null);
            }
            default:
                return Fail(ZkErrorCode.BadArguments, request?.Path ?? "", $"{request?.GetType().Name ?? "null"} is not a write");
        }
    }

    private ErrorResponse? TooLarge(byte[]? data, string path)
    {
        if (data is null) return new ErrorResponse(ZkErrorCode.BadArguments, path, "data must not be null");
        return data.Length > maxDataBytes
            ? new ErrorResponse(ZkErrorCode.BadArguments, path, $"data is {data.Length} bytes, over the {maxDataBytes}-byte limit (actorkafka.coordination.store.max-data-bytes)")
            : null;
    }

    private static (Txn?, ErrorResponse?) Fail(ZkErrorCode code, string path, string message = "") =>
        (null, new ErrorResponse(code, path, message));

    private NodeView View(string path)
    {
        if (_overlay.TryGetValue(path, out var view)) return view;
        var node = tree.Find(path);
        return node is null ? NodeView.Missing
            : new NodeView(true, node.Version, node.EphemeralOwner, node.Children?.Count ?? 0, node.Cversion);
    }

    private readonly record struct NodeView(bool Exists, int Version, long EphemeralOwner, int NumChildren, int Cversion)
    {
        public static readonly NodeView Missing = new(false, 0, 0, 0, 0);
    }
}
