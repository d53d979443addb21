using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata;

// The migration API of a KRaft controller quorum in migration mode (KIP-866), served by the
// migration driver beside every quorum controller (/user/migration-driver). A standby's driver
// answers NotController naming the active controller when it knows it, as the controller does.

/// <summary>Where the migration stands: answered with <see cref="MigrationDescription"/>.</summary>
public sealed record DescribeMigrationRequest(long CorrelationId) : IQuorumControllerRequest;

/// <summary>One registered broker and the mode it runs in ("zk" for a migrating zk-mode broker, else "kraft").</summary>
public sealed record MigrationBrokerView(int BrokerId, string Mode, bool Fenced);

/// <summary>
/// State is the persisted phase (the log's ZkMigrationStateRecord); DriverState the active
/// driver's step (Kafka's MigrationDriverState names); MigratedOffset the log offset the store is
/// in step with (/migration's kraft_metadata_offset, -1 before the copy); ZkControllerEpoch the
/// /controller_epoch the KRaft controller claimed (-1 before it did).
/// </summary>
public sealed record MigrationDescription(
    long CorrelationId,
    ControlError Error,
    int ControllerId,
    int ControllerEpoch,
    ZkMigrationState State,
    string DriverState,
    long MigratedOffset,
    int ZkControllerEpoch,
    MigrationBrokerView[] Brokers,
    string Message = "") : IQuorumControllerResponse;

/// <summary>
/// Ends the migration: the active controller commits ZkMigrationStateRecord(PostMigration) and
/// stops writing to the store. Refused (InvalidRequest, with the reason) unless the state is
/// Migration and every registered broker runs in KRaft mode.
/// </summary>
public sealed record FinalizeMigrationRequest(long CorrelationId) : IQuorumControllerRequest;

public sealed record FinalizeMigrationResponse(long CorrelationId, ControlError Error, int ControllerId, int ControllerEpoch, long Offset,
    string Message = "") : IQuorumControllerResponse;
