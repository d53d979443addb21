using System.Globalization;
using System.Text;

namespace ActorKafka.Coordination.Tests.Docs;

/// <summary>One key = value line of a reference.conf, with the comment that documents it.</summary>
/// <param name="Key">The key as written, split at its dots (a quoted key is one segment).</param>
/// <param name="Raw">The value as written (quotes kept; a value over several lines joined by spaces).</param>
/// <param name="Doc">The comment directly above it, or above the first key of its group; null: none.</param>
/// <param name="Group">Keys on consecutive lines under one comment share a group (one row of the reference).</param>
public sealed record ConfValue(IReadOnlyList<string> Key, string Raw, string? Doc, int Group, int Line);

/// <summary>A <c>key { ... }</c> block of a reference.conf, with the comment directly above it.</summary>
public sealed class ConfBlock(IReadOnlyList<string> key, string? doc, int line)
{
    public IReadOnlyList<string> Key { get; } = key;
    public string? Doc { get; } = doc;
    public int Line { get; } = line;

    /// <summary><see cref="ConfValue"/>s and nested <see cref="ConfBlock"/>s in file order.</summary>
    public List<object> Children { get; } = [];

    /// <summary>Every value inside, at any depth, with its full path below this block.</summary>
    public IEnumerable<(IReadOnlyList<string> Path, ConfValue Value)> Leaves()
    {
        foreach (var child in Children)
        {
            switch (child)
            {
                case ConfValue v:
                    yield return (v.Key, v);
                    break;
                case ConfBlock b:
                    foreach (var (path, v) in b.Leaves()) yield return ([.. b.Key, .. path], v);
                    break;
            }
        }
    }

    /// <summary>
    /// A block documented as a whole: it has a comment and none of the keys inside it has one (an Akka
    /// dispatcher definition, say). The reference shows it as one row.
    /// </summary>
    public bool IsOpaque => Doc is not null && Leaves().All(l => l.Value.Doc is null);
}

/// <summary>A parsed reference.conf: the project it belongs to, the comment it opens with, its statements.</summary>
public sealed record ConfFile(string Project, string RelativePath, string? Intro, ConfBlock Root);

/// <summary>
/// Reads the src/*/reference.conf files with their comments (Akka's HOCON parser drops them) and
/// renders docs/CONFIGURATION.md. The conventions it relies on, which every reference.conf follows:
/// <list type="bullet">
/// <item>The comment lines opening the file describe the project.</item>
/// <item>The comment lines directly above a key document it. Keys on the lines right after it, with no
/// blank line or comment between, share that comment (e.g. <c>host</c> and <c>port</c>): they are one
/// row of the reference. A blank line ends a group.</item>
/// <item>The comment directly above a block introduces the block's table. A block that has a comment
/// and no commented key inside (e.g. an Akka dispatcher definition) is one row, documented by it.</item>
/// <item>akka.* is Akka's namespace: serializer registrations are summarised in one table per project,
/// any other akka.* setting is listed with its value and its comment if it has one.</item>
/// </list>
/// The parser understands the subset of HOCON the files use (blocks over several lines, <c>=</c> or
/// <c>:</c>, dotted and quoted keys, arrays over several lines, # and // comments) and refuses anything
/// else with the file and line, rather than guess.
/// </summary>
public static class ConfigReference
{
    public const string OutputPath = "docs/CONFIGURATION.md";
    public const string WriteVariable = "ACTORKAFKA_WRITE_DOCS";
    public const string RegenerateCommand = WriteVariable + "=1 dotnet test tests/ActorKafka.Coordination.Tests --filter ConfigurationReference";

    /// <summary>Projects in the order of the house (DESIGN.md): the bottom of the dependency arrows first.</summary>
    private static readonly string[] ProjectOrder =
    [
        "ActorKafka.Coordination", "ActorKafka.Raft", "ActorKafka.Metadata", "ActorKafka.Controller", "ActorKafka.Broker", "ActorKafka.Node",
    ];

    private static readonly string[] SerializerSections = ["serializers", "serialization-bindings", "serialization-identifiers"];

    /// <summary>Walks up from the test assembly to the directory holding ActorKafka.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ActorKafka.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no ActorKafka.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Every src/*/reference.conf, parsed, in the house order (projects not listed there last, by name).</summary>
    public static IReadOnlyList<ConfFile> LoadAll(string root)
    {
        var files = Directory.GetDirectories(Path.Combine(root, "src"))
            .Select(dir => Path.Combine(dir, "reference.conf"))
            .Where(File.Exists)
            .Select(path => (Project: Path.GetFileName(Path.GetDirectoryName(path)!), Path: path))
            .OrderBy(f => Array.IndexOf(ProjectOrder, f.Project) is var i and >= 0 ? i : ProjectOrder.Length)
            .ThenBy(f => f.Project, StringComparer.Ordinal);
        return files.Select(f => Parse(f.Project, $"src/{f.Project}/reference.conf", File.ReadAllText(f.Path))).ToList();
    }

