using System.Threading.Channels;
using ActorKafka.Coordination;

namespace ActorKafka.Node.Cli;

/// <summary>
/// The shell's stdout, shared by replies and fired watches. Every write drains the session's
/// event channel first: the client puts an event there before it completes any later reply, so
/// a watch that fired before a reply is always printed before that reply's lines.
/// </summary>
internal sealed class ShellOutput(TextWriter stdout, TextWriter stderr, ChannelReader<object> events)
{
    private readonly object _gate = new();
    private bool _connectedOnce;

    public void Reply(IEnumerable<string> lines)
    {
        lock (_gate)
        {
            DrainLocked();
            foreach (var line in lines) stdout.WriteLine(line);
            stdout.Flush();
        }
    }

    public void DrainEvents()
    {
        lock (_gate) DrainLocked();
    }

    /// <summary>Prints events that arrive while the shell waits for input, until cancelled or the channel completes.</summary>
    public async Task PumpAsync(CancellationToken cancel)
    {
        try
        {
            while (await events.WaitToReadAsync(cancel).ConfigureAwait(false)) DrainEvents();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The shell is ending; it drains whatever is left itself.
        }
    }

    private void DrainLocked()
    {
        var wrote = false;
        while (events.TryRead(out var e))
        {
            switch (e)
            {
                case WatchedEvent watched:
                    stdout.WriteLine(ShellFormat.Watcher(watched));
                    wrote = true;
                    break;
                case SessionStateChanged { State: SessionState.SyncConnected } when !_connectedOnce:
                    _connectedOnce = true;
                    break;
                case SessionStateChanged { State: not SessionState.Closed } state:
                    // Connection trouble is worth telling, but stdout is reserved for answers.
                    stderr.WriteLine($"session {ShellFormat.Hex(state.SessionId)}: {state.State}");
                    break;
            }
        }
        if (wrote) stdout.Flush();
    }
}
