namespace ActorKafka.Metadata;

/// <summary>The outcome of a leader election: the new leader (or none) and the ISR to write with it.</summary>
public sealed record ElectionResult(int? Leader, IReadOnlyList<int> Isr, bool Unclean = false);
