using System.Globalization;
using ActorKafka.Broker.Clients;
using ActorKafka.Metadata;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Node.Cli;

/// <summary>What a topic lookup found: the partitions to use, or why there are none and the exit code that says so.</summary>
internal sealed record TopicLookup(IReadOnlyList<TopicPartition> Partitions, int PartitionCount, string? Problem, int ExitCode)
{
    public static TopicLookup Failed(string problem, int exitCode) => new([], 0, problem, exitCode);
}

/// <summary>
/// The client side of `produce` and `consume`: a short-lived client-only ActorSystem (remoting,
/// never a cluster member) and the cluster's metadata as the bootstrap brokers tell it.
/// </summary>
internal sealed class KafkaClientHost : IAsyncDisposable
{
    private KafkaClientHost(ActorSystem system, KafkaClientSettings settings)
    {
        System = system;
        Settings = settings;
        Metadata = new ClientMetadata(system, settings);
    }

    public ActorSystem System { get; }
    public KafkaClientSettings Settings { get; }

    /// <summary>Shared by the command's producer or consumer: one view of who leads what.</summary>
    public ClientMetadata Metadata { get; }

    public static KafkaClientHost Start(IReadOnlyList<string> bootstrap)
    {
        var system = ActorSystem.Create("actorkafka-cli", ShellHost.RemoteClientConfig());
        try
        {
            var timings = ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $"""
                actorkafka.client.request-timeout = {CliDefaults.ClientRequestTimeout.TotalMilliseconds}ms
                actorkafka.client.delivery-timeout = {CliDefaults.ClientDeliveryTimeout.TotalMilliseconds}ms
                actorkafka.client.produce-timeout = {CliDefaults.ClientProduceTimeout.TotalMilliseconds}ms
                """));
            return new KafkaClientHost(system, KafkaClientSettings.From(timings.WithFallback(system.Settings.Config), bootstrap));
        }
        catch
        {
            system.Terminate().Wait();
            throw;
        }
    }

    /// <summary>
    /// Asks the bootstrap brokers for the topic: every partition of it, or only <paramref name="partition"/>.
    /// No broker answering is a failure (exit 1); a topic or partition the cluster does not have is bad input (exit 2).
    /// </summary>
    public async Task<TopicLookup> LookUpAsync(string topic, int? partition, CancellationToken cancel)
    {
        if (TopicName.Validate(topic) is { } invalid)
            return TopicLookup.Failed($"'{topic}' cannot be a topic (INVALID_TOPIC_EXCEPTION: {invalid}); " +
                                      $"topic names use ASCII letters, digits, '.', '_' and '-', at most {TopicName.MaxNameLength} characters", ExitCodes.BadInput);
        if (!await Metadata.RefreshAsync([topic], cancel).ConfigureAwait(false))
            return TopicLookup.Failed($"no broker answered (asked {string.Join(", ", Settings.BootstrapBrokers)}, waiting " +
                                      $"{Settings.RequestTimeout.TotalSeconds:0.#} s for each). Check the addresses (a broker node's ActorSystem address, " +
                                      "as 'actorkafka node' prints it: \"up at akka.tcp://...\") and that the broker nodes are running", ExitCodes.Failed);
        var all = Metadata.PartitionsOf(topic);
        if (all.Count == 0)
            return TopicLookup.Failed($"unknown topic '{topic}': the brokers know no such topic (UNKNOWN_TOPIC_OR_PARTITION). " +
                                      "Check the name, or create the topic first", ExitCodes.BadInput);
        if (partition is not { } only) return new TopicLookup(all, all.Count, null, ExitCodes.Ok);
        return all.Any(p => p.Partition == only)
            ? new TopicLookup([new TopicPartition(topic, only)], all.Count, null, ExitCodes.Ok)
            : TopicLookup.Failed($"topic '{topic}' has no partition {only} (UNKNOWN_TOPIC_OR_PARTITION): its partitions are " +
                                 (all.Count == 1 ? "just 0" : $"0 to {all.Count - 1}"), ExitCodes.BadInput);
    }

    public async ValueTask DisposeAsync() => await System.Terminate().ConfigureAwait(false);
}
