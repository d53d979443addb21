using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>
/// `cluster describe --bootstrap-controllers`: Kafka's `kafka-cluster`/`kafka-metadata-quorum
/// describe` for a KRaft cluster. A short-lived client system (remoting only, never a cluster
/// member) asks the controllers for DescribeCluster and DescribeQuorum and prints the active one's answers.
/// </summary>
internal static class KraftAdminCommand
{
    private const string Command = "cluster describe";

    public static async Task<int> RunAsync(KraftClusterDescribeOptions options, TextWriter stdout, TextWriter stderr)
    {
        return await ControllerClientSystem.RunAsync(Command, stderr, async system =>
        {
            var client = new QuorumControllerClient(system, options.Controllers, CliDefaults.ControllerRequestTimeout);
            var (cluster, problem) = await client.RequestAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, CliDefaults.DescribeMaxPartitions))
                .ConfigureAwait(false);
            if (cluster is null) return await FailAsync(stderr, problem!).ConfigureAwait(false);
            var (quorum, quorumProblem) = await client.RequestAsync<DescribeQuorumResponse>(id => new DescribeQuorumRequest(id)).ConfigureAwait(false);
            if (quorum is null) return await FailAsync(stderr, quorumProblem!).ConfigureAwait(false);

            var view = new KraftClusterView(cluster, quorum);
            IEnumerable<string> lines = options.Json ? [KraftAdminFormat.ClusterJson(view).ToJsonString()] : KraftAdminFormat.Cluster(view);
            foreach (var line in lines) await stdout.WriteLineAsync(line).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false);
    }

    private static Task<int> FailAsync(TextWriter stderr, string message) => ControllerClientSystem.FailAsync(stderr, Command, message);
}
