namespace ActorKafka.Coordination;

/// <summary>ZooKeeper's path rules (PathUtils.validatePath) and path arithmetic.</summary>
public static class ZnodePath
{
    public const string Root = "/";

    /// <summary>Returns null when the path is valid, otherwise why it is not.</summary>
    public static string? Validate(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "path must not be empty";
        if (path[0] != '/') return "path must start with '/'";
        if (path.Length == 1) return null;
        if (path[^1] == '/') return "path must not end with '/'";
        var segmentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] != '/')
            {
                var c = path[i];
                if (c == '\0') return $"null character not allowed at index {i}";
                if (c is > '\u0000' and <= '\u001f' or >= '\u007f' and <= '\u009f'
                    or >= '\ud800' and <= '\uf8ff' or >= '\ufff0' and <= '\uffff')
                    return $"invalid character U+{(int)c:X4} at index {i}";
                continue;
            }
            var length = i - segmentStart;
            if (length == 0) return $"empty segment at index {i}";
            if (length == 1 && path[segmentStart] == '.') return "relative segment '.' not allowed";
            if (length == 2 && path[segmentStart] == '.' && path[segmentStart + 1] == '.')
                return "relative segment '..' not allowed";
            segmentStart = i + 1;
        }
        return null;
    }

    /// <summary>
    /// ZooKeeper validates a sequential create with a digit appended, so "/queue/" is a valid
    /// prefix for sequential children of /queue.
    /// </summary>
    public static string? ValidateForCreate(string? path, CreateMode mode) =>
        mode.IsSequential() && path is not null ? Validate(path + "1") : Validate(path);

    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? Root : path[..slash];
    }

    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    public static string Join(string parent, string child) => parent == Root ? "/" + child : parent + "/" + child;

    /// <summary>The 10-digit, zero-padded suffix ZooKeeper appends to sequential nodes.</summary>
    public static string SequentialName(string path, int parentCversion) =>
        path + parentCversion.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
}
