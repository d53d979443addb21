using System.Globalization;

namespace ActorKafka.Benchmarks.Charts;

/// <summary>Colours, marker shapes and number labels shared by every chart, so series look alike across charts.</summary>
internal static class ChartStyle
{
    // Colour-blind-safe (Okabe-Ito) and paired with a distinct marker, so series stay apart in grey too.
    private static readonly string[] Colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];
    private static readonly MarkerShape[] Shapes = [MarkerShape.Circle, MarkerShape.Square, MarkerShape.Triangle, MarkerShape.Diamond];

    public const string Axis = "#444";
    public const string Grid = "#e3e3e3";
    public const string Muted = "#666";

    public static string Color(int series) => Colors[series % Colors.Length];

    public static MarkerShape Shape(int series) => Shapes[series % Shapes.Length];

    /// <summary>Thousands separated from 100 up, as the benchmark reports print them; fewer digits than that would be noise here.</summary>
    public static string Number(double v) =>
        v.ToString(Math.Abs(v) >= 100 ? "N0" : Math.Abs(v) >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture);
}
