using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// The answer to an append of migration records: on success the offset and Raft epoch of the one
/// batch that holds them (Offset -1 when refused), else the error and why.
/// </summary>
public sealed record MigrationAppendOutcome(ControlError Error, long Offset, int Epoch, string Reason = "");

// The KRaft side of a zk migration (KIP-866), after Kafka's QuorumController.MigrationRecordConsumer
// and ActivationRecordsGenerator: the driver's records go into the log through this core, so the
// core's predicted offsets and its indexes stay right.
public sealed partial class QuorumControllerCore
{
    /// <summary>
    /// Appends records the migration driver built (the zk metadata copy, the migration state changes)
    /// as ONE batch, so a failover commits all of them or none. They are checked by replaying them
    /// against the core's image first: a record every replica would skip is refused with the reason,
    /// and nothing is appended. Broker registrations and Raft's control records are refused: brokers
    /// register themselves (their sessions are this core's), and only Raft writes control records.
    /// The batch is as large as the driver makes it: splitting it would break its atomicity.
    /// </summary>
    public ControllerResult<MigrationAppendOutcome> AppendMigrationRecords(IReadOnlyList<MetadataRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        ControllerResult<MigrationAppendOutcome> Refuse(ControlError error, string reason) =>
            ControllerResult<MigrationAppendOutcome>.WithoutRecords(new MigrationAppendOutcome(error, -1, Epoch, reason));

        if (!IsActive) return Refuse(ControlError.NotController, "this controller is not active");
        if (!_config.MigrationEnabled) return Refuse(ControlError.InvalidRequest, "zk migration is not enabled on this controller");
        if (records.Count == 0) return Refuse(ControlError.InvalidRequest, "a migration batch needs at least one record");

        var batch = records.ToArray();
        var offset = Image.Offset + 1;
        var delta = new MetadataDelta(Image);
        for (var i = 0; i < batch.Length; i++)
        {
            var record = batch[i] ?? throw new ArgumentException($"record {i} is null", nameof(records));
            if (record.IsControl || record is RegisterBrokerRecord or UnregisterBrokerRecord or FenceBrokerRecord or UnfenceBrokerRecord
                or BrokerRegistrationChangeRecord)
                return Refuse(ControlError.InvalidRequest, $"record {i}: a migration batch may not hold a {record.GetType().Name}");
            if (delta.Replay(record, offset, Epoch) is { } error)
                return Refuse(ControlError.InvalidRequest, $"record {i} would be rejected: {error}");
        }

        IReadOnlyList<IReadOnlyList<MetadataRecord>> batches = [batch];
        Advance(delta.Image(), batches);
        // Migrated topics take part in the collision check like created ones; a rebuild also forgets removed ones.
        if (batch.Any(r => r is TopicRecord or RemoveTopicRecord)) _collisions.Rebuild(Image);
        return new ControllerResult<MigrationAppendOutcome>(batches, new MigrationAppendOutcome(ControlError.None, offset, Epoch));
    }

    /// <summary>
    /// What the active controller appends first after activating (Kafka's ActivationRecordsGenerator),
    /// answered with the migration state it leaves. With migration enabled, a fresh quorum (no
    /// migration state, no topics, no KRaft broker registered) starts in PreMigration, so no KRaft
    /// broker can join before the zk metadata is copied. A log that already holds a KRaft cluster is
    /// left alone: as in Kafka, a cluster created in KRaft mode is never migrated.
    /// </summary>
    public ControllerResult<ZkMigrationState> GenerateActivationRecords()
    {
        var state = Image.MigrationState;
        if (!IsActive || !_config.MigrationEnabled || state != ZkMigrationState.None || !IsFreshForMigration(Image))
            return ControllerResult<ZkMigrationState>.WithoutRecords(state);
        var records = NewBatcher();
        records.Add(new ZkMigrationStateRecord(ZkMigrationState.PreMigration));
        return Result(records, ZkMigrationState.PreMigration);
    }

    private static bool IsFreshForMigration(MetadataImage image) =>
        image.Topics.TopicsById.IsEmpty && image.Cluster.Brokers.Values.All(b => b.IsMigratingZkBroker);
}
