using System.Globalization;
using System.Text;

namespace ActorKafka.Metadata.Zk;

/// <summary>
/// Encoders and decoders for the data of Kafka's znodes, byte for byte in Kafka's JSON shapes
/// so that the layout can be read with Kafka's own tools. Decoders never throw on bad data:
/// they return a failure that names the znode and the problem.
/// </summary>
public static partial class ZkData
{
    public static byte[] EncodeController(ControllerZNode controller) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", 2);
        writer.WriteNumber("brokerid", controller.BrokerId);
        writer.WriteString("timestamp", controller.Timestamp.ToString(CultureInfo.InvariantCulture));
        writer.WriteNumber("kraftControllerEpoch", controller.KraftControllerEpoch);
    });

    /// <summary>Version 1 (before KIP-866) has no kraftControllerEpoch: it reads as -1.</summary>
    public static ZkDataResult<ControllerZNode> DecodeController(byte[]? data) =>
        ZkJson.Decode(ZkPaths.Controller, data, json => new ControllerZNode(
            ZkJson.Int(json, "brokerid"),
            ZkJson.Timestamp(json, "timestamp"),
            ZkJson.IntOrDefault(json, "kraftControllerEpoch", ControllerZNode.NoKraftControllerEpoch)));

    public static byte[] EncodeControllerEpoch(int epoch) => Encoding.UTF8.GetBytes(epoch.ToString(CultureInfo.InvariantCulture));

    public static ZkDataResult<int> DecodeControllerEpoch(byte[]? data)
    {
        var text = data is null ? "" : Encoding.UTF8.GetString(data);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var epoch)
            ? ZkDataResult<int>.Success(epoch)
            : ZkDataResult<int>.Failure($"{ZkPaths.ControllerEpoch}: expected an integer, found \"{text}\"");
    }
}
