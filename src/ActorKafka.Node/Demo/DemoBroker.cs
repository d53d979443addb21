using System.Globalization;
using System.Text.Json.Nodes;
using ActorKafka.Coordination;
using Akka.Actor;

namespace ActorKafka.Node.Demo;

/// <summary>How a broker's registration ended.</summary>
internal abstract record Registration(int BrokerId)
{
    public string Path => BrokerZnodes.IdPath(BrokerId);
}

/// <summary>The broker's znode exists; its czxid is the broker epoch, its session the broker's liveness.</summary>
internal sealed record Registered(int BrokerId, long BrokerEpoch, CoordinationSession Session) : Registration(BrokerId);

/// <summary>The id is taken (NodeExists): HolderSession is the live session that owns the znode, if it still does.</summary>
internal sealed record Refused(int BrokerId, ZkErrorCode Error, long? HolderSession) : Registration(BrokerId);

/// <summary>
/// What a Kafka broker does with ZooKeeper at start-up, in a member's ActorSystem: open a session
/// (its client actor lives in that system, so the system's end is the session's end) and create
/// the ephemeral /brokers/ids/N. A duplicate id must make the broker fail to start.
/// </summary>
internal static class DemoBroker
{
    public const string Host = "127.0.0.1";

    /// <summary>Broker N advertises port BasePort + N (9092 for broker 2, as in Kafka's examples).</summary>
    public const int BasePort = 9090;

    public static async Task<Registration> RegisterAsync(ActorSystem member, ClientSettings settings, int brokerId)
    {
        var session = await CoordinationSession.OpenAsync(member, settings).ConfigureAwait(false);
        await BrokerZnodes.EnsureIdsPathAsync(session).ConfigureAwait(false);
        var path = BrokerZnodes.IdPath(brokerId);
        var response = await session.RequestAsync(new CreateRequest(path, Payload(brokerId), CreateMode.Ephemeral)).ConfigureAwait(false);
        switch (response)
        {
            case CreateResponse created:
                return new Registered(brokerId, created.Stat.Czxid, session);
            case ErrorResponse { Code: ZkErrorCode.NodeExists } exists:
                var holder = await session.ExistsAsync(path).ConfigureAwait(false);
                await session.CloseAsync().ConfigureAwait(false);
                return new Refused(brokerId, exists.Code, holder?.EphemeralOwner);
            case ErrorResponse error:
                throw new KeeperException(error);
            default:
                throw new InvalidOperationException($"unexpected {response.GetType().Name} for the create of {path}");
        }
    }

    /// <summary>Kafka's BrokerIdZNode v5 JSON; the timestamp is a string of epoch milliseconds, as Kafka writes it.</summary>
    public static byte[] Payload(int brokerId)
    {
        var port = BasePort + brokerId;
        var json = new JsonObject
        {
            ["version"] = 5,
            ["host"] = Host,
            ["port"] = port,
            ["endpoints"] = new JsonArray($"PLAINTEXT://{Host}:{port}"),
            ["listener_security_protocol_map"] = new JsonObject { ["PLAINTEXT"] = "PLAINTEXT" },
            ["jmx_port"] = -1,
            ["rack"] = null,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}
