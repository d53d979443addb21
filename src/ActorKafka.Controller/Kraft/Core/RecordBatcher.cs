using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// Collects a request's records into log entries of at most MaxRecordsPerBatch records, in order.
/// It knows the offset each entry will land at, because a broker's epoch is the offset of the
/// entry holding its RegisterBroker record and that epoch goes into the record itself.
/// </summary>
internal sealed class RecordBatcher(long firstOffset, int maxRecordsPerBatch)
{
    private readonly List<IReadOnlyList<MetadataRecord>> _batches = [];
    private List<MetadataRecord> _current = [];

    /// <summary>The offset of the entry the next added record lands in.</summary>
    public long NextRecordOffset => firstOffset + _batches.Count + (_current.Count == maxRecordsPerBatch ? 1 : 0);

    public void Add(MetadataRecord record)
    {
        if (_current.Count == maxRecordsPerBatch)
        {
            _batches.Add(_current);
            _current = [];
        }
        _current.Add(record);
    }

    public IReadOnlyList<IReadOnlyList<MetadataRecord>> Batches()
    {
        if (_current.Count > 0)
        {
            _batches.Add(_current);
            _current = [];
        }
        return _batches;
    }
}
