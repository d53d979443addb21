using System.Text;
using System.Text.Json.Nodes;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `actorkafka consume`: Kafka's console consumer. Reads each chosen partition from its leader
/// (only committed records, below the high watermark) and prints them; without --follow it stops
/// at the high watermarks found on starting, with --follow it long-polls every partition at once.
/// </summary>
internal static class ConsumeCommand
{
    private const string Command = "consume";

    /// <summary>Why a partition's reading stopped early, and the exit code that says so.</summary>
    private sealed class ReadFailure(string message, int exitCode) : Exception(message)
    {
        public int ExitCode => exitCode;
    }

    public static async Task<int> RunAsync(ConsumeOptions options, TextWriter stdout, TextWriter stderr, CancellationToken shutdown)
    {
        KafkaClientHost host;
        try
        {
            host = KafkaClientHost.Start(options.Bootstrap);
        }
        catch (Exception e)
        {
            return await FailAsync(stderr, $"could not start a client to reach the brokers: {e.Message}", ExitCodes.Failed).ConfigureAwait(false);
        }
        await using (host.ConfigureAwait(false))
        {
            var lookup = await host.LookUpAsync(options.Topic, options.Partition, shutdown).ConfigureAwait(false);
            if (lookup.Problem is not null) return await FailAsync(stderr, lookup.Problem, lookup.ExitCode).ConfigureAwait(false);

            var output = new RecordOutput(stdout, options.Format, options.MaxRecords);
            var consumer = new KafkaConsumer(host.Metadata, host.Settings);
            try
            {
                if (options.Follow) await FollowAsync(consumer, lookup.Partitions, options, output, shutdown).ConfigureAwait(false);
                else
                    foreach (var tp in lookup.Partitions)
                    {
                        if (output.Full) break;
                        await ReadToHighWatermarkAsync(consumer, tp, options, output, shutdown).ConfigureAwait(false);
                    }
            }
            catch (ReadFailure failure)
            {
                await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                return await FailAsync(stderr, failure.Message, failure.ExitCode).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                // Ctrl-C (or the caller's stop) while following: the records printed so far are the result.
            }
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await stderr.WriteLineAsync($"consumed {(output.Count == 1 ? "1 record" : $"{output.Count} records")} from {Describe(options.Topic, lookup.Partitions, lookup.PartitionCount)}")
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }

    /// <summary>From the start offset up to the high watermark as it stood when the read began.</summary>
    private static async Task ReadToHighWatermarkAsync(KafkaConsumer consumer, TopicPartition tp, ConsumeOptions options, RecordOutput output,
        CancellationToken cancel)
    {
        var end = await ListAsync(consumer, tp, ListOffsetsRequest.Latest, cancel).ConfigureAwait(false);
        var offset = await StartAsync(consumer, tp, options, end, cancel).ConfigureAwait(false);
        while (offset < end && !output.Full)
        {
            var fetch = await FetchAsync(consumer, tp, offset, cancel).ConfigureAwait(false);
            await output.WriteAsync(fetch.Records.Where(r => r.Offset < end).ToArray()).ConfigureAwait(false);
            offset = fetch.NextOffset;
        }
    }

    /// <summary>Every partition at once, each fetch a long poll, until --max-records, a failure or the stop.</summary>
    private static async Task FollowAsync(KafkaConsumer consumer, IReadOnlyList<TopicPartition> partitions, ConsumeOptions options, RecordOutput output,
        CancellationToken shutdown)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        ReadFailure? failure = null;
        async Task FollowOneAsync(TopicPartition tp)
        {
            try
            {
                var end = await ListAsync(consumer, tp, ListOffsetsRequest.Latest, done.Token).ConfigureAwait(false);
                var offset = await StartAsync(consumer, tp, options, end, done.Token).ConfigureAwait(false);
                while (!output.Full)
                {
                    var fetch = await FetchAsync(consumer, tp, offset, done.Token).ConfigureAwait(false);
                    await output.WriteAsync(fetch.Records).ConfigureAwait(false);
                    offset = fetch.NextOffset;
                }
            }
            catch (ReadFailure f)
            {
                Interlocked.CompareExchange(ref failure, f, null);
            }
            finally
            {
                // Enough records, or a failure: the other partitions' long polls end now, not at their next answer.
                await done.CancelAsync().ConfigureAwait(false);
            }
        }
        try
        {
            await Task.WhenAll(partitions.Select(FollowOneAsync)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
        }
        if (failure is not null) throw failure;
        shutdown.ThrowIfCancellationRequested();
    }

    private static async Task<long> StartAsync(KafkaConsumer consumer, TopicPartition tp, ConsumeOptions options, long end, CancellationToken cancel)
    {
        var earliest = await ListAsync(consumer, tp, ListOffsetsRequest.Earliest, cancel).ConfigureAwait(false);
        return options.Start switch
        {
            ConsumeStart.Beginning => earliest,
            ConsumeStart.End => end,
            _ when options.Offset is { } at && at >= earliest && at <= end => at,
            _ => throw new ReadFailure($"--offset {options.Offset} is outside {tp}'s committed records (OFFSET_OUT_OF_RANGE): " +
                                       $"give an offset from {earliest} to {end} (the high watermark, where new records will go)", ExitCodes.BadInput),
        };
    }

    private static async Task<long> ListAsync(KafkaConsumer consumer, TopicPartition tp, long which, CancellationToken cancel)
    {
        var (error, offset) = await consumer.ListOffsetAsync(tp, which, cancel).ConfigureAwait(false);
        return error == ControlError.None ? offset : throw Failure(tp, error, which == ListOffsetsRequest.Latest ? "its high watermark" : "its first offset");
    }

    private static async Task<FetchResult> FetchAsync(KafkaConsumer consumer, TopicPartition tp, long offset, CancellationToken cancel)
    {
        var fetch = await consumer.FetchAsync(tp, offset, cancel).ConfigureAwait(false);
        return fetch.Error == ControlError.None ? fetch : throw Failure(tp, fetch.Error, $"records from offset {offset}");
    }

    private static ReadFailure Failure(TopicPartition tp, ControlError error, string what) => error switch
    {
        ControlError.OffsetOutOfRange => new ReadFailure($"could not read {what} of {tp}: {ClientErrors.Name(error)}; the log no longer holds them " +
                                                        "(its leader changed and truncated it, or its start moved): run again to read what it holds now",
            ExitCodes.Failed),
        _ => new ReadFailure($"could not read {what} of {tp}: {ClientErrors.Name(error)}, retried for {CliDefaults.ClientDeliveryTimeout.TotalSeconds:0} s. " +
                             "Check with 'actorkafka cluster describe' that the partition has a leader and its broker is running", ExitCodes.Failed),
    };

    private static string Describe(string topic, IReadOnlyList<TopicPartition> partitions, int count) =>
        partitions.Count == 1 ? partitions[0].ToString() : partitions.Count == count ? $"{topic} (all {count} partitions)" : topic;

    private static async Task<int> FailAsync(TextWriter stderr, string message, int exitCode)
    {
        await stderr.WriteLineAsync($"actorkafka {Command}: {message}").ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>Prints records in the chosen format, one writer at a time, never more than --max-records.</summary>
    private sealed class RecordOutput(TextWriter stdout, ConsumeFormat format, long? max)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public bool Full => max is { } m && Count >= m;

        public async Task WriteAsync(IReadOnlyList<ConsumedRecord> records)
        {
            if (records.Count == 0) return;
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                foreach (var record in records)
                {
                    if (Full) break;
                    await stdout.WriteLineAsync(Line(record)).ConfigureAwait(false);
                    Interlocked.Increment(ref _count);
                }
                await stdout.FlushAsync().ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        private string Line(ConsumedRecord r)
        {
            var key = r.Record.Key is { } k ? Encoding.UTF8.GetString(k) : null;
            var value = Encoding.UTF8.GetString(r.Record.Value);
            if (format == ConsumeFormat.Text) return key is null ? value : key + "\t" + value;
            return new JsonObject
            {
                ["topic"] = r.Partition.Topic,
                ["partition"] = r.Partition.Partition,
                ["offset"] = r.Offset,
                ["key"] = key,
                ["value"] = value,
            }.ToJsonString();
        }
    }
}
