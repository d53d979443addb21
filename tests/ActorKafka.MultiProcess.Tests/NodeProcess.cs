using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorKafka.MultiProcess.Tests;

/// <summary>The POSIX signals the nemesis sends to node processes.</summary>
public enum NodeSignal
{
    Kill = 9,
    Term = 15,
    Stop = 19,
    Cont = 18,
}

/// <summary>
/// One `actorkafka node` as an operating-system process: started from a config file, its stdout
/// and stderr kept in a log file and in memory, signalled like a real one. A line matching a
/// waiter completes it as it arrives (no polling of the output).
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly List<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = new();

    private NodeProcess(int nodeId, Process process, StreamWriter log, string logPath)
    {
        NodeId = nodeId;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public int NodeId { get; }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public Task Exited { get; private set; } = Task.CompletedTask;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return _lines.ToArray();
        }
    }

    /// <summary>
    /// Starts `dotnet actorkafka.dll node --config FILE` (the node host beside this test assembly),
    /// inside <paramref name="netns"/> when one is given. The log file is appended to, so every
    /// incarnation of the node is in one file.
    /// </summary>
    public static NodeProcess Start(int nodeId, string configFile, string logPath, string? netns = null)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "actorkafka.dll");
        if (!File.Exists(host)) throw new FileNotFoundException($"the node host {host} is not beside the tests; build the solution first", host);
        var dotnet = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo
        {
            FileName = netns is null ? dotnet : "ip",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // `ip netns exec` execs the command in the namespace (no fork), so the pid signalled is the node's.
        if (netns is not null)
            foreach (var arg in new[] { "netns", "exec", netns, dotnet }) start.ArgumentList.Add(arg);
        foreach (var arg in new[] { host, "node", "--config", configFile }) start.ArgumentList.Add(arg);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        log.WriteLine($"--- node {nodeId} started {DateTime.UtcNow:HH:mm:ss.fff} ---");
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(nodeId, process, log, logPath);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data is null ? null : "stderr: " + e.Data);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        node.Exited = exited.Task;
        return node;
    }

    /// <summary>How many lines the process printed so far: a mark to wait for lines after.</summary>
    public int LineCount
    {
        get
        {
            lock (_lines) return _lines.Count;
        }
    }

    /// <summary>Completes with the first line (from line <paramref name="fromLine"/> on, printed or to come) that matches, or fails after the bound, or when the process exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan bound, string what, int fromLine = 0)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Skip(fromLine).FirstOrDefault(match) is { } seen) return seen;
            _waiters.Add((match, done));
        }
        Task? first = null;
        try
        {
            first = await Task.WhenAny(done.Task, Exited).WaitAsync(bound);
        }
        catch (TimeoutException)
        {
        }
        lock (_lines) _waiters.RemoveAll(w => w.Done == done);
        if (first == done.Task) return await done.Task;
        var tail = string.Join("\n    ", Lines.TakeLast(15));
        throw new TimeoutException(first == Exited
            ? $"node {NodeId} exited (code {_process.ExitCode}) before {what}; its last lines:\n    {tail}"
            : $"node {NodeId}: no {what} within {bound.TotalSeconds:0} s; its last lines:\n    {tail}");
    }

    public void Signal(NodeSignal signal)
    {
        if (HasExited) return;
        if (Kill(_process.Id, (int)signal) != 0 && !HasExited)
            throw new InvalidOperationException($"kill -{signal} {_process.Id} (node {NodeId}) failed: errno {Marshal.GetLastPInvokeError()}");
        _log.WriteLine($"--- {DateTime.UtcNow:HH:mm:ss.fff} SIG{signal.ToString().ToUpperInvariant()} ---");
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        List<TaskCompletionSource<string>> ready;
        lock (_lines)
        {
            _lines.Add(line);
            _log.WriteLine(line);
            ready = _waiters.Where(w => w.Match(line)).Select(w => w.Done).ToList();
            _waiters.RemoveAll(w => ready.Contains(w.Done));
        }
        foreach (var done in ready) done.TrySetResult(line);
    }

    public void Dispose()
    {
        if (!HasExited)
        {
            Signal(NodeSignal.Kill);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        lock (_lines) _log.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
