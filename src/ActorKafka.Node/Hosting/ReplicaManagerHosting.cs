using ActorKafka.Broker.Replication;
using Akka.Actor;

namespace ActorKafka.Node.Hosting;

/// <summary>Starts a broker node's replica manager beside its broker, its logs under the node's data dir.</summary>
public static class ReplicaManagerHosting
{
    public static IActorRef Start(ActorSystem system, int brokerId, IActorRef broker)
    {
        var config = system.Settings.Config;
        var dataDir = config.GetString("actorkafka.node.data-dir", "data");
        var settings = ReplicaManagerSettings.From(config, brokerId, dataDir);
        return system.ActorOf(ReplicaManager.Props(settings, broker), Metadata.ActorNames.ReplicaManager);
    }
}
