namespace ActorKafka.MultiProcess.Tests;

/// <summary>
/// Which node processes a cluster has and what each one is. zk: node 1 runs the coordination
/// store, nodes 2..5 are brokers (each a controller candidate). kraft: nodes 3000..3002 are the
/// quorum controllers (the Raft voters), nodes 1..3 the brokers.
/// </summary>
public sealed record ProcessLayout(string Mode, IReadOnlyList<int> NodeIds, IReadOnlyList<int> BrokerIds, IReadOnlyList<int> ControllerIds, int? StoreNodeId)
{
    public static readonly ProcessLayout Zk = new("zk", [1, 2, 3, 4, 5], [2, 3, 4, 5], [], 1);

    public static readonly ProcessLayout Kraft = new("kraft", [3000, 3001, 3002, 1, 2, 3], [1, 2, 3], [3000, 3001, 3002], null);

    public bool IsKRaft => ControllerIds.Count > 0;

    /// <summary>The nodes every other joins through: the controllers in KRaft mode, the first three nodes in zk mode.</summary>
    public IReadOnlyList<int> SeedIds => IsKRaft ? ControllerIds : NodeIds.Take(3).ToArray();

    /// <summary>The id the node is configured with: a store-only node has none.</summary>
    public int ConfiguredId(int nodeId) => nodeId == StoreNodeId ? -1 : nodeId;

    public string Role(int nodeId) => nodeId == StoreNodeId ? "store" : ControllerIds.Contains(nodeId) ? "controller" : "broker";
}
