namespace HpcBackprop.Models;

/// <summary>
/// CRC-32 as zlib, PNG and gzip compute it (IEEE 802.3 polynomial, reflected 0xEDB88320, initial value and
/// final XOR 0xFFFFFFFF). It detects every error burst up to 32 bits, so any single corrupted byte.
/// </summary>
/// <remarks>Written here because the library takes no package dependency (System.IO.Hashing is a package).</remarks>
internal static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    /// <summary>The CRC-32 of <paramref name="data"/>; CRC-32 of "123456789" is 0xCBF43926.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc = Table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