    public static ConfFile Parse(string project, string relativePath, string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var root = new ConfBlock([], null, 0);
        var open = new Stack<ConfBlock>();
        open.Push(root);
        var pending = new List<string>();
        int group = 0, lastGroup = -1;
        string? lastDoc = null;
        var i = 0;

        // The comment lines the file opens with describe the project.
        var intro = new List<string>();
        while (i < lines.Length && SplitComment(lines[i], relativePath, i + 1) is { Code: "", Comment: { } c })
        {
            intro.Add(c);
            i++;
        }

        FormatException Refuse(int line, string why) => new($"{relativePath}:{line}: {why}");

        for (; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            var (code, comment) = SplitComment(lines[i], relativePath, lineNo);
            if (code.Length == 0)
            {
                if (comment is not null) pending.Add(comment);
                else
                {
                    // A blank line ends a group and drops a comment that documents nothing.
                    pending.Clear();
                    lastGroup = -1;
                }
                continue;
            }
            if (code == "}")
            {
                if (open.Count == 1) throw Refuse(lineNo, "'}' closes no block");
                open.Pop();
                pending.Clear();
                lastGroup = -1;
                continue;
            }

            var (key, rest) = ReadKey(code, () => Refuse(lineNo, $"cannot read a key in '{code}'"));
            string? value = null;
            if (rest == "{") { }
            else if (rest.StartsWith("+=", StringComparison.Ordinal)) throw Refuse(lineNo, "'+=' is not supported here");
            else if (rest.Length > 0 && rest[0] is '=' or ':')
            {
                value = rest[1..].Trim();
                if (value == "{") value = null;
                else if (value.Length == 0) throw Refuse(lineNo, $"'{string.Join('.', key)}' has no value");
                else if (value[0] == '{') throw Refuse(lineNo, "an object value on one line is not supported: open a block over several lines");
            }
            else throw Refuse(lineNo, $"expected '=', ':' or '{{' after '{string.Join('.', key)}'");

            var doc = pending.Count > 0 ? string.Join(" ", pending) : null;
            pending.Clear();
            if (value is null)
            {
                var block = new ConfBlock(key, doc, lineNo);
                open.Peek().Children.Add(block);
                open.Push(block);
                lastGroup = -1;
                continue;
            }

            // A value over several lines (an array, say): read on until its brackets close.
            var depth = Depth(value);
            var start = lineNo;
            while (depth > 0)
            {
                if (++i >= lines.Length) throw Refuse(start, $"'{string.Join('.', key)}' is never closed");
                var more = SplitComment(lines[i], relativePath, i + 1).Code;
                if (more.Length == 0) continue;
                value += " " + more;
                depth += Depth(more);
            }
            if (depth < 0) throw Refuse(start, $"unbalanced brackets in the value of '{string.Join('.', key)}'");
            if (comment is not null && start == lineNo) doc = doc is null ? comment : doc + " " + comment;

            int g;
            if (doc is null && lastGroup >= 0 && lastDoc is not null)
            {
                // The next key of a group: documented by the group's comment.
                g = lastGroup;
                doc = lastDoc;
            }
            else
            {
                g = group++;
                lastGroup = g;
                lastDoc = doc;
            }
            open.Peek().Children.Add(new ConfValue(key, value, doc, g, start));
        }
        if (open.Count != 1) throw new FormatException($"{relativePath}: the block opened at line {open.Peek().Line} is never closed");
        return new ConfFile(project, relativePath, intro.Count > 0 ? string.Join(" ", intro) : null, root);
    }

