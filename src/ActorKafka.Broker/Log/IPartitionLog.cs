using ActorKafka.Broker.Replication;

namespace ActorKafka.Broker.Log;

/// <summary>
/// One partition replica's log: whole record batches at consecutive offsets, a durable prefix,
/// the leader-epoch cache and the high-watermark checkpoint. Single-threaded: the replica's actor
/// owns it. Appends are buffered; <see cref="Flush"/> makes everything appended so far durable
/// (one fsync), so a shell groups many appends per flush. Truncations are durable when they return.
/// </summary>
public interface IPartitionLog : IDisposable
{
    /// <summary>The first offset the log holds (or would hold, when empty).</summary>
    long LogStartOffset { get; }

    /// <summary>The offset the next appended batch gets (LEO); everything below it was appended.</summary>
    long LogEndOffset { get; }

    /// <summary>Everything below this offset survives a crash (the LEO as of the last flush or truncation).</summary>
    long DurableEndOffset { get; }

    /// <summary>The largest batch frame one append takes (a segment's size); a bigger batch is Kafka's RecordListTooLarge.</summary>
    long MaxAppendBytes { get; }

    /// <summary>Kafka's leader-epoch-checkpoint, kept in step with the log: appends assign new epochs, truncations drop them.</summary>
    LeaderEpochCache EpochCache { get; }

    /// <summary>
    /// The replica's high watermark as last handed to the log; written to the checkpoint at the
    /// next flush. After opening: the checkpointed value, clamped to the recovered log.
    /// A checkpoint may lag the truth (a lower high watermark is always safe), never lead it.
    /// </summary>
    long HighWatermark { get; set; }

    /// <summary>
    /// Appends a batch whose base offset is <see cref="LogEndOffset"/> (buffered: durable after
    /// the next <see cref="Flush"/>). A batch of a leader epoch newer than the cache's latest
    /// assigns that epoch at its base offset. Throws on a gap, an empty batch, an epoch older than
    /// the cache's latest, or a frame above <see cref="MaxAppendBytes"/>: callers validate first.
    /// </summary>
    void Append(RecordBatch batch);

    /// <summary>Makes every append durable, then checkpoints the high watermark.</summary>
    void Flush();

    /// <summary>
    /// Whole batches from the one holding <paramref name="fromOffset"/> on, each ending at or
    /// below <paramref name="upToOffset"/> (exclusive bound on offsets), adding batches while the
    /// total stays within <paramref name="maxBytes"/>; the first batch is returned even when it
    /// alone is larger, as Kafka does, so a consumer always makes progress.
    /// Throws <see cref="CorruptLogException"/> when a batch read from disk fails its checksum.
    /// </summary>
    IReadOnlyList<RecordBatch> Read(long fromOffset, int maxBytes, long upToOffset);

    /// <summary>
    /// Drops every batch that ends after <paramref name="offset"/> (the LEO becomes
    /// <paramref name="offset"/>, or lower if it falls inside a batch: batches are never split),
    /// drops epoch entries starting at or after the new LEO (even when nothing else changes, as
    /// Kafka does, for a leader that assigned an epoch and never wrote in it) and clamps the high
    /// watermark. Durable on return.
    /// </summary>
    void TruncateTo(long offset);

    /// <summary>Empties the log and restarts it at <paramref name="offset"/> (a follower far behind the leader's log start). Durable on return.</summary>
    void TruncateFullyAndStartAt(long offset);
}
