namespace ActorKafka.Node.Cli;

/// <summary>
/// Puts frames on stdout. On a terminal each frame redraws the screen in place; otherwise (or with
/// --plain) frames follow one another, each under its header line, so a log keeps them all. Each
/// frame is flushed whole, so a reader never sees half of one.
/// </summary>
internal sealed class WatchScreen(TextWriter stdout, bool redraw)
{
    // Home, then each line clears what the previous frame left to its right, then everything below goes:
    // no blank screen between frames, so no flicker.
    private const string Home = "\u001b[H";
    private const string ClearToLineEnd = "\u001b[K";
    private const string ClearBelow = "\u001b[J";

    private bool _first = true;

    public async Task ShowAsync(IReadOnlyList<string> lines)
    {
        if (redraw)
        {
            await stdout.WriteAsync(Home).ConfigureAwait(false);
            foreach (var line in lines) await stdout.WriteLineAsync(line + ClearToLineEnd).ConfigureAwait(false);
            await stdout.WriteAsync(ClearBelow).ConfigureAwait(false);
        }
        else
        {
            if (!_first) await stdout.WriteLineAsync().ConfigureAwait(false);
            foreach (var line in lines) await stdout.WriteLineAsync(line).ConfigureAwait(false);
        }
        _first = false;
        await stdout.FlushAsync().ConfigureAwait(false);
    }
}
