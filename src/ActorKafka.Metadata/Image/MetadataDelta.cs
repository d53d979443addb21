using System.Collections.Immutable;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>
/// Changes accumulated on top of an image (Kafka's MetadataDelta). Builders share the image's
/// trees, so a record costs O(log n) and <see cref="Image"/> copies nothing that did not change.
/// Every rule checks before it writes: a rejected record leaves the delta exactly as it was.
/// </summary>
public sealed partial class MetadataDelta(MetadataImage image)
{
    private readonly MetadataImage _base = image;
    private long _offset = image.Offset;
    private int _epoch = image.Epoch;
    private LeaderAndEpoch? _leader = image.Leader;
    private ZkMigrationState _migrationState = image.MigrationState;
    private ImmutableSortedDictionary<int, BrokerRegistration>.Builder? _brokers;
    private ImmutableDictionary<Guid, TopicImage>.Builder? _topicsById;
    private ImmutableDictionary<string, TopicImage>.Builder? _topicsByName;
    private readonly Dictionary<Guid, ImmutableSortedDictionary<int, PartitionRegistration>.Builder> _partitions = new();
    private readonly ImmutableArray<ReplayError>.Builder _errors = ImmutableArray.CreateBuilder<ReplayError>();

    /// <summary>Applies one record at its log position; returns the error when it was rejected.</summary>
    public ReplayError? Replay(MetadataRecord record, long offset, int epoch)
    {
        var error = offset < _offset || epoch < _epoch
            ? Error(ReplayErrorCode.OutOfOrder, $"at offset {offset} epoch {epoch}, but the image is at offset {_offset} epoch {_epoch}")
            : record switch
            {
                RegisterBrokerRecord r => Replay(r),
                UnregisterBrokerRecord r => Replay(r),
                FenceBrokerRecord r => ChangeBroker(r.Id, r.Epoch, b => b with { Fenced = true }),
                UnfenceBrokerRecord r => ChangeBroker(r.Id, r.Epoch, b => b with { Fenced = false }),
                BrokerRegistrationChangeRecord r => ChangeBroker(r.BrokerId, r.BrokerEpoch,
                    b => b with { Fenced = r.Fenced ?? b.Fenced, InControlledShutdown = b.InControlledShutdown || r.InControlledShutdown }),
                TopicRecord r => Replay(r),
                PartitionRecord r => Replay(r),
                PartitionChangeRecord r => Replay(r),
                RemoveTopicRecord r => Replay(r),
                NoOpRecord => null,
                ZkMigrationStateRecord r => Replay(r),
                LeaderChangeRecord r => SetLeader(new LeaderAndEpoch(r.LeaderId, epoch)),
                _ => Error(ReplayErrorCode.UnsupportedRecord, $"no replay rule for {record.GetType().Name}"),
            };
        if (error is not null)
        {
            var located = error with { Offset = offset, Record = record };
            _errors.Add(located);
            return located;
        }
        _offset = offset;
        _epoch = epoch;
        return null;
    }

    /// <summary>The image with every accepted change. The delta stays usable and keeps accumulating.</summary>
    public MetadataImage Image()
    {
        var cluster = _brokers is null ? _base.Cluster : new ClusterImage(_brokers.ToImmutable());
        var topics = _base.Topics;
        if (_topicsById is not null && _topicsByName is not null)
        {
            foreach (var (id, partitions) in _partitions)
            {
                var topic = _topicsById[id];
                var updated = topic with { Partitions = partitions.ToImmutable() };
                _topicsById[id] = updated;
                _topicsByName[topic.Name] = updated;
            }
            topics = new TopicsImage(_topicsById.ToImmutable(), _topicsByName.ToImmutable());
        }
        return new MetadataImage(_offset, _epoch, _leader, cluster, topics) { MigrationState = _migrationState };
    }

    public ReplayResult Result() => new(Image(), _errors.ToImmutable());

    /// <summary>
    /// KIP-866's one way: None -> PreMigration -> Migration -> PostMigration. Repeating the current
    /// state changes nothing and is accepted, so a controller that rewrites it after a failover is harmless.
    /// </summary>
    private ReplayError? Replay(ZkMigrationStateRecord r)
    {
        var legal = r.State == _migrationState || (_migrationState, r.State) is
            (ZkMigrationState.None, ZkMigrationState.PreMigration)
            or (ZkMigrationState.PreMigration, ZkMigrationState.Migration)
            or (ZkMigrationState.Migration, ZkMigrationState.PostMigration);
        if (!legal)
            return Error(ReplayErrorCode.IllegalMigrationTransition, $"the migration state cannot go from {_migrationState} to {r.State}");
        _migrationState = r.State;
        return null;
    }

    private ReplayError? SetLeader(LeaderAndEpoch leader)
    {
        _leader = leader;
        return null;
    }

    // Offset and record are filled in by Replay, which knows them.
    private static ReplayError Error(ReplayErrorCode code, string message) => new(code, -1, new NoOpRecord(), message);
}
