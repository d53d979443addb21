namespace ActorKafka.Node.Cli;

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}

internal static class CliDefaults
{
    /// <summary>Commands' ActorSystems log errors only: a command's output is the point, cluster chatter is not.</summary>
    public const string LogLevel = "ERROR";

    /// <summary>How long a tool waits for each KRaft controller's answer (as actorkafka.broker.kraft.request-timeout for brokers).</summary>
    public static readonly TimeSpan ControllerRequestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most partitions `cluster describe` lists in KRaft mode: the answer is one remote message, and
    /// ten thousand rows stay well inside the transport's frame; the count of all is printed beside them.
    /// </summary>
    public const int DescribeMaxPartitions = 10_000;
}
