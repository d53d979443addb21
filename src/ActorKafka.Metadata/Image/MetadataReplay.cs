namespace ActorKafka.Metadata.Image;

/// <summary>
/// The one replay function: every controller and every broker folds the same committed records
/// through it and so holds the same image. An invalid record is skipped and reported, never thrown:
/// as in Kafka's metadata loader, the rest of the log still applies, and since the rule is
/// deterministic every replica skips the same records.
/// </summary>
public static class MetadataReplay
{
    public static ReplayResult Apply(MetadataImage image, Records.MetadataRecord record, long offset, int epoch)
    {
        var delta = new MetadataDelta(image);
        delta.Replay(record, offset, epoch);
        return delta.Result();
    }

    public static ReplayResult Apply(MetadataImage image, MetadataBatch batch) => Replay(image, [batch]);

    /// <summary>Folds batches in log order through one delta, so the cost is per change, not per image.</summary>
    public static ReplayResult Replay(MetadataImage image, IEnumerable<MetadataBatch> batches)
    {
        var delta = new MetadataDelta(image);
        foreach (var batch in batches)
        {
            foreach (var record in batch.Records) delta.Replay(record, batch.Offset, batch.Epoch);
        }
        return delta.Result();
    }
}
