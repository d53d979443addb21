using ActorKafka.Metadata.Records;

namespace ActorKafka.Metadata.Image;

/// <summary>
/// Folds what a Raft replica delivers (committed batches of encoded records, and snapshots) into
/// the metadata image (Kafka's MetadataLoader). Controllers and brokers use the same one, so they
/// all hold the same image at the same offset. A record that cannot be decoded or replayed is
/// skipped and reported, never thrown: every replica skips the same ones.
/// </summary>
public sealed class MetadataLoader
{
    public MetadataImage Image { get; private set; } = MetadataImage.Empty;

    /// <summary>The offset just past the last applied batch: where this replica's image stands.</summary>
    public long NextOffset => Image.Offset + 1;

    /// <summary>
    /// Applies one committed batch (a Raft LeaderChange entry carries Raft's own payload) and returns
    /// the records it held, so a replica can react to the ones that concern it without diffing images.
    /// </summary>
    public LoadedBatch ApplyBatch(long offset, int epoch, bool isLeaderChange, IReadOnlyList<byte[]> records)
    {
        if (offset <= Image.Offset) return LoadedBatch.AlreadyApplied;
        var problems = new List<string>();
        var decoded = new List<MetadataRecord>(records.Count);
        foreach (var bytes in records)
        {
            if (isLeaderChange)
            {
                if (RecordCodec.TryDecodeRaftLeaderChange(bytes, out var leaderChange)) decoded.Add(leaderChange);
                else problems.Add($"offset {offset}: malformed LeaderChange payload of {bytes.Length} bytes");
            }
            else if (RecordCodec.TryDecode(bytes, out var record, out var error)) decoded.Add(record);
            else problems.Add($"offset {offset}: undecodable record: {error}");
        }
        // An entry whose records were all skipped still moves the image to its offset.
        if (decoded.Count == 0) decoded.Add(new NoOpRecord());
        var result = MetadataReplay.Apply(Image, new MetadataBatch(offset, epoch, decoded));
        Image = result.Image;
        foreach (var error in result.Errors) problems.Add(error.ToString());
        return new LoadedBatch(decoded, problems);
    }

    /// <summary>Replaces the image by a snapshot's; on a corrupt snapshot the image stays as it was and the error is returned.</summary>
    public string? LoadSnapshot(byte[] data)
    {
        if (!ImageSnapshot.TryRead(data, out var image, out var error)) return error;
        Image = image!;
        return null;
    }

    /// <summary>Starts over from an image already held (a controller resigning hands back its committed image).</summary>
    public void Reset(MetadataImage image) => Image = image;
}

/// <summary>The records of one applied batch, and every record skipped with why.</summary>
public sealed record LoadedBatch(IReadOnlyList<MetadataRecord> Records, IReadOnlyList<string> Problems)
{
    public static readonly LoadedBatch AlreadyApplied = new([], []);
}
