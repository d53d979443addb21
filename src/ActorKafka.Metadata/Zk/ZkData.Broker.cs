using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorKafka.Metadata.Zk;

public static partial class ZkData
{
    private const int BrokerVersion = 5;
    private const string PlaintextListener = "PLAINTEXT";
    private const int NoJmxPort = -1;

    /// <summary>
    /// Kafka's version 5 broker registration with one PLAINTEXT endpoint, plus "akka_address":
    /// the broker's actor system address, which is how a controller reaches it. The broker id
    /// is the znode's name and the broker epoch its czxid, so neither is in the JSON.
    /// </summary>
    public static byte[] EncodeBroker(BrokerInfo broker, long timestamp) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", BrokerVersion);
        writer.WriteString("host", broker.Host);
        writer.WriteNumber("port", broker.Port);
        writer.WriteStartArray("endpoints");
        writer.WriteStringValue($"{PlaintextListener}://{FormatAddress(broker.Host, broker.Port)}");
        writer.WriteEndArray();
        writer.WriteStartObject("listener_security_protocol_map");
        writer.WriteString(PlaintextListener, PlaintextListener);
        writer.WriteEndObject();
        writer.WriteNumber("jmx_port", NoJmxPort);
        if (broker.Rack is not null)
            writer.WriteString("rack", broker.Rack);
        writer.WriteString("timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        writer.WriteStartObject("features");
        writer.WriteEndObject();
        writer.WriteString("akka_address", broker.ActorAddress);
    });

    /// <summary>
    /// Reads a broker registration. Host and port come from the first endpoint (version 2 and
    /// later: the top-level pair is only there for old clients and is null when there is no
    /// PLAINTEXT listener), or from the top-level pair in version 1. A registration without
    /// akka_address (one written by Kafka itself) fails: no controller could reach that broker.
    /// </summary>
    public static ZkDataResult<BrokerInfo> DecodeBroker(int brokerId, byte[]? data, long brokerEpoch) =>
        ZkJson.Decode(ZkPaths.BrokerId(brokerId), data, json =>
        {
            var version = ZkJson.Int(json, "version");
            if (version < 1)
                throw new ZkDataFormatException($"unsupported broker registration version {version}");
            var (host, port) = version == 1
                ? (ZkJson.String(json, "host"), ZkJson.Int(json, "port"))
                : FirstEndpoint(ZkJson.Array(json, "endpoints"));
            return new BrokerInfo(
                brokerId,
                host,
                port,
                ZkJson.StringOrNull(json, "rack"),
                brokerEpoch,
                ZkJson.String(json, "akka_address"));
        });

    private static (string Host, int Port) FirstEndpoint(JsonElement endpoints)
    {
        var first = endpoints.EnumerateArray().Select(endpoint => ZkJson.AsString(endpoint, "endpoint")).FirstOrDefault()
            ?? throw new ZkDataFormatException("field 'endpoints' is empty");
        var match = EndpointPattern().Match(first);
        if (!match.Success
            || !int.TryParse(match.Groups["port"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port))
            throw new ZkDataFormatException($"endpoint \"{first}\" is not of the form LISTENER://host:port");
        return (match.Groups["host"].Value, port);
    }

    // Kafka brackets IPv6 hosts so the port separator stays unambiguous.
    private static string FormatAddress(string host, int port) =>
        host.Contains(':') ? $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}" : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";

    // Kafka's endpoint grammar (Utils.HOST_PORT_PATTERN after the listener name).
    [GeneratedRegex(@"^(?<listener>[^:/]*)://\[?(?<host>[0-9a-zA-Z\-%._:]*)\]?:(?<port>-?[0-9]+)$")]
    private static partial Regex EndpointPattern();
}
