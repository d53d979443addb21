namespace ActorKafka.Metadata;

/// <summary>Kafka's topic name rules (org.apache.kafka.common.internals.Topic), checked before a topic is created.</summary>
public static class TopicName
{
    /// <summary>
    /// 249, not 255: a partition's log directory is named "topic-partition" and file systems
    /// allow 255 characters, so room is left for the dash and the partition number.
    /// </summary>
    public const int MaxNameLength = 249;

    /// <summary>Kafka's message for an illegal topic name, or null when the name is legal.</summary>
    public static string? Validate(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
            return "Topic name is illegal, it can't be empty";
        if (topic is "." or "..")
            return "Topic name cannot be \".\" or \"..\"";
        if (topic.Length > MaxNameLength)
            return $"Topic name is illegal, it can't be longer than {MaxNameLength} characters, Topic name: {topic}";
        if (!topic.All(IsLegalChar))
            return $"Topic name \"{topic}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
        return null;
    }

    /// <summary>
    /// Metric names replace '.' with '_', so a topic with either character can collide with
    /// another that differs only there; Kafka warns about (and refuses to create) such twins.
    /// </summary>
    public static bool HasCollisionChars(string topic) => topic.Contains('.') || topic.Contains('_');

    /// <summary>The form under which two topics collide: '.' replaced by '_'.</summary>
    public static string UnifyCollisionChars(string topic) => topic.Replace('.', '_');

    private static bool IsLegalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
