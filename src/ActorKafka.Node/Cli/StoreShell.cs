using ActorKafka.Coordination;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>Runs shell lines against one coordination session and prints one answer per command.</summary>
internal sealed class StoreShell(CoordinationSession session, ShellOutput output)
{
    private bool _closed;

    /// <summary>Reads to the end of input, then closes the session (as 'close' does) so its ephemerals go.</summary>
    public async Task RunAsync(TextReader input)
    {
        using var stopPump = new CancellationTokenSource();
        var pump = output.PumpAsync(stopPump.Token);
        try
        {
            while (await input.ReadLineAsync().ConfigureAwait(false) is { } line) await ExecuteAsync(line).ConfigureAwait(false);
            if (!_closed) await CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            await stopPump.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
            output.DrainEvents();
        }
    }

    private async Task ExecuteAsync(string line)
    {
        switch (ShellParser.Parse(line))
        {
            case ShellRequest request:
                var response = await SendAsync(request.Request.Path, () => session.RequestAsync(request.Request)).ConfigureAwait(false);
                output.Reply(ShellFormat.Reply(request.Request, response, request.ShowStat));
                break;
            case ShellClose:
                output.Reply([Answer(await CloseAsync().ConfigureAwait(false))]);
                break;
            case ShellUsageError error:
                output.Reply([$"Error: {ZkErrorCode.BadArguments} {error.Message}"]);
                break;
        }
    }

    private async Task<ZkResponse> CloseAsync()
    {
        var response = await SendAsync(ZnodePath.Root, session.CloseAsync).ConfigureAwait(false);
        // An expired session is as closed as it will ever be; a lost connection may still be closed later.
        _closed = response is not ErrorResponse { Code: not ZkErrorCode.SessionExpired };
        return response;
    }

    private static string Answer(ZkResponse response) =>
        response is ErrorResponse error ? ShellFormat.Error(error) : ShellFormat.Ok;

    private static async Task<ZkResponse> SendAsync(string path, Func<Task<ZkResponse>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new ErrorResponse(ZkErrorCode.ConnectionLoss, path, "the coordination client did not answer in time");
        }
    }
}
