using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace ActorKafka.Node.Demo;

/// <summary>
/// The demo's output: "[+  123 ms] message" lines, or with --json one object per line for the
/// structured events only. Writers on several threads (the observer and the scenario) never
/// interleave mid-line, and nothing is written after the summary.
/// </summary>
internal sealed class Timeline(TextWriter output, bool json)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private bool _finished;

    /// <summary>A readable step; not part of the JSON stream.</summary>
    public void Note(string text)
    {
        if (!json) Write(() => Stamp(text));
    }

    /// <summary>A structured event: its fields in JSON mode, its text otherwise.</summary>
    public void Event(string name, string text, params (string Key, JsonNode? Value)[] fields) =>
        Write(() => json ? Json(name, fields) : Stamp(text));

    /// <summary>The last output: the summary object, or the text lines (a table) after the timeline.</summary>
    public void Finish(IReadOnlyList<string> textLines, params (string Key, JsonNode? Value)[] summary)
    {
        lock (_gate)
        {
            if (_finished) return;
            if (json) output.WriteLine(Json("summary", summary));
            else foreach (var line in textLines) output.WriteLine(line);
            output.Flush();
            _finished = true;
        }
    }

    private void Write(Func<string> line)
    {
        lock (_gate)
        {
            if (_finished) return;
            output.WriteLine(line());
            output.Flush();
        }
    }

    private string Stamp(string text) =>
        string.Create(CultureInfo.InvariantCulture, $"[+{_clock.ElapsedMilliseconds,5} ms] {text}");

    private string Json(string name, (string Key, JsonNode? Value)[] fields)
    {
        var obj = new JsonObject { ["t_ms"] = _clock.ElapsedMilliseconds, ["event"] = name };
        foreach (var (key, value) in fields) obj[key] = value;
        return obj.ToJsonString();
    }
}
