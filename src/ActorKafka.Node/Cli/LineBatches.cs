using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;

namespace ActorKafka.Node.Cli;

/// <summary>
/// The lines of a reader in batches: each batch takes the lines already waiting, up to a count and
/// a size, so piped input goes out in large batches and a line typed at a terminal goes at once.
/// </summary>
internal static class LineBatches
{
    public static async IAsyncEnumerable<IReadOnlyList<string>> ReadAsync(TextReader input, int maxLines, int maxBytes,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        var lines = Channel.CreateBounded<string>(new BoundedChannelOptions(maxLines) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // Console.In reads synchronously even through ReadLineAsync: a task of its own keeps the batching side free.
        _ = Task.Run(async () =>
        {
            try
            {
                while (await input.ReadLineAsync(stop.Token).ConfigureAwait(false) is { } line)
                    await lines.Writer.WriteAsync(line, stop.Token).ConfigureAwait(false);
                lines.Writer.TryComplete();
            }
            catch (Exception e)
            {
                lines.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            while (await lines.Reader.WaitToReadAsync(cancel).ConfigureAwait(false))
            {
                var batch = new List<string>();
                var bytes = 0;
                while (batch.Count < maxLines && lines.Reader.TryPeek(out var line))
                {
                    var size = Encoding.UTF8.GetByteCount(line);
                    if (batch.Count > 0 && bytes + size > maxBytes) break;
                    lines.Reader.TryRead(out _);
                    batch.Add(line);
                    bytes += size;
                }
                yield return batch;
            }
        }
        finally
        {
            // Stops the reading task when the command ends early (a failed batch) and leaves the rest of the input unread.
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }
}
