namespace HpcBackprop.Models;

/// <summary>Byte-order helpers for the file formats, which are little-endian on every machine.</summary>
internal static class Endian
{
    /// <summary>Reverses the bytes of each <paramref name="elementSize"/>-byte element in place.</summary>
    public static void Reverse(Span<byte> bytes, int elementSize)
    {
        for (int i = 0; i + elementSize <= bytes.Length; i += elementSize)
        {
            bytes.Slice(i, elementSize).Reverse();
        }
    }
}
