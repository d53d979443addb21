namespace ActorKafka.Controller.Kraft;

/// <summary>
/// Kafka's BrokerControlState, as the active controller sees a broker between heartbeats:
/// FENCED -> UNFENCED once caught up; UNFENCED -> CONTROLLED_SHUTDOWN while it still leads
/// partitions; -> SHUTDOWN_NOW (fenced) once it may stop.
/// </summary>
internal enum BrokerControlState
{
    Fenced,
    Unfenced,
    ControlledShutdown,
    ShutdownNow,
}
