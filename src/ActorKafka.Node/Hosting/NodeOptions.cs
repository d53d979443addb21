namespace ActorKafka.Node.Hosting;

/// <summary>What distinguishes one node from another when it starts.</summary>
public sealed record NodeOptions(
    string DataDir,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> SeedNodes,
    string Hostname = "127.0.0.1",
    int Port = 0,
    bool FastFailureDetection = false,
    string LogLevel = "WARNING",
    string? ExtraHocon = null,
    RemotingTls? Tls = null)
{
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.OrdinalIgnoreCase);
}
