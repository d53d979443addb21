using ActorKafka.Broker.Kraft;
using ActorKafka.Controller.Kraft;
using ActorKafka.Raft;
using Akka.Configuration;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// Which metadata mode a node runs in, as Kafka decides it: a node configured with a controller
/// quorum (actorkafka.raft.voters) is a KRaft node; without one it is a zk-mode node that uses the
/// coordination store. A KRaft node is either a controller (its id is a voter) or a broker (an
/// observer of the metadata log); a store belongs to zk mode.
/// </summary>
public static class NodeMetadataMode
{
    public const string VotersKey = "actorkafka.raft.voters";

    public static bool IsKRaft(Config config) => config.HasPath(VotersKey) && config.GetValue(VotersKey) is { } voters && voters.IsArray() &&
                                                 voters.GetArray().Count > 0;

    /// <summary>What is wrong with these roles and this id in KRaft mode (the key to name and the message), or null.</summary>
    public static (string Key, string Message)? CheckKRaftRoles(IReadOnlyList<string> roles, int nodeId, IReadOnlyList<int> voterIds)
    {
        var voters = $"the voters are [{string.Join(", ", voterIds)}]";
        if (roles.Contains(NodeRoles.Store))
            return ("actorkafka.node.roles", $"role '{NodeRoles.Store}' belongs to zk mode, and this node is in KRaft mode ({VotersKey} is set): drop the role, or the voters");
        if (roles.Contains(NodeRoles.Controller) && roles.Contains(NodeRoles.Broker))
            return ("actorkafka.node.roles", "a KRaft node is a controller or a broker, not both (combined mode is not supported): start one node for each");
        if (nodeId < 0) return ("actorkafka.node.node-id", $"a KRaft node needs a node id ({voters})");
        if (roles.Contains(NodeRoles.Controller) && !voterIds.Contains(nodeId))
            return ("actorkafka.node.node-id", $"{nodeId} is not a voter, so it cannot be a controller: {voters}");
        if (roles.Contains(NodeRoles.Broker) && voterIds.Contains(nodeId))
            return ("actorkafka.node.node-id", $"{nodeId} is a voter, and a voter runs the controller: give the broker an id outside the voters ({voters})");
        return null;
    }

    /// <summary>Reads the settings a KRaft node's roles will read, so a bad value stops the node before it starts.</summary>
    public static void CheckKRaftSettings(Config config, IReadOnlyList<string> roles, int nodeId)
    {
        RaftSettings.From(config);
        if (roles.Contains(NodeRoles.Controller)) QuorumControllerSettings.From(config, nodeId);
        if (roles.Contains(NodeRoles.Broker)) KraftBrokerSettings.From(config);
    }
}
