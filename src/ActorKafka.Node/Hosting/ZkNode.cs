using ActorKafka.Broker;
using ActorKafka.Controller;
using Akka.Actor;

namespace ActorKafka.Node.Hosting;

/// <summary>A zk-mode broker node: one ActorSystem with the broker at /user/broker and its controller at /user/controller.</summary>
public sealed record ZkNode(ActorSystem System, int BrokerId, IActorRef Broker, IActorRef Controller, IActorRef? ReplicaManager = null)
{
    /// <summary>Starts a member of the embedded cluster as a broker (id -1: generated from /brokers/seqid).</summary>
    public static async Task<ZkNode> StartAsync(EmbeddedCluster cluster, int brokerId, string? hocon = null, int? port = null,
        Action<ActorSystem>? beforeStart = null)
    {
        var settingsHocon = $"""
            actorkafka.broker.broker-id = {brokerId}
            actorkafka.broker.port = {port ?? 9092 + Math.Max(brokerId, 0)}
            actorkafka.coordination.client.store-address = "{cluster.StoreAddress}"
            """;
        // A broker with a configured id keeps its data dir across restarts: its partition logs are there.
        var system = await cluster.StartMemberAsync(NodeRoles.Broker, hocon is null ? settingsHocon : hocon + "\n" + settingsHocon,
            brokerId >= 0 ? $"broker-{brokerId}" : null);
        beforeStart?.Invoke(system);
        return Start(system);
    }

    /// <summary>Starts the broker and the controller on an existing node ActorSystem.</summary>
    public static ZkNode Start(ActorSystem system)
    {
        var brokerSettings = BrokerSettings.From(system.Settings.Config);
        var broker = system.ActorOf(KafkaBroker.Props(brokerSettings), Metadata.ActorNames.Broker);
        // A controller candidate claims /controller under its broker id, so a broker whose id is
        // generated at registration runs without one.
        var controller = brokerSettings.BrokerId < 0
            ? ActorRefs.Nobody
            : system.ActorOf(ZkController.Props(ControllerSettings.From(system.Settings.Config, brokerSettings.BrokerId)), Metadata.ActorNames.Controller);
        // A generated id is known only after registration; the replica manager learns it from BrokerRegistered then.
        var replicas = brokerSettings.BrokerId < 0 ? null : ReplicaManagerHosting.Start(system, brokerSettings.BrokerId, broker);
        return new ZkNode(system, brokerSettings.BrokerId, broker, controller, replicas);
    }
}
