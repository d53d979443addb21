namespace ActorKafka.Node.Demo;

/// <summary>Small wording helpers for the demos' readable lines.</summary>
internal static class DemoText
{
    /// <summary>"1 batch", "2 batches", "0 records".</summary>
    public static string Count(long count, string noun) =>
        count == 1 ? $"1 {noun}" : $"{count} {noun}{(noun.EndsWith("ch", StringComparison.Ordinal) || noun.EndsWith('s') ? "es" : "s")}";
}
