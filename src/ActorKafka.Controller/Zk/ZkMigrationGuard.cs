using ActorKafka.Metadata.Zk;

namespace ActorKafka.Controller;

/// <summary>
/// A zk-mode controller candidate's rule during a migration to KRaft (KIP-866): while /migration
/// exists, or while /controller is held by a KRaft controller (its kraftControllerEpoch is set),
/// the cluster belongs to the KRaft controllers and a zk controller must not claim /controller.
/// Rolling back to zk mode before the migration is finalized is the operator's: stop the KRaft
/// controllers and delete /migration (and /controller if still there); the zk candidates then elect
/// as usual and push the state the KRaft controller dual-wrote to the store.
/// </summary>
public static class ZkMigrationGuard
{
    /// <summary>
    /// Why a candidate must not claim /controller now, or null when it may.
    /// <paramref name="controllerData"/>: the data of /controller, null when there is none.
    /// </summary>
    public static string? WhyNotElect(bool migrationExists, byte[]? controllerData)
    {
        if (migrationExists) return $"{ZkPaths.Migration} exists: a migration to KRaft owns the cluster";
        if (controllerData is null) return null;
        // Unreadable data is not a KRaft controller's claim: the claim itself then fails on NodeExists, as for any holder.
        if (!ZkData.DecodeController(controllerData).TryGetValue(out var holder) || holder.KraftControllerEpoch == ControllerZNode.NoKraftControllerEpoch)
            return null;
        return $"{ZkPaths.Controller} is held by KRaft controller {holder.BrokerId} (KRaft epoch {holder.KraftControllerEpoch})";
    }
}

/// <summary>
/// This zk-mode controller candidate does not stand for election while a migration to KRaft owns
/// the cluster (published once per reason); it watches /migration and /controller and stands again
/// when they change.
/// </summary>
public sealed record ControllerElectionDeferred(int ControllerId, string Reason) : ControllerEvent(ControllerId);
