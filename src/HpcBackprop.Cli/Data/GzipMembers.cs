using System.IO.Compression;
using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Models;

namespace HpcBackprop.Cli.Data;

/// <summary>
/// Decompresses gzip data member by member and checks each member's trailer (its CRC-32 and length), which .NET's
/// GZipStream does not do: data cut short, a download stopped halfway, decompresses there to a shorter text without
/// an error, and would have trained on part of a file.
/// </summary>
internal static class GzipMembers
{
    private const int TrailerBytes = 8;

    /// <summary>The decompressed bytes of every member of <paramref name="compressed"/>, in order.</summary>
    /// <exception cref="DataException">A header or a trailer is missing or does not match: a file cut short or damaged.</exception>
    public static MemoryStream Decompress(Stream compressed, string source)
    {
        byte[] all;
        using (var buffer = new MemoryStream())
        {
            compressed.CopyTo(buffer);
            all = buffer.ToArray();
        }

        var output = new MemoryStream();
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        int position = 0, member = 0;
        while (position < all.Length)
        {
            // Some writers pad the last member with zeros (gzip itself ignores them).
            if (member > 0 && AllZero(all.AsSpan(position)))
            {
                break;
            }

            member++;
            int data = HeaderEnd(all, position, source, member);
            long start = output.Length;
            using (var inflate = new DeflateStream(new MemoryStream(all, data, all.Length - data, writable: false), CompressionMode.Decompress))
            {
                inflate.CopyTo(output);
            }

            int length = checked((int)(output.Length - start));
            uint crc = Crc32.Compute(output.GetBuffer().AsSpan((int)start, length));

            // The trailer follows the member's deflate data: CRC-32, then the length mod 2^32, little-endian. Deflate data
            // cut short decompresses to fewer bytes, whose CRC and length no eight bytes after it match (TrailerEnd).
            BitConverter.TryWriteBytes(trailer, crc);
            BitConverter.TryWriteBytes(trailer[4..], (uint)length);
            if (!BitConverter.IsLittleEndian)
            {
                trailer[..4].Reverse();
                trailer[4..].Reverse();
            }

            int end = TrailerEnd(all, data, trailer);
            if (end < 0)
            {
                throw new DataException($"{source}: the gzip data ends early or is damaged (member {member} decompressed to {length} bytes, and no CRC-32 and length after it match them): a file cut short?");
            }

            position = end;
        }

        output.Position = 0;
        return output;
    }

    // The end of the member's trailer: the first place after `data` that holds it and is followed by the end of the
    // data, zero padding or another member's header. (.NET's DeflateStream reads its input to the end, so where the
    // deflate data stopped is not known; eight bytes that match by chance inside it are passed over by that test.)
    private static int TrailerEnd(byte[] all, int data, ReadOnlySpan<byte> trailer)
    {
        int from = data;
        while (true)
        {
            int at = all.AsSpan(from).IndexOf(trailer);
            if (at < 0)
            {
                return -1;
            }

            int end = from + at + TrailerBytes;
            ReadOnlySpan<byte> rest = all.AsSpan(end);
            if (AllZero(rest) || (rest.Length >= 3 && rest[0] == 0x1F && rest[1] == 0x8B && rest[2] == 8))
            {
                return end;
            }

            from += at + 1;
        }
    }

    // Zero padding after the last member (empty counts): gzip itself ignores it.
    private static bool AllZero(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyExcept((byte)0) < 0;

    // The offset of the deflate data after the member header at `start` (RFC 1952, section 2.3).
    private static int HeaderEnd(byte[] all, int start, string source, int member)
    {
        const int FixedBytes = 10;
        const byte Text = 1, HeaderCrc = 2, Extra = 4, Name = 8, Comment = 16;
        if (all.Length - start < FixedBytes || all[start] != 0x1F || all[start + 1] != 0x8B || all[start + 2] != 8)
        {
            throw new DataException(member == 1
                ? $"{source}: the gzip header is cut short or is not one of deflate data."
                : $"{source}: bytes after gzip member {member - 1} that are not another member (a damaged file?).");
        }

        byte flags = all[start + 3];
        int p = start + FixedBytes;
        if ((flags & ~(Text | HeaderCrc | Extra | Name | Comment)) != 0)
        {
            throw new DataException($"{source}: gzip member {member} has reserved header flags set (a damaged file?).");
        }

        if ((flags & Extra) != 0)
        {
            p = p + 2 <= all.Length ? p + 2 + (all[p] | (all[p + 1] << 8)) : all.Length + 1;
        }

        foreach (byte field in new[] { Name, Comment })
        {
            if ((flags & field) != 0 && p < all.Length)
            {
                int end = Array.IndexOf(all, (byte)0, p);
                p = end < 0 ? all.Length + 1 : end + 1;
            }
        }

        if ((flags & HeaderCrc) != 0)
        {
            p += 2;
        }

        if (p > all.Length)
        {
            throw new DataException($"{source}: the header of gzip member {member} is cut short.");
        }

        return p;
    }
}
