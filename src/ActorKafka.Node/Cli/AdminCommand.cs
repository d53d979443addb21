using System.Text.Json.Nodes;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `cluster describe`, `topics create` and `topics describe`: Kafka's zk-mode admin tools. They
/// read and write the znodes the controller watches, over one store session.
/// </summary>
internal static class AdminCommand
{
    public static async Task<int> RunAsync(AdminOptions options, TextWriter stdout, TextWriter stderr)
    {
        var name = options switch
        {
            ClusterDescribeOptions => "cluster describe",
            TopicsCreateOptions => "topics create",
            _ => "topics describe",
        };
        // A name that can never be a topic is refused before any store is started or reached.
        var topic = (options as TopicsCreateOptions)?.Topic ?? (options as TopicsDescribeOptions)?.Topic;
        if (topic is not null && TopicName.Validate(topic) is { } invalid)
            return await FailAsync(stderr, name, $"INVALID_TOPIC_EXCEPTION: {invalid}. " +
                                                 "Use ASCII letters, digits, '.', '_' and '-', at most " + TopicName.MaxNameLength + " characters").ConfigureAwait(false);

        var connection = await StoreConnection.OpenAsync(options.Target, name, stderr).ConfigureAwait(false);
        if (connection is null) return ExitCodes.Failed;
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                return options switch
                {
                    ClusterDescribeOptions describe => await ClusterDescribeAsync(connection.Session, describe, stdout).ConfigureAwait(false),
                    TopicsCreateOptions create => await TopicsCreateAsync(connection.Session, create, stdout, stderr).ConfigureAwait(false),
                    TopicsDescribeOptions describe => await TopicsDescribeAsync(connection.Session, describe, stdout, stderr).ConfigureAwait(false),
                    _ => throw new InvalidOperationException("unknown admin command"),
                };
            }
            catch (Exception e) when (e is KeeperException or Akka.Actor.AskTimeoutException)
            {
                return await FailAsync(stderr, name, $"the store did not complete a request ({e.Message}); check that {options.Target} is up")
                    .ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> ClusterDescribeAsync(CoordinationSession session, ClusterDescribeOptions options, TextWriter stdout)
    {
        var cluster = await AdminQueries.DescribeClusterAsync(session).ConfigureAwait(false);
        await WriteAsync(stdout, options.Json ? [AdminFormat.ClusterJson(cluster).ToJsonString()] : AdminFormat.Cluster(cluster)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static async Task<int> TopicsCreateAsync(CoordinationSession session, TopicsCreateOptions options, TextWriter stdout, TextWriter stderr)
    {
        var (assignment, error) = await ZkAdmin.CreateTopicAsync(session, options.Topic, options.Partitions, options.ReplicationFactor,
            new Random(), options.Config).ConfigureAwait(false);
        if (error is not null)
        {
            var hint = error.Code switch
            {
                "TOPIC_ALREADY_EXISTS" => "Choose another name, or see it with 'actorkafka topics describe --topic " + options.Topic + "'",
                nameof(AssignmentError.InvalidReplicationFactor) => await ReplicationHintAsync(session, options).ConfigureAwait(false),
                _ => null,
            };
            return await FailAsync(stderr, "topics create", $"cannot create topic '{options.Topic}': {error.ToString().TrimEnd('.')}" + (hint is null ? "" : ". " + hint))
                .ConfigureAwait(false);
        }

        var ordered = assignment!.OrderBy(a => a.Key).ToArray();
        if (options.Json)
        {
            var json = new JsonObject
            {
                ["topic"] = options.Topic,
                ["partitions"] = ordered.Length,
                ["replicationFactor"] = options.ReplicationFactor,
                ["configs"] = AdminFormat.ConfigJson(options.Config),
                ["assignment"] = new JsonObject(ordered.Select(a =>
                    new KeyValuePair<string, JsonNode?>(a.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), AdminFormat.IdsJson(a.Value)))),
            };
            await WriteAsync(stdout, [json.ToJsonString()]).ConfigureAwait(false);
        }
        else
        {
            await WriteAsync(stdout, [
                $"Created topic {options.Topic}.",
                .. AdminFormat.Table(["PARTITION", "REPLICAS (first: preferred leader)"],
                    ordered.Select(a => (IReadOnlyList<string>)[a.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), AdminFormat.Ids(a.Value)])),
            ]).ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }

    private static async Task<string> ReplicationHintAsync(CoordinationSession session, TopicsCreateOptions options)
    {
        var live = (await ZkAdmin.DescribeBrokersAsync(session).ConfigureAwait(false)).Count;
        return live == 0
            ? $"No broker is registered with {options.Target}: start brokers first (a topic's replicas are placed on live brokers)"
            : $"Use --replication-factor {live} or less, or start more brokers";
    }

    private static async Task<int> TopicsDescribeAsync(CoordinationSession session, TopicsDescribeOptions options, TextWriter stdout, TextWriter stderr)
    {
        IReadOnlyList<TopicView> topics;
        if (options.Topic is { } name)
        {
            var (topic, error) = await AdminQueries.DescribeTopicAsync(session, name).ConfigureAwait(false);
            if (error is not null)
            {
                var known = await AdminQueries.TopicNamesAsync(session).ConfigureAwait(false);
                var hint = known.Count == 0 ? "there are no topics yet; create one with 'actorkafka topics create --topic T'"
                    : $"existing topics: {string.Join(", ", known)}";
                return await FailAsync(stderr, "topics describe", $"{error}; {hint}").ConfigureAwait(false);
            }
            topics = [topic!];
        }
        else topics = await AdminQueries.DescribeTopicsAsync(session).ConfigureAwait(false);

        await WriteAsync(stdout, options.Json ? [AdminFormat.TopicsJson(topics).ToJsonString()] : AdminFormat.Topics(topics)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static async Task WriteAsync(TextWriter stdout, IEnumerable<string> lines)
    {
        foreach (var line in lines) await stdout.WriteLineAsync(line).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
    }

    private static async Task<int> FailAsync(TextWriter stderr, string command, string message)
    {
        await stderr.WriteLineAsync($"actorkafka {command}: {message}").ConfigureAwait(false);
        return ExitCodes.Failed;
    }
}