    /// <summary>A line's statement and its comment (# or //, outside quotes); both trimmed, the comment null when there is none.</summary>
    private static (string Code, string? Comment) SplitComment(string line, string file, int lineNo)
    {
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == '#' || (c == '/' && i + 1 < line.Length && line[i + 1] == '/'))
                return (line[..i].Trim(), line[(i + (c == '#' ? 1 : 2))..].Trim());
        }
        if (quoted) throw new FormatException($"{file}:{lineNo}: unterminated string");
        return (line.Trim(), null);
    }

    private static (IReadOnlyList<string> Key, string After) ReadKey(string code, Func<Exception> refuse)
    {
        if (code[0] == '"')
        {
            var end = code.IndexOf('"', 1);
            if (end < 0 || code.IndexOf('\\', 1, end - 1) >= 0) throw refuse();
            return ([code[1..end]], code[(end + 1)..].Trim());
        }
        var stop = code.IndexOfAny([' ', '\t', '=', ':', '{', '"']);
        var key = stop < 0 ? code : code[..stop];
        if (key.Length == 0 || stop >= 0 && code[stop] == '"') throw refuse();
        var segments = key.Split('.');
        if (segments.Any(s => s.Length == 0)) throw refuse();
        return (segments, stop < 0 ? "" : code[stop..].Trim());
    }

    /// <summary>Opened minus closed brackets and braces, outside quotes.</summary>
    private static int Depth(string text)
    {
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c is '[' or '{') depth++;
            else if (c is ']' or '}') depth--;
        }
        return depth;
    }

    /// <summary>Whether a full path is one of akka.actor's serializer registrations.</summary>
    public static bool IsSerializerRegistration(IReadOnlyList<string> path) =>
        path.Count >= 3 && path[0] == "akka" && path[1] == "actor" && SerializerSections.Contains(path[2]);

    /// <summary>
    /// actorkafka.* keys with no comment: neither their own, nor their group's, nor that of an opaque
    /// block around them. As "file:line path".
    /// </summary>
    public static IReadOnlyList<string> Undocumented(ConfFile file)
    {
        var missing = new List<string>();
        Walk(file.Root, [], covered: false);
        return missing;

        void Walk(ConfBlock block, IReadOnlyList<string> prefix, bool covered)
        {
            foreach (var child in block.Children)
            {
                switch (child)
                {
                    case ConfValue v when !covered && v.Doc is null && prefix.Concat(v.Key).FirstOrDefault() == "actorkafka":
                        missing.Add($"{file.RelativePath}:{v.Line} {string.Join('.', prefix.Concat(v.Key))}");
                        break;
                    case ConfBlock b:
                        Walk(b, [.. prefix, .. b.Key], covered || b.IsOpaque);
                        break;
                }
            }
        }
    }

    /// <summary>docs/CONFIGURATION.md's text, with \n line ends.</summary>
    public static string Render(IReadOnlyList<ConfFile> files)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');

        Line("# Configuration reference");
        Line();
        Line("<!-- Generated from src/*/reference.conf by tests/ActorKafka.Coordination.Tests/Docs/ConfigReference.cs. Do not edit by hand. -->");
        Line();
        Line("Every key ActorKafka reads, with its default and what it does, as each project's embedded");
        Line("`reference.conf` defines it. A node takes these defaults unless its `--config FILE`, its");
        Line("`ACTORKAFKA_*` variables or its command-line flags say otherwise; `hocon/` holds ready-made");
        Line("overrides (persistence, seed nodes, fast failure detection for one machine). Durations (`500ms`,");
        Line("`10s`) and sizes (`1MiB`) are HOCON's.");
        Line();
        Line("This file is generated from the `reference.conf` files: edit the comments there, then regenerate it with");
        Line();
        Line("```bash");
        Line(RegenerateCommand);
        Line("```");
        Line();
        Line("Without the variable, that test (`The_configuration_reference_is_up_to_date`) fails while this file");
        Line("and the `reference.conf` files disagree, and another fails for any `actorkafka.*` key without a comment.");
        Line();
        Line("How the files are read: the comment directly above a key documents it, and keys on the lines right");
        Line("after it, with no blank line or comment between, share it (they are one row here). The comment above");
        Line("a block introduces its table; a commented block whose keys carry no comments of their own (an Akka");
        Line("dispatcher) is one row. Under `akka.*`, Akka's own namespace, the serializer registrations are");
        Line("summarised in one table per project, and any other Akka setting a project changes is listed with its");
        Line("value (Akka.NET's documentation says what it does).");
        Line();
        foreach (var file in files) Line($"- [{file.Project}](#{Anchor(file.Project)})");

        foreach (var file in files)
        {
            Line();
            Line($"## {file.Project}");
            Line();
            var source = $"[`{file.RelativePath}`](../{file.RelativePath})";
            Line(file.Intro is null ? source : $"{source}: {Escape(file.Intro)}");

            var sections = new List<Section>();
            var akka = new List<Row>();
            var serializers = new List<(IReadOnlyList<string> Path, ConfValue Value)>();
            string? serializerNote = null;
            Collect(file.Root, []);

            foreach (var (path, intro, rows) in sections.Where(s => s.Rows.Count > 0 || s.Intro is not null))
            {
                Line();
                Line($"### `{path}`");
                Line();
                if (intro is not null)
                {
                    Line(Escape(intro));
                    if (rows.Count > 0) Line();
                }
                if (rows.Count > 0) Table(rows);
            }
            if (akka.Count > 0)
            {
                Line();
                Line("### Akka settings");
                Line();
                Line("Akka.NET's own keys, which its configuration reference documents; the notes are this file's comments.");
                Line();
                Table(akka, "Value", "Note");
            }
            if (serializers.Count > 0)
            {
                Line();
                Line("### Serializers");
                Line();
                if (serializerNote is not null)
                {
                    Line(Escape(serializerNote));
                    Line();
                }
                SerializerTable(serializers);
            }

            void Collect(ConfBlock block, IReadOnlyList<string> prefix)
            {
                var inAkka = prefix.Count > 0 && prefix[0] == "akka";
                var section = inAkka || prefix.Count == 0 ? null : SectionAt(string.Join('.', prefix), block.Doc);
                foreach (var child in block.Children)
                {
                    switch (child)
                    {
                        case ConfValue v:
                            var full = prefix.Concat(v.Key).ToArray();
                            if (IsSerializerRegistration(full)) serializers.Add((full, v));
                            else if (full[0] == "akka") AddRow(akka, string.Join('.', full), v.Raw, v.Doc, v.Group);
                            else if (section is null)
                                // A dotted key at the top of the file: its section is the key's parent path.
                                AddRow(SectionAt(string.Join('.', full[..^1]), null).Rows, full[^1], v.Raw, v.Doc, v.Group);
                            else AddRow(section.Rows, string.Join('.', v.Key), v.Raw, v.Doc, v.Group);
                            break;
                        case ConfBlock b:
                            var path = prefix.Concat(b.Key).ToArray();
                            if (path is ["akka", "actor"] && b.Doc is not null) serializerNote = b.Doc;
                            if (b.IsOpaque && path[0] != "akka" && section is not null)
                                AddRow(section.Rows, string.Join('.', b.Key), Inline(b), b.Doc, -1);
                            else Collect(b, path);
                            break;
                    }
                }
            }

            Section SectionAt(string path, string? intro)
            {
                if (sections.Find(s => s.Path == path) is { } existing) return existing;
                sections.Add(new Section(path, intro, []));
                return sections[^1];
            }
        }
        return md.ToString();

        void Table(List<Row> rows, string value = "Default", string doc = "What it does")
        {
            Line($"| Key | {value} | {doc} |");
            Line("| --- | --- | --- |");
            foreach (var row in rows)
                Line($"| {string.Join("<br>", row.Keys.Select(Code))} | {string.Join("<br>", row.Values.Select(Code))} | {Escape(row.Doc ?? "")} |");
        }

        void SerializerTable(List<(IReadOnlyList<string> Path, ConfValue Value)> entries)
        {
            string Unquoted(ConfValue v) => v.Raw.Length >= 2 && v.Raw[0] == '"' ? v.Raw[1..^1] : v.Raw;
            var classes = entries.Where(e => e.Path[2] == "serializers").ToDictionary(e => e.Path[3], e => Unquoted(e.Value));
            Line("| Serializer | Class | Serializes | Id |");
            Line("| --- | --- | --- | --- |");
            foreach (var (name, type) in classes)
            {
                var bound = entries.Where(e => e.Path[2] == "serialization-bindings" && Unquoted(e.Value) == name).Select(e => e.Path[3]);
                var id = entries.Where(e => e.Path[2] == "serialization-identifiers" && e.Path[3] == type).Select(e => e.Value.Raw).FirstOrDefault() ?? "";
                Line($"| {Code(name)} | {Code(type)} | {string.Join("<br>", bound.Select(Code))} | {id} |");
            }
        }
    }

    private sealed record Section(string Path, string? Intro, List<Row> Rows);

    private sealed record Row(List<string> Keys, List<string> Values, string? Doc, int Group);

    private static void AddRow(List<Row> rows, string key, string value, string? doc, int group)
    {
        if (group >= 0 && rows.Count > 0 && rows[^1].Group == group)
        {
            rows[^1].Keys.Add(key);
            rows[^1].Values.Add(value);
            return;
        }
        rows.Add(new Row([key], [value], doc, group));
    }

    /// <summary>An opaque block as one value: <c>{ type = PinnedDispatcher, executor = thread-pool-executor }</c>.</summary>
    private static string Inline(ConfBlock block) =>
        "{ " + string.Join(", ", block.Children.Select(c => c switch
        {
            ConfValue v => $"{string.Join('.', v.Key)} = {v.Raw}",
            ConfBlock b => $"{string.Join('.', b.Key)} {Inline(b)}",
            _ => throw new InvalidOperationException(),
        })) + " }";

    private static string Code(string text) => "`" + text.Replace("|", "\\|") + "`";

    /// <summary>Comment text as Markdown table text: no pipes or angle brackets taken for syntax.</summary>
    private static string Escape(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("|", "\\|");

    private static string Anchor(string heading) =>
        new(heading.ToLower(CultureInfo.InvariantCulture).Where(c => char.IsLetterOrDigit(c) || c is '-' or ' ').Select(c => c == ' ' ? '-' : c).ToArray());
}
