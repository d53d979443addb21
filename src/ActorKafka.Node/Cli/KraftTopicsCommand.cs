using System.Text.Json.Nodes;
using ActorKafka.Controller;
using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `topics create` and `topics describe` with --bootstrap-controllers: kafka-topics.sh against a
/// KRaft cluster. A short-lived client system asks every controller given; the active one answers
/// (CreateTopics, or DescribeCluster for its committed image) and the output is the zk-mode
/// commands' own, so scripts read both modes alike.
/// </summary>
internal static class KraftTopicsCommand
{
    public static Task<int> CreateAsync(KraftTopicsCreateOptions options, TextWriter stdout, TextWriter stderr) =>
        WithClientAsync("topics create", options.Topic, options.Controllers, stdout, stderr, async client =>
        {
            var (created, problem) = await client.RequestAsync<CreateTopicsResponse>(id =>
                new CreateTopicsRequest(id, [new CreatableTopic(options.Topic, options.Partitions, (short)options.ReplicationFactor)])).ConfigureAwait(false);
            if (created is null) return (problem, null);
            var result = created.Topics.Single();
            if (result.Error != ControlError.None)
                return ($"cannot create topic '{options.Topic}': {result.Error}: {result.Message}" + (result.Error == ControlError.TopicAlreadyExists
                    ? $". Choose another name, or see it with 'actorkafka topics describe --topic {options.Topic} --bootstrap-controllers ...'"
                    : ""), null);
            // The answer comes at commit; the placement is in the image it was committed to.
            var (image, imageProblem) = await client.RequestAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, CliDefaults.DescribeMaxPartitions))
                .ConfigureAwait(false);
            if (image is null) return (imageProblem, null);
            var partitions = image.Partitions.Where(p => p.Topic == options.Topic).OrderBy(p => p.Partition).ToArray();
            IReadOnlyList<string> lines = options.Json
                ? [new JsonObject
                {
                    ["topic"] = options.Topic,
                    ["topicId"] = result.TopicId.ToString(),
                    ["partitions"] = result.NumPartitions,
                    ["replicationFactor"] = (int)result.ReplicationFactor,
                    ["assignment"] = new JsonObject(partitions.Select(p => new KeyValuePair<string, JsonNode?>(
                        p.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture), AdminFormat.IdsJson(p.Replicas)))),
                }.ToJsonString()]
                :
                [
                    $"Created topic {options.Topic}.",
                    .. AdminFormat.Table(["PARTITION", "REPLICAS (first: preferred leader)"],
                        partitions.Select(p => (IReadOnlyList<string>)[p.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture), AdminFormat.Ids(p.Replicas)])),
                ];
            return (null, lines);
        });

    public static Task<int> DescribeAsync(KraftTopicsDescribeOptions options, TextWriter stdout, TextWriter stderr) =>
        WithClientAsync("topics describe", options.Topic, options.Controllers, stdout, stderr, async client =>
        {
            var (image, problem) = await client.RequestAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, CliDefaults.DescribeMaxPartitions))
                .ConfigureAwait(false);
            if (image is null) return (problem, null);
            var topics = image.Partitions.GroupBy(p => p.Topic).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new TopicView(g.Key, null, new Dictionary<string, string>(), g.OrderBy(p => p.Partition).Select(Describe).ToArray()))
                .ToList();
            if (options.Topic is { } name)
            {
                if (topics.FirstOrDefault(t => t.Name == name) is not { } topic)
                    return ($"UNKNOWN_TOPIC_OR_PARTITION: topic '{name}' does not exist; " + (topics.Count == 0
                        ? "there are no topics yet; create one with 'actorkafka topics create --topic T --bootstrap-controllers ...'"
                        : $"existing topics: {string.Join(", ", topics.Select(t => t.Name))}"), null);
                topics = [topic];
            }
            return (null, options.Json ? [AdminFormat.TopicsJson(topics).ToJsonString()] : AdminFormat.Topics(topics));
        });

    private static PartitionDescription Describe(PartitionStateInfo p) =>
        new(p.TopicPartition, p.Replicas, new LeaderAndIsr(p.Leader, p.LeaderEpoch, p.Isr, p.ControllerEpoch, p.PartitionEpoch));

    private static async Task<int> WithClientAsync(string command, string? topic, IReadOnlyList<Address> controllers, TextWriter stdout, TextWriter stderr,
        Func<QuorumControllerClient, Task<(string? Problem, IReadOnlyList<string>? Lines)>> run)
    {
        // A name that can never be a topic is refused before anything is started or reached.
        if (topic is not null && TopicName.Validate(topic) is { } invalid)
            return await FailAsync(stderr, command, $"INVALID_TOPIC_EXCEPTION: {invalid}. " +
                                                    "Use ASCII letters, digits, '.', '_' and '-', at most " + TopicName.MaxNameLength + " characters").ConfigureAwait(false);
        return await ControllerClientSystem.RunAsync(command, stderr, async system =>
        {
            var (problem, lines) = await run(new QuorumControllerClient(system, controllers, CliDefaults.ControllerRequestTimeout)).ConfigureAwait(false);
            if (problem is not null) return await FailAsync(stderr, command, problem).ConfigureAwait(false);
            foreach (var line in lines!) await stdout.WriteLineAsync(line).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false);
    }

    private static Task<int> FailAsync(TextWriter stderr, string command, string message) => ControllerClientSystem.FailAsync(stderr, command, message);
}
