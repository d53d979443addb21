namespace ActorKafka.Controller.Kraft;

/// <summary>A partition as the metadata records name it: by topic id, never by name (Kafka's TopicIdPartition).</summary>
internal readonly record struct TopicIdPartition(Guid TopicId, int PartitionId);
