using System.Globalization;
using ActorKafka.Coordination;

namespace ActorKafka.Node.Demo;

/// <summary>Kafka's broker registration paths in the coordination store.</summary>
internal static class BrokerZnodes
{
    public const string Brokers = "/brokers";
    public const string Ids = "/brokers/ids";

    public static string IdPath(int brokerId) => ZnodePath.Join(Ids, brokerId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Creates the persistent parents if missing; another session creating them first is fine.</summary>
    public static async Task EnsureIdsPathAsync(CoordinationSession session)
    {
        foreach (var path in new[] { Brokers, Ids })
        {
            var response = await session.RequestAsync(new CreateRequest(path, [])).ConfigureAwait(false);
            if (response is ErrorResponse { Code: not ZkErrorCode.NodeExists } error) throw new KeeperException(error);
        }
    }

    /// <summary>Broker ids among the children of /brokers/ids, in numeric order (Kafka's ids are integers).</summary>
    public static IReadOnlyList<int> BrokerIds(IEnumerable<string> children) =>
        children.Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : (int?)null)
            .OfType<int>().Order().ToArray();
}
