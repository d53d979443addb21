using System.Globalization;
using System.Text;
using ActorKafka.Coordination;

namespace ActorKafka.Node.Cli;

/// <summary>Turns store answers into the shell's lines, zkCli style.</summary>
internal static class ShellFormat
{
    public const string Ok = "OK";

    public static IReadOnlyList<string> Reply(ZkRequest request, ZkResponse response, bool showStat) => response switch
    {
        ErrorResponse error => [Error(error)],
        CreateResponse created => [created.Path],
        GetDataResponse data => showStat ? [Data(data.Data), .. StatLines(data.Stat)] : [Data(data.Data)],
        GetChildrenResponse { Stat: { } stat } children when showStat => [Children(children.Children), .. StatLines(stat)],
        GetChildrenResponse children => [Children(children.Children)],
        // exists is not an error in ZooKeeper, but zkCli's stat reports a missing node as one.
        ExistsResponse { Stat: { } stat } => StatLines(stat),
        ExistsResponse => [Error(new ErrorResponse(ZkErrorCode.NoNode, request.Path))],
        SetDataResponse or DeleteResponse or SyncResponse => [Ok],
        _ => [Error(new ErrorResponse(ZkErrorCode.SystemError, request.Path, $"unexpected {response.GetType().Name}"))],
    };

    public static string Error(ErrorResponse error) => $"Error: {error}";

    public static string Watcher(WatchedEvent e) => $"WATCHER: {e.Type} {e.Path}";

    private static string Data(byte[] data) => Encoding.UTF8.GetString(data);

    private static string Children(IEnumerable<string> children) => "[" + string.Join(", ", children.Order(StringComparer.Ordinal)) + "]";

    public static IReadOnlyList<string> StatLines(Stat stat) =>
    [
        $"cZxid = {Hex(stat.Czxid)}",
        $"ctime = {Time(stat.Ctime)}",
        $"mZxid = {Hex(stat.Mzxid)}",
        $"mtime = {Time(stat.Mtime)}",
        $"pZxid = {Hex(stat.Pzxid)}",
        $"cversion = {stat.Cversion}",
        $"dataVersion = {stat.Version}",
        $"aclVersion = {stat.Aversion}",
        $"ephemeralOwner = {Hex(stat.EphemeralOwner)}",
        $"dataLength = {stat.DataLength}",
        $"numChildren = {stat.NumChildren}",
    ];

    public static string Hex(long value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static string Time(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
