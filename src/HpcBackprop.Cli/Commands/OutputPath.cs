using HpcBackprop.Cli.CommandLine;

namespace HpcBackprop.Cli.Commands;

/// <summary>
/// The checks every file a command writes gets before any work: it names a file (not a directory), its directory
/// exists, and a file can be created there. A usage error (exit 2) names the option, rather than an I/O error about
/// the temporary file the atomic write would have used, found only at the end.
/// </summary>
internal static class OutputPath
{
    /// <summary>Throws a <see cref="UsageException"/> unless <paramref name="path"/> can be written.</summary>
    /// <param name="command">The command, for the message ("train").</param>
    /// <param name="option">The option that gave the path ("--save").</param>
    /// <param name="path">The file to be written.</param>
    public static void Check(string command, string option, string path)
    {
        if (path.Length == 0 || Directory.Exists(path))
        {
            throw new UsageException($"{command}: {option} '{path}' must name a file.");
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is null || !Directory.Exists(directory))
        {
            throw new UsageException($"{command}: {option} '{path}': the directory does not exist.");
        }

        // Creates and deletes a file beside the target, so an unwritable place is found now.
        string name = Path.GetFileName(path);
        string probe = Path.Combine(directory, $".{(name.Length > 64 ? name[..64] : name)}.{Guid.NewGuid():N}.probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{command}: {option} '{path}' cannot be written: {e.Message}");
        }
    }
}
