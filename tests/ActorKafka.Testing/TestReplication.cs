namespace ActorKafka.Testing;

/// <summary>Replication settings the cluster-level tests run under.</summary>
public static class TestReplication
{
    /// <summary>min.insync.replicas 2 with acks=all, clean elections only; followers out of touch leave the ISR after 2 s; fetch retries are quick.</summary>
    public const string Safe = """
        actorkafka.broker.replication.min-insync-replicas = 2
        actorkafka.broker.replication.replica-lag-time-max = 2s
        actorkafka.broker.replication.replica-fetch-backoff = 200ms
        actorkafka.broker.replication.replica-fetch-response-timeout = 3s
        actorkafka.controller.unclean-leader-election-enable = false
        """;

    /// <summary>The 2013 trade-off: a lone leader acknowledges acks=all writes, and a stale replica may be elected.</summary>
    public const string Unclean = """
        actorkafka.broker.replication.min-insync-replicas = 1
        actorkafka.broker.replication.replica-lag-time-max = 2s
        actorkafka.broker.replication.replica-fetch-backoff = 200ms
        actorkafka.broker.replication.replica-fetch-response-timeout = 3s
        actorkafka.controller.unclean-leader-election-enable = true
        """;
}
