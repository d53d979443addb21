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
}
