using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HpcBackprop.Benchmarks.Steps;

/// <summary>
/// The plainest memory traffic a floor benchmark can time: a read that does nothing with the data but add it up,
/// and a copy. The library's own streaming kernels were the floor before, and are no floor: SumOfSquares loads
/// each vector twice and read the 804 KB of 784-256-10's weights 1.2-1.6x as slowly as a plain read, outside
/// BenchmarkDotNet (the same process, alternated, each round's min over 40-60 calls: 13.7-18.8 against 10.6-12.6 us).
/// </summary>
internal static class StreamingFloor
{
    /// <summary>
    /// Reads every byte of <paramref name="data"/> once: the bytes are added as 32-bit integers (no floating-point
    /// work, so no denormal or NaN can slow a lane), in four accumulators of <see cref="Vector{T}"/> (256 bits with
    /// AVX2, 128 with SSE or NEON). Returns the sum, for the caller to keep alive.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static uint Read<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        ReadOnlySpan<uint> words = MemoryMarshal.Cast<T, uint>(data);
        ref uint r = ref MemoryMarshal.GetReference(words);
        nuint n = (nuint)words.Length, i = 0, w = (nuint)Vector<uint>.Count;
        Vector<uint> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + (4 * w) <= n; i += 4 * w)
        {
            s0 += Vector.LoadUnsafe(ref r, i);
            s1 += Vector.LoadUnsafe(ref r, i + w);
            s2 += Vector.LoadUnsafe(ref r, i + (2 * w));
            s3 += Vector.LoadUnsafe(ref r, i + (3 * w));
        }

        uint sum = Vector.Sum(s0 + s1 + s2 + s3);
        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref r, i);
        }

        return sum;
    }

    /// <summary>Reads <paramref name="source"/> and writes it to <paramref name="destination"/> (the runtime's memmove).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Copy<T>(ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged
        => source.CopyTo(destination);
}
