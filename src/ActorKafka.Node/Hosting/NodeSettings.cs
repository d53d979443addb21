using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// One node's resolved identity and the full HOCON its ActorSystem starts with. NodeId is -1
/// when none was given (a store-only node needs none); Tls is null when remoting is plain TCP.
/// </summary>
public sealed record NodeSettings(
    int NodeId,
    IReadOnlyList<string> Roles,
    IReadOnlyList<Address> SeedNodes,
    string DataDir,
    string Hostname,
    int Port,
    string StoreAddress,
    string? ConfigFile,
    Config Config,
    RemotingTls? Tls = null)
{
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    public string SystemName => Config.GetString("actorkafka.node.system-name");
}

/// <summary>
/// A node setting with the flag and the environment variable that override its HOCON key. A
/// setting without a flag is a secret: a command line is visible to every user of the machine.
/// </summary>
public sealed record NodeSetting(string Key, string? Flag, string EnvironmentVariable)
{
    /// <summary>--config is not a HOCON key: it names the file the keys are read from.</summary>
    public static readonly NodeSetting Config = new("", "--config", "ACTORKAFKA_CONFIG");
    public static readonly NodeSetting NodeId = new("actorkafka.node.node-id", "--node-id", "ACTORKAFKA_NODE_ID");
    public static readonly NodeSetting Roles = new("actorkafka.node.roles", "--roles", "ACTORKAFKA_ROLES");
    public static readonly NodeSetting SeedNodes = new("actorkafka.node.seed-nodes", "--seed-nodes", "ACTORKAFKA_SEED_NODES");
    public static readonly NodeSetting DataDir = new("actorkafka.node.data-dir", "--data-dir", "ACTORKAFKA_DATA_DIR");
    public static readonly NodeSetting Hostname = new("actorkafka.node.hostname", "--hostname", "ACTORKAFKA_HOSTNAME");
    public static readonly NodeSetting Port = new("actorkafka.node.port", "--port", "ACTORKAFKA_PORT");
    public static readonly NodeSetting Store = new("actorkafka.coordination.client.store-address", "--store", "ACTORKAFKA_STORE");
    public static readonly NodeSetting BrokerHost = new("actorkafka.broker.host", "--broker-host", "ACTORKAFKA_BROKER_HOST");
    public static readonly NodeSetting TlsEnabled = new("actorkafka.node.tls.enabled", "--tls-enabled", "ACTORKAFKA_TLS_ENABLED");
    public static readonly NodeSetting TlsCertificate = new("actorkafka.node.tls.certificate-path", "--tls-certificate", "ACTORKAFKA_TLS_CERTIFICATE");
    public static readonly NodeSetting TlsCertificatePassword = new("actorkafka.node.tls.certificate-password", null, "ACTORKAFKA_TLS_CERTIFICATE_PASSWORD");
    public static readonly NodeSetting TlsSuppressValidation =
        new("actorkafka.node.tls.suppress-validation", "--tls-suppress-validation", "ACTORKAFKA_TLS_SUPPRESS_VALIDATION");

    public static IReadOnlyList<NodeSetting> All { get; } =
        [Config, NodeId, Roles, SeedNodes, DataDir, Hostname, Port, Store, BrokerHost, TlsEnabled, TlsCertificate, TlsCertificatePassword, TlsSuppressValidation];
}
