using System.Runtime.InteropServices;

namespace ActorKafka.Node.Cli;

/// <summary>
/// Turns SIGTERM, Ctrl-C and process exit into a cancellation token, so the node can stop
/// gracefully instead of being ended by the runtime's default handling.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    // Set once the command has returned; never disposed because a process-exit handler may still be waiting on it.
    private readonly ManualResetEventSlim _finished = new();
    private readonly PosixSignalRegistration _sigterm;
    private readonly PosixSignalRegistration _sigint;

    public ShutdownSignals()
    {
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Request);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Request);
        Console.CancelKeyPress += OnCancelKeyPress;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public CancellationToken Token => _shutdown.Token;

    private void Request(PosixSignalContext context)
    {
        // Cancelling the default keeps the process alive until the graceful shutdown has run and Main returns.
        context.Cancel = true;
        Cancel();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        Cancel();
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // The runtime ends the process when this handler returns: hold it until the graceful stop is done.
        Cancel();
        _finished.Wait();
    }

    private void Cancel()
    {
        try
        {
            _shutdown.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal after Main has finished: there is nothing left to stop.
        }
    }

    public void Dispose()
    {
        _finished.Set();
        Console.CancelKeyPress -= OnCancelKeyPress;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _sigterm.Dispose();
        _sigint.Dispose();
        _shutdown.Dispose();
    }
}
