using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Controller.Migration;

/// <summary>Kafka's MigrationDriverState, plus <see cref="Finalized"/>: PostMigration is committed and the store is no longer written.</summary>
public enum MigrationDriverState
{
    Uninitialized,
    Inactive,
    WaitForControllerQuorum,
    WaitForBrokers,
    BecomeController,
    ZkMigration,
    SyncKRaftToZk,
    KRaftControllerToBrokerComm,
    DualWrite,
    Finalized,
}

/// <summary>
/// What every store write of the driver is conditional on (Kafka's ZkMigrationLeadershipState):
/// the /controller_epoch version it claimed and /migration's version (-1: /migration does not exist yet).
/// </summary>
public sealed record ZkFence(int RaftEpoch, int ZkControllerEpoch, int EpochZkVersion, int MigrationZkVersion);

// Inputs of the core: what the driver learned (from the quorum controller, the store, a timer,
// an admin request) or how a command it asked for turned out.
public abstract record MigrationInput;

/// <summary>The committed image and this node's activity. LogState: the log's ZkMigrationState.</summary>
public sealed record MetadataPublished(MetadataImage Image, bool Active, int RaftEpoch, ZkMigrationState LogState) : MigrationInput;

/// <summary>The zk brokers registered under /brokers/ids, with their broker epochs (czxid).</summary>
public sealed record ZkBrokersLoaded(IReadOnlyDictionary<int, long> Brokers) : MigrationInput;

/// <summary>The child watch on /brokers/ids fired: a zk broker came or went.</summary>
public sealed record ZkBrokersChanged : MigrationInput
{
    public static readonly ZkBrokersChanged Instance = new();
}

/// <summary>/controller is ours with <see cref="ZkControllerEpoch"/>. Migration: /migration as read, null when absent.</summary>
public sealed record ZkControllerClaimResult(int ZkControllerEpoch, int EpochZkVersion, MigrationZNode? Migration, int MigrationZkVersion)
    : MigrationInput;

/// <summary>The zk metadata is committed at Offset and /migration says so. Base: the image the store now matches.</summary>
public sealed record ZkMetadataCopied(long Offset, MetadataImage Base, int MigrationZkVersion) : MigrationInput;

/// <summary>The store matches <see cref="Image"/> (after a sync or a dual write).</summary>
public sealed record ZkWritten(MetadataImage Image, int MigrationZkVersion) : MigrationInput;

/// <summary>The full metadata went to every zk broker.</summary>
public sealed record ZkBrokersInformed : MigrationInput
{
    public static readonly ZkBrokersInformed Instance = new();
}

/// <summary>A check on /controller_epoch or /migration failed: another controller wrote the store.</summary>
public sealed record ZkWriteFenced(string Reason) : MigrationInput;

/// <summary>A dual write found the store unlike the image it was based on (a znode created or removed underneath).</summary>
public sealed record ZkDiverged(string Reason) : MigrationInput;

/// <summary>A step failed without being fenced (store or quorum unreachable, a claim lost): retried after the backoff.</summary>
public sealed record MigrationStepFailed(string Reason) : MigrationInput;

public sealed record MigrationRetryDue : MigrationInput
{
    public static readonly MigrationRetryDue Instance = new();
}

/// <summary>The store session expired or closed under the driver: its ephemeral /controller is gone.</summary>
public sealed record ZkSessionLost(string Reason) : MigrationInput;

public sealed record FinalizeRequested(long CorrelationId) : MigrationInput;

public sealed record FinalizeCommitted(long CorrelationId, long Offset) : MigrationInput;

// Commands of the core, executed by the actor.
public abstract record MigrationCommand;

/// <summary>Open the session when needed, read /brokers/ids (watching it) and report <see cref="ZkBrokersLoaded"/>.</summary>
public sealed record LoadZkBrokers : MigrationCommand
{
    public static readonly LoadZkBrokers Instance = new();
}

/// <summary>Take /controller and bump /controller_epoch (Kafka's claimControllerLeadership); report the claim.</summary>
public sealed record ClaimZkController(int RaftEpoch) : MigrationCommand;

/// <summary>Read the zk metadata, append what the image lacks plus ZkMigrationStateRecord(Migration), record the offset in /migration.</summary>
public sealed record CopyZkMetadata(MetadataImage Image, ZkFence Fence) : MigrationCommand;

/// <summary>Make the store match the image.</summary>
public sealed record SyncKRaftMetadataToZk(MetadataImage Image, ZkFence Fence) : MigrationCommand;

/// <summary>Write the changes from Previous to Next to the store, then tell the zk brokers.</summary>
public sealed record DualWriteToZk(MetadataImage Previous, MetadataImage Next, ZkFence Fence) : MigrationCommand;

/// <summary>
/// UpdateMetadata with every partition to every zk broker, and LeaderAndIsr with its replicas
/// to each zk broker in <see cref="FullTo"/> (every zk broker when null).
/// </summary>
public sealed record SendMetadataToZkBrokers(MetadataImage Image, int ZkControllerEpoch, IReadOnlySet<int>? FullTo) : MigrationCommand;

public sealed record AppendPostMigration(long CorrelationId) : MigrationCommand;

public sealed record AnswerFinalize(long CorrelationId, ControlError Error, long Offset, string Message) : MigrationCommand;

/// <summary>Close the store session: the ephemeral /controller goes with it, for the next active driver to claim.</summary>
public sealed record CloseZkSession : MigrationCommand
{
    public static readonly CloseZkSession Instance = new();
}

public sealed record ScheduleMigrationRetry : MigrationCommand
{
    public static readonly ScheduleMigrationRetry Instance = new();
}
