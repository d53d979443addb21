using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ActorKafka.Metadata.Zk;

/// <summary>
/// Strict readers for znode JSON. A reader that finds a missing or mistyped field throws
/// <see cref="ZkDataFormatException"/>, which <see cref="Decode{T}"/> turns into a failed
/// result, so each decoder reads straight through without checking after every field.
/// </summary>
internal static class ZkJson
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static ZkDataResult<T> Decode<T>(string path, byte[]? data, Func<JsonElement, T> read)
    {
        if (data is null || data.Length == 0)
            return ZkDataResult<T>.Failure($"{path}: no data");
        try
        {
            using var document = JsonDocument.Parse(data);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return ZkDataResult<T>.Failure($"{path}: expected a JSON object, found {Describe(document.RootElement)}");
            return ZkDataResult<T>.Success(read(document.RootElement));
        }
        catch (JsonException e)
        {
            return ZkDataResult<T>.Failure($"{path}: malformed JSON: {e.Message}");
        }
        catch (ZkDataFormatException e)
        {
            return ZkDataResult<T>.Failure($"{path}: {e.Message}");
        }
    }

    public static JsonElement Required(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new ZkDataFormatException($"missing field '{name}'");

    public static int Int(JsonElement obj, string name) => AsInt(Required(obj, name), $"field '{name}'");

    public static long Long(JsonElement obj, string name) =>
        Required(obj, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var result)
            ? result
            : throw new ZkDataFormatException($"field '{name}' must be a 64-bit integer");

    public static int IntOrDefault(JsonElement obj, string name, int fallback) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? AsInt(value, $"field '{name}'")
            : fallback;

    public static string String(JsonElement obj, string name) => AsString(Required(obj, name), $"field '{name}'");

    public static string? StringOrNull(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? AsString(value, $"field '{name}'")
            : null;

    /// <summary>Kafka writes timestamps as strings of milliseconds; a plain number is accepted too.</summary>
    public static long Timestamp(JsonElement obj, string name)
    {
        var value = Required(obj, name);
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
            return number;
        if (value.ValueKind == JsonValueKind.String
            && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            return parsed;
        throw new ZkDataFormatException($"field '{name}' must be milliseconds as a string, found {Describe(value)}");
    }

    public static JsonElement Object(JsonElement obj, string name) =>
        Required(obj, name) is { ValueKind: JsonValueKind.Object } value
            ? value
            : throw new ZkDataFormatException($"field '{name}' must be an object");

    public static JsonElement Array(JsonElement obj, string name) =>
        Required(obj, name) is { ValueKind: JsonValueKind.Array } value
            ? value
            : throw new ZkDataFormatException($"field '{name}' must be an array");

    public static IReadOnlyList<int> IntArray(JsonElement array, string what)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw new ZkDataFormatException($"{what} must be an array of integers, found {Describe(array)}");
        return array.EnumerateArray().Select(item => AsInt(item, $"{what} element")).ToArray();
    }

    public static int AsInt(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var result)
            ? result
            : throw new ZkDataFormatException($"{what} must be a 32-bit integer, found {Describe(value)}");

    public static string AsString(JsonElement value, string what) =>
        value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new ZkDataFormatException($"{what} must be a string, found {Describe(value)}");

    /// <summary>Parses a partition id used as a JSON object key ("0", "1", ...).</summary>
    public static int PartitionKey(string key, string what) =>
        int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            ? partition
            : throw new ZkDataFormatException($"{what} key '{key}' is not a partition id");

    public static void WriteIntArray(Utf8JsonWriter writer, string name, IEnumerable<int> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
            writer.WriteNumberValue(value);
        writer.WriteEndArray();
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"\"{value.GetString()}\"",
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };
}

/// <summary>A znode's JSON has the wrong shape; never leaves this assembly (see <see cref="ZkJson.Decode{T}"/>).</summary>
internal sealed class ZkDataFormatException(string message) : Exception(message);
