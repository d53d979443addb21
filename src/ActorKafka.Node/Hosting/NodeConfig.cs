using ActorKafka.Coordination;
using Akka.Configuration;

namespace ActorKafka.Node.Hosting;

/// <summary>Builds a node's HOCON: overrides from options, then the project defaults, then persistence.</summary>
public static class NodeConfig
{
    public static Config NodeDefaults { get; } = ConfigurationFactory.FromResource<NodeOptions>("ActorKafka.Node.reference.conf");

    public static Config FastFailureDetection { get; } =
        ConfigurationFactory.FromResource<NodeOptions>("ActorKafka.Node.fast-failure-detection.conf");

    /// <summary>hocon/fast-sessions.conf as text, for callers that layer HOCON strings (demo, cluster tests).</summary>
    public static string FastSessionsHocon { get; } = ReadResource("ActorKafka.Node.fast-sessions.conf");

    private static string ReadResource(string name)
    {
        using var stream = typeof(NodeOptions).Assembly.GetManifestResourceStream(name)
                           ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static Config Build(NodeOptions options)
    {
        var overrides = ConfigurationFactory.ParseString($"""
            actorkafka.node.data-dir = {Quote(options.DataDir)}
            actorkafka.node.roles = [{string.Join(", ", options.Roles.Select(Quote))}]
            akka.cluster.roles = [{string.Join(", ", options.Roles.Select(Quote))}]
            akka.cluster.seed-nodes = [{string.Join(", ", options.SeedNodes.Select(Quote))}]
            akka.remote.dot-netty.tcp.hostname = {Quote(options.Hostname)}
            akka.remote.dot-netty.tcp.port = {options.Port}
            akka.loglevel = {options.LogLevel}
            akka.stdout-loglevel = {options.LogLevel}
            {RemotingTls.Hocon(options.Tls)}
            """);
        var config = options.ExtraHocon is null ? overrides : ConfigurationFactory.ParseString(options.ExtraHocon).WithFallback(overrides);
        if (options.FastFailureDetection) config = config.WithFallback(FastFailureDetection);
        // Every project's reference.conf, so each protocol travels with its own binary serializer.
        config = config.WithFallback(NodeDefaults).WithFallback(StorePersistence.CoordinationDefaults)
            .WithFallback(Metadata.Serialization.MetadataConfig.Defaults).WithFallback(Raft.RaftSettings.Defaults)
            .WithFallback(Broker.BrokerSettings.Defaults).WithFallback(Controller.ControllerSettings.Defaults);
        return options.HasRole(NodeRoles.Store) ? config.WithFallback(StorePersistence.Sqlite(options.DataDir)) : config;
    }

    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

public static class NodeRoles
{
    public const string Store = "store";
    public const string Controller = "controller";
    public const string Broker = "broker";
}
