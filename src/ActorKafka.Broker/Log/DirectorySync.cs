using System.Runtime.InteropServices;

namespace ActorKafka.Broker.Log;

/// <summary>
/// fsync of a directory, so a created, renamed or deleted file's directory entry is durable too
/// (.NET cannot open a directory as a file). Best effort: a no-op on Windows, where NTFS
/// journals the metadata, and wherever the call is not available.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY

    public static void Fsync(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            var fd = Open(directory, ReadOnly);
            if (fd < 0) return;
            try
            {
                _ = FsyncFd(fd);
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FsyncFd(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
