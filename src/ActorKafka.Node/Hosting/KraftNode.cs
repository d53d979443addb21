using ActorKafka.Broker.Kraft;
using ActorKafka.Controller.Kraft;
using ActorKafka.Controller.Migration;
using ActorKafka.Raft;
using Akka.Actor;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// A KRaft-mode node: its Raft replica (a voter when its id is among actorkafka.raft.voters, else
/// an observer), the quorum controller beside a voter, and the broker beside an observer. A
/// controller with actorkafka.controller.migration.enabled also runs the migration driver.
/// </summary>
public sealed record KraftNode(ActorSystem System, int NodeId, IActorRef Raft, IActorRef? Controller, IActorRef? Broker, IActorRef? ReplicaManager = null,
    IActorRef? MigrationDriver = null)
{
    public bool IsController => Controller is not null;

    /// <summary>Starts the roles on a system whose config names the node id and the voters.</summary>
    public static KraftNode Start(ActorSystem system, RaftSettings? raftSettings = null)
    {
        var raft = raftSettings ?? RaftSettings.From(system.Settings.Config);
        var replica = system.StartRaftVoter(raft);
        if (raft.IsVoter)
        {
            var controller = system.ActorOf(QuorumController.Props(QuorumControllerSettings.From(system.Settings.Config, raft.NodeId), replica),
                Metadata.ActorNames.QuorumController);
            var migration = MigrationDriverSettings.From(system.Settings.Config, raft.NodeId);
            var driver = migration.Enabled ? system.ActorOf(ActorKafka.Controller.Migration.MigrationDriver.Props(migration, controller), Metadata.ActorNames.MigrationDriver) : null;
            return new KraftNode(system, raft.NodeId, replica, controller, null, MigrationDriver: driver);
        }
        var broker = system.ActorOf(KraftBroker.Props(KraftBrokerSettings.From(system.Settings.Config), replica), Metadata.ActorNames.Broker);
        var replicas = ReplicaManagerHosting.Start(system, raft.NodeId, broker);
        return new KraftNode(system, raft.NodeId, replica, null, broker, replicas);
    }
}
