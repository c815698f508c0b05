using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>e = Theta[:,1:]' d for a block of examples (the transposed GEMV, the bias row dropped).</summary>
internal static class GemvTransposed
{
    /// <summary>
    /// theta is rows x columns row-major; d is count x rows; e is count x (columns - 1):
    /// e[t, j] = sum_i theta[i, j + 1] d[t, i].
    /// </summary>
    /// <remarks>
    /// Row-major Theta makes this a sum of scaled rows: e[t, :] = sum_i d[t, i] Theta[i, 1:]. One pass
    /// (<see cref="FusedAxpy"/>) fuses four rows of Theta into the e rows of two examples, so each load of
    /// Theta serves both, and each e chunk is loaded and stored once per four rows; the terms are added in
    /// order of i.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> d, Span<T> e, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckCount(count, nameof(count));
        KernelArguments.CheckMatrix(theta.Length, rows, columns, nameof(theta));
        KernelArguments.CheckLength(d.Length, count * rows, nameof(d));
        KernelArguments.CheckLength(e.Length, count * (columns - 1), nameof(e));
        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512: Run<Ops512<T>, Vector512<T>, T>(theta, rows, columns, d, e, count); break;
            case SimdWidth.Vector256: Run<Ops256<T>, Vector256<T>, T>(theta, rows, columns, d, e, count); break;
            case SimdWidth.Vector128: Run<Ops128<T>, Vector128<T>, T>(theta, rows, columns, d, e, count); break;
            default: Run<OpsScalar<T>, T, T>(theta, rows, columns, d, e, count); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Run<TOps, TVec, T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> d, Span<T> e, int count)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = columns - 1;
        e.Clear();
        if (n == 0 || rows == 0)
        {
            return;
        }

        // e[t, :] = sum_i d[t, i] Theta[i, 1:], two examples per pass: the targets are the examples' rows
        // of e (n apart), the terms the rows of Theta (columns apart, from Theta[0, 1]), and the scalar for
        // example t and row i is d[t, i] (targets rows apart, terms 1 apart).
        if (count > 0)
        {
            FusedAxpy.Run<TOps, TVec, T>(
                ref MemoryMarshal.GetReference(e), n, count, n,
                in theta[1], columns,
                in MemoryMarshal.GetReference(d), rows, 1, rows);
        }
    }
}
