namespace ActorKafka.Node.Cli;

/// <summary>
/// Follows the frames: what each one changed. Contents are compared with the last snapshot that
/// was read, so what changed while the cluster was unreachable shows when it answers again.
/// </summary>
public sealed class WatchHistory
{
    private WatchObservation? _previous;

    public WatchSnapshot? LastReached { get; private set; }

    public IReadOnlyList<string> Next(WatchObservation observation)
    {
        var previous = _previous;
        _previous = observation;
        switch (observation)
        {
            case WatchUnreachable:
                return previous is WatchUnreachable ? [] : ["cluster unreachable"];
            case WatchSnapshot snapshot:
                var baseline = LastReached;
                LastReached = snapshot;
                IReadOnlyList<string> changes = baseline is null ? [] : WatchDiff.Between(baseline, snapshot);
                return previous is WatchUnreachable ? ["cluster reachable again", .. changes] : changes;
            default:
                throw new InvalidOperationException("unknown observation kind");
        }
    }
}
