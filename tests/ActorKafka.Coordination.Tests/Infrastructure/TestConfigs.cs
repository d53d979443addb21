using Akka.Configuration;

namespace ActorKafka.Coordination.Tests.Infrastructure;

public static class TestConfigs
{
    /// <summary>Store timing short enough that expiry tests take well under a second or two.</summary>
    public const string FastStore = """
        actorkafka.coordination.store.tick-time = 50ms
        actorkafka.coordination.store.min-session-timeout = 300ms
        actorkafka.coordination.store.max-session-timeout = 30s
        actorkafka.coordination.client.session-timeout = 10s
        actorkafka.coordination.client.request-timeout = 5s
        actorkafka.coordination.client.reconnect-interval = 50ms
        akka.loglevel = WARNING
        """;

    /// <summary>A single local ActorSystem hosting the store on a SQLite file in dataDir.</summary>
    public static Config LocalStore(string dataDir, string? extra = null)
    {
        var config = ConfigurationFactory.ParseString(FastStore)
            .WithFallback(StorePersistence.Sqlite(dataDir))
            .WithFallback(StorePersistence.CoordinationDefaults);
        return extra is null ? config : ConfigurationFactory.ParseString(extra).WithFallback(config);
    }
}
