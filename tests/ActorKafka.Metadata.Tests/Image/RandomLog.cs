using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Tests.Image;

/// <summary>
/// Generates valid metadata logs from a seed: it keeps its own image and draws only records
/// that replay cleanly against it, so any error in a test is a replay bug, not a bad log.
/// </summary>
internal sealed class RandomLog(int seed)
{
    private readonly Random _random = new(seed);
    private MetadataImage _image = MetadataImage.Empty;
    private int _epoch = 1;
    private int _nextTopic;

    public List<MetadataBatch> Batches(int count)
    {
        var batches = new List<MetadataBatch>();
        for (var offset = 0L; offset < count; offset++)
        {
            if (_random.Next(20) == 0) _epoch++;
            var records = new List<MetadataRecord>();
            var size = 1 + _random.Next(4);
            var delta = new MetadataDelta(_image);
            for (var i = 0; i < size; i++)
            {
                var record = Next(delta.Image(), offset);
                var error = delta.Replay(record, offset, _epoch);
                if (error is not null) throw new InvalidOperationException($"seed {seed}: generated an invalid record: {error}");
                records.Add(record);
            }
            _image = delta.Image();
            batches.Add(new MetadataBatch(offset, _epoch, records));
        }
        return batches;
    }

    private MetadataRecord Next(MetadataImage image, long offset)
    {
        var brokers = image.Cluster.Brokers.Values.ToArray();
        var topics = image.Topics.TopicsById.Values.ToArray();
        var partitions = topics.SelectMany(t => t.Partitions.Select(p => (t.Id, p.Key, p.Value))).ToArray();
        switch (_random.Next(10))
        {
            case 0 when brokers.Length < 6:
            case 1 when brokers.Length == 0:
                var id = _random.Next(1, 7);
                var current = image.Cluster.Broker(id);
                return Records.Register(id, Math.Max(offset, (current?.Epoch ?? -1) + 1), fenced: _random.Next(2) == 0);
            case 1:
                var b = brokers[_random.Next(brokers.Length)];
                return _random.Next(4) switch
                {
                    0 => new FenceBrokerRecord(b.Id, b.Epoch),
                    1 => new UnfenceBrokerRecord(b.Id, b.Epoch),
                    2 => new BrokerRegistrationChangeRecord(b.Id, b.Epoch, _random.Next(3) == 0 ? null : _random.Next(2) == 0, _random.Next(2) == 0),
                    _ => new UnregisterBrokerRecord(b.Id, b.Epoch),
                };
            case 2 when topics.Length < 5:
                var n = _nextTopic++;
                return new TopicRecord($"topic-{n}", Records.TopicId(n));
            case 3 when topics.Length > 0 && _random.Next(4) == 0:
                return new RemoveTopicRecord(topics[_random.Next(topics.Length)].Id);
            case 4 or 5 when topics.Length > 0:
                var topic = topics[_random.Next(topics.Length)];
                var replicas = Shuffle(Enumerable.Range(1, 6).ToArray()).Take(1 + _random.Next(3)).ToArray();
                var isr = replicas.Take(1 + _random.Next(replicas.Length)).ToArray();
                return new PartitionRecord(topic.Partitions.Count, topic.Id, replicas, isr, isr[0], _random.Next(3), _random.Next(3));
            case 6 or 7 or 8 when partitions.Length > 0:
                var (topicId, partitionId, p) = partitions[_random.Next(partitions.Length)];
                var newIsr = Shuffle(p.Replicas.ToArray()).Take(1 + _random.Next(p.Replicas.Count)).ToArray();
                var leader = _random.Next(3) == 0 ? PartitionChangeRecord.NoLeader : newIsr[0];
                return PartitionChanges.Build(topicId, partitionId, p, leader, newIsr) ?? new PartitionChangeRecord(partitionId, topicId, Leader: p.Leader);
            default:
                return new NoOpRecord();
        }
    }

    private T[] Shuffle<T>(T[] items)
    {
        _random.Shuffle(items);
        return items;
    }
}
