namespace ActorKafka.Controller.Kraft;

/// <summary>
/// What the quorum controller core takes from actorkafka.controller.kraft: Kafka's
/// broker.session.timeout.ms, unclean.leader.election.enable (cluster-wide here), and the most
/// records one log entry may carry (a larger result spans consecutive entries).
/// </summary>
public sealed record QuorumControllerConfig(long SessionTimeoutMs, bool UncleanLeaderElectionEnable, int MaxRecordsPerBatch = 5000);
