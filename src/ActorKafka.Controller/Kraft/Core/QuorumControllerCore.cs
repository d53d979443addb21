using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// The pure core of Kafka's QuorumController: turns controller requests into metadata records
/// against the controller's in-memory image, the way QuorumController, ClusterControlManager,
/// ReplicationControlManager and BrokerHeartbeatManager do. No I/O and no clock: the shell
/// passes the time, appends every returned batch as one Raft entry, and answers at commit.
/// <para>
/// The image is the committed image plus every batch this core returned since: each returned
/// batch is applied at once, at offsets <c>Image.Offset + 1, + 2, ...</c> and the core's epoch,
/// so the next request sees its effect before it commits, as Kafka's controller does.
/// </para>
/// </summary>
public sealed partial class QuorumControllerCore
{
    private readonly int _nodeId;
    private readonly QuorumControllerConfig _config;
    private readonly Func<Guid> _newTopicId;
    private readonly Random _random;
    private readonly BrokerHeartbeatManager _heartbeats;
    private readonly LeadershipIndex _leadership = new();
    private readonly TopicCollisions _collisions = new();

    /// <param name="random">Draws the replica assignment's start index and shift, as Kafka does; pass a seeded one for repeatable runs.</param>
    public QuorumControllerCore(int nodeId, QuorumControllerConfig config, Func<Guid> newTopicId, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(newTopicId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(config.SessionTimeoutMs, nameof(config.SessionTimeoutMs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(config.MaxRecordsPerBatch, nameof(config.MaxRecordsPerBatch));
        _nodeId = nodeId;
        _config = config;
        _newTopicId = newTopicId;
        _random = random ?? new Random();
        _heartbeats = new BrokerHeartbeatManager(config.SessionTimeoutMs);
    }

    /// <summary>The committed image plus every batch this core generated that is not yet known to be committed.</summary>
    public MetadataImage Image { get; private set; } = MetadataImage.Empty;

    public bool IsActive { get; private set; }

    /// <summary>The Raft epoch this core is (or was last) active in; its batches carry it. -1 before the first activation.</summary>
    public int Epoch { get; private set; } = -1;

    /// <summary>
    /// Becomes the active controller of <paramref name="epoch"/> from the committed image, which must
    /// hold every entry of the log so far (the shell activates once this epoch's LeaderChange has
    /// committed), so that the core's first batch lands at <c>committed.Offset + 1</c>. The new
    /// controller has never heard a heartbeat: every unfenced broker gets a fresh session, as in
    /// Kafka, rather than being fenced for the time the failover took.
    /// </summary>
    public void Activate(MetadataImage committed, int epoch, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(committed);
        if (epoch < committed.Epoch)
            throw new ArgumentOutOfRangeException(nameof(epoch), $"epoch {epoch} is below the committed image's epoch {committed.Epoch}");
        Image = committed;
        Epoch = epoch;
        IsActive = true;
        _heartbeats.Clear();
        foreach (var broker in committed.Cluster.Brokers.Values)
        {
            // A fenced broker gets its session from its next heartbeat, as in Kafka: a fresh session
            // for a dead one would refuse its own restart as a duplicate for a whole session timeout.
            if (broker.Fenced) continue;
            _heartbeats.Register(broker.Id, broker.Epoch, nowMs);
            // Its moves are committed, so once every active broker has caught up to here it may stop.
            if (broker is { Fenced: false, InControlledShutdown: true }) _heartbeats.ControlledShutdownMoved(broker.Id, broker.Epoch, committed.Offset);
        }
        _leadership.Rebuild(committed);
        _collisions.Rebuild(committed);
    }

    /// <summary>Resigns: whatever was not committed is forgotten, with the sessions only an active controller keeps.</summary>
    public void Deactivate(MetadataImage committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        Image = committed;
        IsActive = false;
        _heartbeats.Clear();
        _leadership.Clear();
        _collisions.Clear();
    }

    private RecordBatcher NewBatcher() => new(Image.Offset + 1, _config.MaxRecordsPerBatch);

    /// <summary>Applies the records to the image at the offsets the shell will append them at, and returns them with the response.</summary>
    private ControllerResult<T> Result<T>(RecordBatcher records, T response)
    {
        var batches = records.Batches();
        if (batches.Count == 0) return ControllerResult<T>.WithoutRecords(response);
        Apply(batches);
        return new ControllerResult<T>(batches, response);
    }

    /// <summary>One delta for the whole result: the cost is per change, not per image.</summary>
    private void Apply(IReadOnlyList<IReadOnlyList<MetadataRecord>> batches)
    {
        var delta = new MetadataDelta(Image);
        var offset = Image.Offset;
        foreach (var batch in batches)
        {
            offset++;
            foreach (var record in batch)
            {
                // Replay checks what the core already checked; a rejection is a bug here, and committing
                // records every replica would skip must not happen.
                if (delta.Replay(record, offset, Epoch) is { } error)
                    throw new InvalidOperationException($"the quorum controller produced a record its own image rejects: {error}");
            }
        }
        Advance(delta.Image(), batches);
    }

    /// <summary>Moves to the image the batches replay to, keeping the indexes over it current.</summary>
    private void Advance(MetadataImage after, IReadOnlyList<IReadOnlyList<MetadataRecord>> batches)
    {
        var before = Image;
        Image = after;
        _leadership.Update(before, after, batches);
    }

    /// <summary>Brokers that may lead or join an ISR: registered, unfenced and not shutting down (Kafka's isActive).</summary>
    private HashSet<int> ActiveBrokers()
    {
        var ids = new HashSet<int>();
        foreach (var broker in Image.Cluster.Brokers.Values)
        {
            if (!broker.Fenced && !broker.InControlledShutdown) ids.Add(broker.Id);
        }
        return ids;
    }
}
