using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorKafka.Coordination.Tests.Docs;

/// <summary>
/// docs/CONFIGURATION.md is generated from the reference.conf files and must match them; every
/// actorkafka.* key is documented; the generator's parser reads the files as Akka does.
/// </summary>
public sealed class ConfigurationReferenceTests
{
    private static readonly string Root = ConfigReference.RepositoryRoot();

    [Fact]
    public void The_configuration_reference_is_up_to_date()
    {
        var expected = ConfigReference.Render(ConfigReference.LoadAll(Root));
        var path = Path.Combine(Root, ConfigReference.OutputPath);
        if (Environment.GetEnvironmentVariable(ConfigReference.WriteVariable) == "1")
        {
            File.WriteAllText(path, expected);
            return;
        }
        var actual = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : "";
        if (actual == expected) return;
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var first = Enumerable.Range(0, Math.Max(expectedLines.Length, actualLines.Length))
            .First(i => i >= expectedLines.Length || i >= actualLines.Length || expectedLines[i] != actualLines[i]);
        Assert.Fail($"{ConfigReference.OutputPath} does not match the reference.conf files (first difference at line {first + 1}:\n" +
                    $"  file:      {(first < actualLines.Length ? actualLines[first] : "<end of file>")}\n" +
                    $"  generated: {(first < expectedLines.Length ? expectedLines[first] : "<end of file>")}).\n" +
                    $"Regenerate it with: {ConfigReference.RegenerateCommand}");
    }

    [Fact]
    public void Every_actorkafka_key_in_every_reference_conf_has_a_comment()
    {
        var files = ConfigReference.LoadAll(Root);
        Assert.Contains(files, f => f.Project == "ActorKafka.Coordination");
        Assert.Contains(files, f => f.Project == "ActorKafka.Node");
        var undocumented = files.SelectMany(ConfigReference.Undocumented).ToList();
        Assert.True(undocumented.Count == 0,
            "every actorkafka.* key needs a comment directly above it (or above the first key of its group):\n  " + string.Join("\n  ", undocumented));
    }

    [Fact]
    public void The_generator_reads_every_key_and_value_Akka_reads()
    {
        foreach (var file in ConfigReference.LoadAll(Root))
        {
            var akka = new Dictionary<string, HoconValue>();
            Flatten(ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(Root, file.RelativePath))).Root, "", akka);
            var ours = file.Root.Leaves().GroupBy(l => Join(l.Path)).ToDictionary(g => g.Key, g => g.Last().Value);

            Assert.Equal(akka.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
            foreach (var (path, value) in akka)
            {
                var raw = ours[path].Raw;
                // An empty array reads as no string in Akka's HOCON.
                if (raw.StartsWith('[')) Assert.True(value.IsArray() || value.GetString() is null, $"{file.RelativePath}: {path} = {raw}");
                else Assert.Equal(value.GetString(), raw.Length >= 2 && raw[0] == '"' ? raw[1..^1] : raw);
            }
        }
    }

    [Fact]
    public void Comments_document_the_key_below_them_and_the_keys_grouped_with_it()
    {
        var file = ConfigReference.Parse("P", "p.conf", """
            # The project.
            actorkafka.test {
              # One and two.
              one = 1
              two = "x # not a comment"

              three = [
                1, 2 // inside
              ]
              # Four.
              four = 4s
              five = 5 # Five.
              # Runs on its own thread.
              dispatcher {
                type = PinnedDispatcher
              }
              # Dropped: nothing under it.

              # Inner.
              inner {
                # Six.
                six = 6

                seven = 7
              }
            }
            """);
        Assert.Equal("The project.", file.Intro);
        var leaves = file.Root.Leaves().ToDictionary(l => string.Join('.', l.Path), l => l.Value);
        Assert.Equal(("1", "One and two."), (leaves["actorkafka.test.one"].Raw, leaves["actorkafka.test.one"].Doc));
        Assert.Equal(("\"x # not a comment\"", "One and two."), (leaves["actorkafka.test.two"].Raw, leaves["actorkafka.test.two"].Doc));
        Assert.Equal(leaves["actorkafka.test.one"].Group, leaves["actorkafka.test.two"].Group);
        Assert.Equal(("[ 1, 2 ]", null), (leaves["actorkafka.test.three"].Raw, leaves["actorkafka.test.three"].Doc));
        Assert.Equal("Four.", leaves["actorkafka.test.four"].Doc);
        Assert.Equal("Five.", leaves["actorkafka.test.five"].Doc);
        Assert.NotEqual(leaves["actorkafka.test.four"].Group, leaves["actorkafka.test.five"].Group);
        Assert.Equal("Six.", leaves["actorkafka.test.inner.six"].Doc);
        Assert.Null(leaves["actorkafka.test.inner.seven"].Doc);
        Assert.Equal(["p.conf:7 actorkafka.test.three", "p.conf:24 actorkafka.test.inner.seven"], ConfigReference.Undocumented(file));

        var md = ConfigReference.Render([file]);
        Assert.Contains("| `one`<br>`two` | `1`<br>`\"x # not a comment\"` | One and two. |", md);
        Assert.Contains("| `dispatcher` | `{ type = PinnedDispatcher }` | Runs on its own thread. |", md);
        Assert.Contains("### `actorkafka.test.inner`\n\nInner.\n", md);
        Assert.DoesNotContain("Dropped", md);
    }

    [Fact]
    public void What_the_parser_does_not_understand_is_refused_with_its_line()
    {
        var error = Assert.Throws<FormatException>(() => ConfigReference.Parse("P", "p.conf", "a {\n  b = { c = 1 }\n}\n"));
        Assert.StartsWith("p.conf:2:", error.Message);
        Assert.Throws<FormatException>(() => ConfigReference.Parse("P", "p.conf", "a {\n  b = 1\n"));
        Assert.Throws<FormatException>(() => ConfigReference.Parse("P", "p.conf", "include \"other.conf\"\n"));
    }

    private static string Join(IEnumerable<string> path) => string.Join("\u241f", path);

    private static void Flatten(HoconValue value, string prefix, Dictionary<string, HoconValue> into)
    {
        if (value.IsObject())
        {
            foreach (var (key, child) in value.GetObject().Items)
                Flatten(child, prefix.Length == 0 ? key : prefix + "\u241f" + key, into);
        }
        else into[prefix] = value;
    }
}
