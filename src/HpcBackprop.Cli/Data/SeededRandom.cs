namespace HpcBackprop.Cli.Data;

/// <summary>SplitMix64 draws: the same sequence for a seed on every machine, unlike <see cref="Random"/> across runtime versions.</summary>
internal static class SeededRandom
{
    public static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A double in [0, 1) from the top 53 bits.</summary>
    public static double Unit(ref ulong state) => (Next(ref state) >> 11) * (1.0 / (1UL << 53));
}
