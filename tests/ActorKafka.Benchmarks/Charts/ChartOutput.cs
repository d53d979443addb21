using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace ActorKafka.Benchmarks.Charts;

/// <summary>
/// Where charts go (--charts DIR, else docs/charts of the repository the benchmark was built
/// from) and the check every chart passes before it is written: a chart that would not display
/// fails the benchmark command instead of leaving a broken or stale file in docs/.
/// </summary>
public static class ChartOutput
{
    private const string SvgNamespace = "http://www.w3.org/2000/svg";

    /// <summary>Resolved and created before any run, so a bad path fails in the first second rather than after the measurements.</summary>
    public static string PrepareDirectory(string? option)
    {
        var directory = option is not null ? Path.GetFullPath(option) : Path.Combine(RepositoryRoot(), "docs", "charts");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static string Write(string directory, BenchmarkChart chart)
    {
        Validate(chart.FileName, chart.Svg);
        var path = Path.Combine(directory, chart.FileName);
        File.WriteAllText(path, chart.Svg, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    /// <summary>Well-formed XML whose root is an SVG element with a size: what a browser or GitHub needs to show it.</summary>
    public static void Validate(string name, string svg)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(svg);
        }
        catch (XmlException e)
        {
            throw new InvalidOperationException($"chart {name} is not well-formed XML: {e.Message}", e);
        }
        var root = document.Root!;
        if (root.Name != XName.Get("svg", SvgNamespace))
            throw new InvalidOperationException($"chart {name}: the root element is {root.Name}, not an SVG <svg>");
        foreach (var attribute in new[] { "width", "height", "viewBox" })
        {
            if (string.IsNullOrWhiteSpace((string?)root.Attribute(attribute)))
                throw new InvalidOperationException($"chart {name}: <svg> has no {attribute}");
        }
        if (svg.Contains("NaN", StringComparison.Ordinal) || svg.Contains("Infinity", StringComparison.Ordinal))
            throw new InvalidOperationException($"chart {name}: a coordinate or label is NaN or infinite");
    }

    /// <summary>The benchmark binary's repository first: with --project pointing at another worktree, that is the one whose code ran.</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "ActorKafka.sln"))) return directory.FullName;
            }
        }
        throw new InvalidOperationException("no ActorKafka.sln above the benchmark binary or the current directory: pass --charts DIR");
    }
}
