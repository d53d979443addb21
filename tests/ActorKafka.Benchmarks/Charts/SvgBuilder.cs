using System.Globalization;
using System.Text;

namespace ActorKafka.Benchmarks.Charts;

/// <summary>
/// Accumulates SVG elements and renders the document as text. Coordinates are rounded to two
/// decimals and written with the invariant culture, so the same data gives the same bytes on any
/// machine and a re-run with equal numbers leaves a clean git diff.
/// </summary>
internal sealed class SvgBuilder(double width, double height)
{
    private readonly StringBuilder _body = new();

    public void Rect(double x, double y, double w, double h, string fill, string? stroke = null, string? title = null)
    {
        _body.Append($"""  <rect x="{N(x)}" y="{N(y)}" width="{N(w)}" height="{N(h)}" fill="{fill}" """);
        if (stroke is not null) _body.Append($"""stroke="{stroke}" """);
        // A title is the hover text browsers show, i.e. the exact count behind a bar.
        _body.Append(title is null ? "/>\n" : $"><title>{Escape(title)}</title></rect>\n");
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double strokeWidth = 1, string? dash = null)
    {
        _body.Append($"""  <line x1="{N(x1)}" y1="{N(y1)}" x2="{N(x2)}" y2="{N(y2)}" stroke="{stroke}" stroke-width="{N(strokeWidth)}" """);
        if (dash is not null) _body.Append($"""stroke-dasharray="{dash}" """);
        _body.Append("/>\n");
    }

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double strokeWidth)
    {
        var list = string.Join(" ", points.Select(p => $"{N(p.X)},{N(p.Y)}"));
        _body.Append($"""  <polyline points="{list}" fill="none" stroke="{stroke}" stroke-width="{N(strokeWidth)}" stroke-linejoin="round"/>""").Append('\n');
    }

    public void Marker(MarkerShape shape, double x, double y, double size, string fill, string stroke, string? title = null)
    {
        var r = size / 2;
        var element = shape switch
        {
            MarkerShape.Circle => $"""<circle cx="{N(x)}" cy="{N(y)}" r="{N(r)}" """,
            MarkerShape.Square => $"""<rect x="{N(x - r)}" y="{N(y - r)}" width="{N(size)}" height="{N(size)}" """,
            MarkerShape.Triangle => $"""<polygon points="{N(x)},{N(y - r)} {N(x + r)},{N(y + r)} {N(x - r)},{N(y + r)}" """,
            MarkerShape.Diamond => $"""<polygon points="{N(x)},{N(y - r)} {N(x + r)},{N(y)} {N(x)},{N(y + r)} {N(x - r)},{N(y)}" """,
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
        var tag = element[1..element.IndexOf(' ')];
        _body.Append("  ").Append(element).Append($"""fill="{fill}" stroke="{stroke}" stroke-width="1.5" """);
        _body.Append(title is null ? "/>\n" : $"><title>{Escape(title)}</title></{tag}>\n");
    }

    public void Text(double x, double y, string text, double size = 12, string anchor = "start", string fill = "#222",
        bool bold = false, double rotate = 0)
    {
        _body.Append($"""  <text x="{N(x)}" y="{N(y)}" font-size="{N(size)}" text-anchor="{anchor}" fill="{fill}" """);
        if (bold) _body.Append("""font-weight="bold" """);
        if (rotate != 0) _body.Append($"""transform="rotate({N(rotate)} {N(x)} {N(y)})" """);
        _body.Append($">{Escape(text)}</text>\n");
    }

    public string Render() =>
        $"""
        <svg xmlns="http://www.w3.org/2000/svg" width="{N(width)}" height="{N(height)}" viewBox="0 0 {N(width)} {N(height)}" font-family="Helvetica, Arial, sans-serif">
          <rect width="100%" height="100%" fill="#ffffff"/>

        """ + _body + "</svg>\n";

    /// <summary>Rough rendered width of a label, enough to lay out a legend without measuring fonts.</summary>
    public static double TextWidth(string text, double size) => text.Length * size * 0.58;

    /// <summary>Splits a note into lines that fit <paramref name="width"/>: SVG text does not wrap by itself, it runs off the edge.</summary>
    public static IReadOnlyList<string> Wrap(string text, double width, double size)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && TextWidth(candidate, size) > width)
            {
                lines.Add(line);
                line = word;
            }
            else
            {
                line = candidate;
            }
        }
        lines.Add(line);
        return lines;
    }

    private static string N(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}

internal enum MarkerShape { Circle, Square, Triangle, Diamond }
