using ActorKafka.Coordination;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>A command's session with the store: an embedded store on a data dir, or a client of a running one.</summary>
internal sealed class StoreConnection : IAsyncDisposable
{
    private readonly ShellHost _host;

    private StoreConnection(ShellHost host, CoordinationSession session)
    {
        _host = host;
        Session = session;
    }

    public CoordinationSession Session { get; }

    /// <summary>Connects, or tells stderr why not (naming what to check) and returns null.</summary>
    public static async Task<StoreConnection?> OpenAsync(StoreTarget target, string command, TextWriter stderr)
    {
        ShellHost host;
        try
        {
            host = target.DataDir is { } dataDir ? await ShellHost.EmbeddedAsync(dataDir).ConfigureAwait(false) : ShellHost.Remote(target.Store!);
        }
        catch (Exception e)
        {
            var what = target.DataDir is null ? $"a client for the store at {target.Store}" : $"the embedded store on {target.DataDir}";
            await stderr.WriteLineAsync($"actorkafka {command}: could not start {what}: {e.Message}").ConfigureAwait(false);
            return null;
        }

        try
        {
            return new StoreConnection(host, await CoordinationSession.OpenAsync(host.System, host.Settings).ConfigureAwait(false));
        }
        catch (AskTimeoutException)
        {
            await stderr.WriteLineAsync($"actorkafka {command}: no coordination store answered at {host.Settings.StorePath}; " +
                                        "check the address and that a node with role 'store' runs there").ConfigureAwait(false);
            await host.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the session first ends it now rather than one session timeout after this process goes.
        try
        {
            await Session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }
}
