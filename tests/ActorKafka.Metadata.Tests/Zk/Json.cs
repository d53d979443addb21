using System.Text;

namespace ActorKafka.Metadata.Tests.Zk;

internal static class Json
{
    public static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    public static string Text(byte[] data) => Encoding.UTF8.GetString(data);
}
