namespace HpcBackprop.Models;

/// <summary>Writes a whole file so that readers see either the old content or the new one, never a partial file.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="bytes"/> to a temporary file in the destination's directory (a rename is atomic only
    /// within one file system), flushes it to disk, then renames it over <paramref name="path"/>.
    /// </summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        // Named after the target for whoever finds one after a crash, cut so the name stays within the 255 bytes
        // most file systems allow even when the target's name is near that limit.
        string name = Path.GetFileName(full);
        string temporary = Path.Combine(directory, $".{(name.Length > 64 ? name[..64] : name)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary); // no-op when it was never created or already renamed
            throw;
        }
    }
}
