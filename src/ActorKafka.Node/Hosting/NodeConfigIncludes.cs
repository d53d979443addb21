using Akka.Configuration.Hocon;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// `include "other.conf"` in a node's config file names a file beside it (hocon/remoting-tls.conf,
/// say): Akka's parser leaves file includes to its caller.
/// </summary>
internal static class NodeConfigIncludes
{
    /// <summary>How deep files may include one another: deeper is taken for an include loop, which would otherwise recurse until the stack overflows.</summary>
    private const int MaxDepth = 8;

    /// <summary>The include callback for <paramref name="file"/>; a problem is a NodeConfigException naming the files.</summary>
    public static Func<string, HoconRoot> NextTo(string file) => NextTo(file, 1);

    private static Func<string, HoconRoot> NextTo(string file, int depth) => name =>
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, name);
        if (depth > MaxDepth) throw new NodeConfigException($"{file}: include \"{name}\": includes nest deeper than {MaxDepth} files (an include loop?)");
        if (!File.Exists(path)) throw new NodeConfigException($"{file}: include \"{name}\": {path} not found");
        HoconRoot included;
        try
        {
            included = Parser.Parse(File.ReadAllText(path), NextTo(path, depth + 1));
        }
        catch (Exception e) when (e is not NodeConfigException)
        {
            throw new NodeConfigException(e is IOException or UnauthorizedAccessException
                ? $"{path}: cannot be read ({e.Message}), included from {file}"
                : $"{path}: not valid HOCON: {e.GetBaseException().Message}, included from {file}");
        }
        // Akka's parser re-roots an included file's substitutions under a path with a leading dot, so
        // none of them would resolve ("Unresolved substitution: .a.b"): say so instead.
        if (included.Substitutions.FirstOrDefault() is { } substitution)
            throw new NodeConfigException($"{path}: an included file cannot use substitutions (${{{substitution.Path}}}): " +
                                          $"Akka's HOCON parser cannot resolve them there; included from {file}");
        return included;
    };
}
