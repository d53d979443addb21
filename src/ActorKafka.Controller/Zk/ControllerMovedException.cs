namespace ActorKafka.Controller;

/// <summary>A write's check on /controller_epoch failed: another controller was elected since ours.</summary>
public sealed class ControllerMovedException(string message) : Exception(message);
