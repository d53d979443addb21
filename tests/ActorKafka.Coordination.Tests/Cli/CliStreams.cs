using System.Threading.Channels;

namespace ActorKafka.Coordination.Tests.Cli;

/// <summary>Stdin fed line by line by the test; the end of input comes when the test says so.</summary>
public sealed class FedReader : TextReader
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public void Send(string line) => _lines.Writer.TryWrite(line);

    public void End() => _lines.Writer.TryComplete();

    public override async Task<string?> ReadLineAsync() =>
        await _lines.Reader.WaitToReadAsync() && _lines.Reader.TryRead(out var line) ? line : null;

    public override string? ReadLine() => ReadLineAsync().GetAwaiter().GetResult();
}

/// <summary>Stdout that lets a test await a line, so nothing waits by sleeping.</summary>
public sealed class AwaitableWriter : StringWriter
{
    private readonly object _gate = new();
    private readonly List<string> _lines = new();
    private readonly List<(string Line, TaskCompletionSource Seen)> _waiters = new();

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return _lines.ToArray();
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            base.WriteLine(value);
            _lines.Add(value ?? "");
            foreach (var waiter in _waiters.Where(w => w.Line == value).ToArray())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public Task WaitForLineAsync(string line, TimeSpan bound)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.Contains(line)) return Task.CompletedTask;
            _waiters.Add((line, seen));
        }
        return seen.Task.WaitAsync(bound);
    }
}
