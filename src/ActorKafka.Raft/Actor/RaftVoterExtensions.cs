using Akka.Actor;

namespace ActorKafka.Raft;

public static class RaftVoterExtensions
{
    /// <summary>Starts this node's Raft replica (voter or observer) under /user with the settings in the system's config.</summary>
    public static IActorRef StartRaftVoter(this ActorSystem system, RaftSettings? settings = null)
    {
        settings ??= RaftSettings.From(system.Settings.Config);
        return system.ActorOf(RaftVoter.Props(settings), settings.ActorName);
    }
}
