using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HpcBackprop.Benchmarks.Steps;

/// <summary>
/// The plainest memory traffic a floor benchmark can time: a read that does nothing with the data but add it up,
/// and a copy. The library's own streaming kernels were the floor before, and are no floor: SumOfSquares loads
/// each vector twice and read the 804 KB of 784-256-10's weights 25-30% slower than this read, outside
/// BenchmarkDotNet (the same process, alternated, min over rounds: 13.7-15.8 against 10.7-11.9 us).
/// </summary>
internal static class StreamingFloor
{
    /// <summary>
    /// Reads every byte of <paramref name="data"/> once: the bytes are added as 32-bit integers (no floating-point
    /// work, so no denormal or NaN can slow a lane), in eight vector accumulators, the widest vectors the machine
    /// runs. Returns the sum, for the caller to keep alive.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static uint Read<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        ReadOnlySpan<uint> words = MemoryMarshal.Cast<T, uint>(data);
        ref uint r = ref MemoryMarshal.GetReference(words);
        nuint n = (nuint)words.Length, i = 0;
        uint sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<uint> s0 = default, s1 = default, s2 = default, s3 = default;
            nuint w = (nuint)Vector512<uint>.Count;
            for (; i + (4 * w) <= n; i += 4 * w)
            {
                s0 += Vector512.LoadUnsafe(ref r, i);
                s1 += Vector512.LoadUnsafe(ref r, i + w);
                s2 += Vector512.LoadUnsafe(ref r, i + (2 * w));
                s3 += Vector512.LoadUnsafe(ref r, i + (3 * w));
            }

            sum = Vector512.Sum(s0 + s1 + s2 + s3);
        }
        else
        {
            Vector256<uint> s0 = default, s1 = default, s2 = default, s3 = default;
            nuint w = (nuint)Vector256<uint>.Count;
            for (; i + (4 * w) <= n; i += 4 * w)
            {
                s0 += Vector256.LoadUnsafe(ref r, i);
                s1 += Vector256.LoadUnsafe(ref r, i + w);
                s2 += Vector256.LoadUnsafe(ref r, i + (2 * w));
                s3 += Vector256.LoadUnsafe(ref r, i + (3 * w));
            }

            sum = Vector256.Sum(s0 + s1 + s2 + s3);
        }

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
