using System.Numerics;
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
    /// Row-major Theta makes this a sum of scaled rows: e[t, :] = sum_i d[t, i] Theta[i, 1:], four rows fused
    /// per pass over e[t, :] (<see cref="FusedAxpy"/>), the terms added in order of i. The rows a block's
    /// examples share come from L1 after the first example.
    /// </remarks>
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

        ref readonly T theta1 = ref theta[1];                    // Theta[0, 1]; row i starts i * columns further on
        for (int t = 0; t < count; t++)
        {
            Span<T> et = e.Slice(t * n, n);                      // e[t, :]
            FusedAxpy.Run<TOps, TVec, T>(ref MemoryMarshal.GetReference(et), n, in theta1, columns, in d[t * rows], 1, rows);
        }
    }
}
