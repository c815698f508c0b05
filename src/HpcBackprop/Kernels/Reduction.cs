using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// The one driver of the summing kernels (<see cref="LogisticCost"/>, <see cref="SumOfSquares"/>): the sum over
/// i of op(x[i], y[i]) at the width <see cref="SimdPath.Active"/>. Lengths are checked by the caller.
/// </summary>
/// <remarks>
/// Four vector accumulators (so the adds are not one dependent chain) take the full vectors in turn, then one
/// takes what is left of the full vectors; they are added as (a0 + a1) + (a2 + a3), summed horizontally, and
/// the tail of fewer than one vector is added element by element. No lane is counted twice (no overlapping
/// tail), and the order depends only on the length and the width, never on alignment, so a path is
/// reproducible run to run.
/// </remarks>
internal static class Reduction
{
    /// <summary>The sum over i of op(x[i], y[i]); y has x's length (a unary op may pass x again).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Sum<TOp, T>(TOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where TOp : IElementwiseOperator
        where T : unmanaged, IFloatingPointIeee754<T>
        => SimdPath.Active switch
        {
            SimdWidth.Vector512 => Run<TOp, Ops512<T>, Vector512<T>, T>(op, x, y),
            SimdWidth.Vector256 => Run<TOp, Ops256<T>, Vector256<T>, T>(op, x, y),
            SimdWidth.Vector128 => Run<TOp, Ops128<T>, Vector128<T>, T>(op, x, y),
            _ => Run<TOp, OpsScalar<T>, T, T>(op, x, y),
        };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static T Run<TOp, TOps, TVec, T>(TOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where TOp : IElementwiseOperator
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        int w = TOps.Count;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        int i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            a0 = TOps.Add(a0, Term<TOp, TOps, TVec, T>(op, ref xr, ref yr, i));
            a1 = TOps.Add(a1, Term<TOp, TOps, TVec, T>(op, ref xr, ref yr, i + w));
            a2 = TOps.Add(a2, Term<TOp, TOps, TVec, T>(op, ref xr, ref yr, i + (2 * w)));
            a3 = TOps.Add(a3, Term<TOp, TOps, TVec, T>(op, ref xr, ref yr, i + (3 * w)));
        }

        for (; i <= n - w; i += w)
        {
            a0 = TOps.Add(a0, Term<TOp, TOps, TVec, T>(op, ref xr, ref yr, i));
        }

        T sum = TOps.Sum(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)));
        for (; i < n; i++)
        {
            sum += op.Invoke<OpsScalar<T>, T, T>(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Term<TOp, TOps, TVec, T>(TOp op, ref T x, ref T y, int i)
        where TOp : IElementwiseOperator
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => op.Invoke<TOps, TVec, T>(TOps.Load(in Unsafe.Add(ref x, i)), TOps.Load(in Unsafe.Add(ref y, i)));
}
