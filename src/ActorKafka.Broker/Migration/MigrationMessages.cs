using Akka.Actor;

namespace ActorKafka.Broker.Migration;

// Between a zk-mode broker in a migration (KafkaBroker) and its MigratingBrokerLifecycle child,
// which holds its registration with the controller quorum. Local messages: they never leave the node.

/// <summary>
/// To the parent whenever the quorum registration changes: the quorum's epoch for this broker
/// (-1 while unregistered), the controller that answers as active (-1 while unknown), and whether
/// the quorum has this broker fenced.
/// </summary>
public sealed record QuorumRegistrationChanged(int BrokerId, long BrokerEpoch, int ControllerId, bool Fenced)
{
    public bool Registered => BrokerEpoch >= 0;
}

/// <summary>To the child: send this leader's ISR proposal to the active controller as AlterPartition, for <see cref="ReplyTo"/>.</summary>
public sealed record AlterIsrThroughQuorum(ProposeIsrChange Proposal, IActorRef ReplyTo);

/// <summary>
/// To the parent: the controller's answer to <see cref="Proposal"/> (on success the committed
/// state, else the error and the state as the controller has it), still to be applied and told to <see cref="ReplyTo"/>.
/// </summary>
public sealed record AlterIsrAnswered(ProposeIsrChange Proposal, IActorRef ReplyTo, IsrChangeResult Result);

/// <summary>
/// To the child: the controller is no longer a KRaft controller (a rollback to zk mode): answer every
/// proposal not answered yet with NotController, so its leader proposes it again the zk way.
/// </summary>
public sealed record AbandonAlterIsr
{
    public static readonly AbandonAlterIsr Instance = new();
}
