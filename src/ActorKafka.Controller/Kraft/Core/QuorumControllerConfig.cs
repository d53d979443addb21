namespace ActorKafka.Controller.Kraft;

/// <summary>
/// What the quorum controller core takes from actorkafka.controller.kraft: Kafka's
/// broker.session.timeout.ms, unclean.leader.election.enable (cluster-wide here), the most
/// records one log entry may carry (a larger result spans consecutive entries), and Kafka's
/// zookeeper.metadata.migration.enable (actorkafka.controller.migration.enabled): whether migrating
/// zk brokers may register and a fresh quorum starts in pre-migration.
/// </summary>
public sealed record QuorumControllerConfig(long SessionTimeoutMs, bool UncleanLeaderElectionEnable, int MaxRecordsPerBatch = 5000,
    bool MigrationEnabled = false);
