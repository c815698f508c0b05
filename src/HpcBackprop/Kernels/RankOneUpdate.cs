using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>Delta += d a' with the bias column, for a block of examples (BLAS GER, accumulated in example order).</summary>
internal static class RankOneUpdate
{
    /// <summary>
    /// delta is rows x columns row-major; d is count x rows; a is count x (columns - 1). For each example t
    /// in order: delta[i, 0] += d[t, i]; delta[i, j + 1] += d[t, i] a[t, j].
    /// </summary>
    /// <remarks>
    /// Each row of Delta is loaded and stored once per four examples (<see cref="FusedAxpy"/>), which is what
    /// gets the update under the L2-bandwidth bound of one pass per example; every entry still receives its
    /// terms in example order, one fused multiply-add each, so the result does not depend on the block size.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Accumulate<T>(Span<T> delta, int rows, int columns, ReadOnlySpan<T> d, ReadOnlySpan<T> a, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckCount(count, nameof(count));
        KernelArguments.CheckMatrix(delta.Length, rows, columns, nameof(delta));
        KernelArguments.CheckLength(d.Length, count * rows, nameof(d));
        KernelArguments.CheckLength(a.Length, count * (columns - 1), nameof(a));
        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512: Run<Ops512<T>, Vector512<T>, T>(delta, rows, columns, d, a, count); break;
            case SimdWidth.Vector256: Run<Ops256<T>, Vector256<T>, T>(delta, rows, columns, d, a, count); break;
            case SimdWidth.Vector128: Run<Ops128<T>, Vector128<T>, T>(delta, rows, columns, d, a, count); break;
            default: Run<OpsScalar<T>, T, T>(delta, rows, columns, d, a, count); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Run<TOps, TVec, T>(Span<T> delta, int rows, int columns, ReadOnlySpan<T> d, ReadOnlySpan<T> a, int count)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = columns - 1;
        if (count == 0)
        {
            return;
        }

        for (int i = 0; i < rows; i++)
        {
            for (int t = 0; t < count; t++)
            {
                delta[i * columns] += d[(t * rows) + i];       // the bias column Delta[i, 0]: a(l)[0] = 1
            }
        }

        // Delta[i, 1:] += sum over t of d[t, i] a[t, :], in order of t, two rows of Delta per pass: the
        // targets are rows of Delta (columns apart), the terms the examples (a's rows n apart), and the
        // scalar for row i and example t is d[t, i] (targets 1 apart, terms rows apart).
        if (n > 0 && rows > 0)
        {
            FusedAxpy.Run<TOps, TVec, T>(
                ref delta[1], columns, rows, n,
                in MemoryMarshal.GetReference(a), n,
                in MemoryMarshal.GetReference(d), 1, rows, count);
        }
    }
}
