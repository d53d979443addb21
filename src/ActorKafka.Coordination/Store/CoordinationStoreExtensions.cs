using Akka.Actor;

namespace ActorKafka.Coordination;

public static class CoordinationStoreExtensions
{
    /// <summary>Starts the store under /user/{actor-name} with the settings in the system's config.</summary>
    public static IActorRef StartCoordinationStore(this ActorSystem system)
    {
        var settings = StoreSettings.From(system.Settings.Config);
        return system.ActorOf(CoordinationStore.Props(settings), settings.ActorName);
    }
}
