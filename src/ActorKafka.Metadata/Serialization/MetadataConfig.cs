using Akka.Configuration;

namespace ActorKafka.Metadata.Serialization;

public static class MetadataConfig
{
    /// <summary>The embedded reference.conf: serializer bindings every node needs.</summary>
    public static Config Defaults { get; } = ConfigurationFactory.FromResource<ControlSerializer>("ActorKafka.Metadata.reference.conf");
}
