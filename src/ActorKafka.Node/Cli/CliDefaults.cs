namespace ActorKafka.Node.Cli;

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>A well-formed command naming something the cluster does not have (produce and consume: an unknown topic or partition).</summary>
    public const int BadInput = 2;
}

internal static class CliDefaults
{
    /// <summary>Commands' ActorSystems log errors only: a command's output is the point, cluster chatter is not.</summary>
    public const string LogLevel = "ERROR";

    /// <summary>How long a tool waits for each KRaft controller's answer (as actorkafka.broker.kraft.request-timeout for brokers).</summary>
    public static readonly TimeSpan ControllerRequestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most partitions `cluster describe` lists in KRaft mode: the answer is one remote message, and
    /// ten thousand rows stay well inside the transport's frame; the count of all is printed beside them.
    /// </summary>
    public const int DescribeMaxPartitions = 10_000;

    /// <summary>
    /// How long produce and consume wait for one broker's answer (actorkafka.client.request-timeout
    /// for them): a dead bootstrap address costs this much before the next one is asked.
    /// </summary>
    public static readonly TimeSpan ClientRequestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long produce and consume keep retrying one batch or fetch through leader changes before
    /// they give up (actorkafka.client.delivery-timeout for them; Kafka's tools wait up to two minutes).
    /// </summary>
    public static readonly TimeSpan ClientDeliveryTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a leader may hold an acks=all batch for its in-sync replicas (actorkafka.client.produce-timeout
    /// for `produce`). One attempt waits this plus the request timeout, and a leader whose node died
    /// answers nothing: kept short, so that such an attempt ends and the retry finds the new leader.
    /// </summary>
    public static readonly TimeSpan ClientProduceTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Most lines `produce` sends in one batch.</summary>
    public const int ProduceBatchMaxLines = 1000;

    /// <summary>
    /// Most key and value bytes `produce` puts in one batch: well below the brokers' default
    /// max-batch-bytes (1 MiB) with room for each record's framing; a longer line goes alone.
    /// </summary>
    public const int ProduceBatchMaxBytes = 512 * 1024;
}
