namespace ActorKafka.Benchmarks.Charts;

/// <summary>
/// Maps a data range onto a pixel range, linearly or by decades, and says where its ticks go.
/// Built from the data alone, so the axes follow whatever the benchmark measured.
/// </summary>
internal sealed record AxisScale(double Min, double Max, bool Log, IReadOnlyList<double> Ticks)
{
    public double Map(double value, double from, double to)
    {
        var t = Log
            ? (Math.Log10(value) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min))
            : (value - Min) / (Max - Min);
        return from + t * (to - from);
    }

    /// <summary>From zero up to a round number above max, in 1-2-5 steps (about <paramref name="ticks"/> of them).</summary>
    public static AxisScale LinearFromZero(double max, int ticks = 5)
    {
        var step = NiceStep((max > 0 ? max : 1) / ticks);
        var top = Math.Ceiling(max / step) * step;
        if (top <= 0) top = step;
        var count = (int)Math.Round(top / step);
        return new AxisScale(0, top, Log: false, Enumerable.Range(0, count + 1).Select(i => i * step).ToArray());
    }

    /// <summary>
    /// Decades around [min, max], padded by a quarter decade so points at an exact power of ten sit
    /// inside the plot; ticks at every power of ten in between.
    /// </summary>
    public static AxisScale Decades(double min, double max)
    {
        if (min <= 0) throw new ArgumentOutOfRangeException(nameof(min), min, "a log axis needs positive values");
        var (low, high) = (min / Math.Pow(10, 0.25), max * Math.Pow(10, 0.25));
        var first = (int)Math.Ceiling(Math.Log10(low));
        var last = (int)Math.Floor(Math.Log10(high));
        return new AxisScale(low, high, Log: true, Enumerable.Range(first, Math.Max(0, last - first + 1)).Select(e => Math.Pow(10, e)).ToArray());
    }

    /// <summary>Decades when the values span at least one, else linear from zero: three sizes a decade apart would otherwise crowd into one corner.</summary>
    public static AxisScale For(IReadOnlyCollection<double> values)
    {
        var (min, max) = (values.Min(), values.Max());
        return min > 0 && max / min >= 10 ? Decades(min, max) : LinearFromZero(max * 1.05);
    }

    /// <summary>The smallest of 1, 2 or 5 times a power of ten that is at least <paramref name="rough"/>.</summary>
    public static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }
}
