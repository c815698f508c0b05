using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// y += alpha_0 x_0 + alpha_1 x_1 + ... (BLAS axpyf): several scaled rows accumulated into one row in one
/// pass, so y is loaded and stored once per four terms. The building block of <see cref="RankOneUpdate"/>
/// (x_k = the activations of example k) and <see cref="GemvTransposed"/> (x_k = row k of Theta).
/// </summary>
/// <remarks>
/// Each y[j] receives its terms one by one in order k = 0, 1, ..., each as one fused multiply-add, so the
/// result does not depend on how the terms are grouped into passes (nor on how a caller splits them
/// across calls): blocking examples leaves Delta bit for bit the same.
/// </remarks>
internal static class FusedAxpy
{
    /// <summary>
    /// y[j] += alpha[k * alphaStride] x[k * xStride + j] for k = 0 .. terms - 1 in order, j = 0 .. n - 1.
    /// y is n elements; x holds the terms' rows xStride apart (n elements each).
    /// </summary>
    public static void Run<TOps, TVec, T>(ref T y, int n, ref readonly T x, int xStride, ref readonly T alpha, int alphaStride, int terms)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n < TOps.Count)
        {
            // Shorter than one vector: no full vector to overlap the tail with, so go element by element
            // (for OpsScalar itself this is n == 0: nothing to do).
            if (n > 0)
            {
                Run<OpsScalar<T>, T, T>(ref y, n, in x, xStride, in alpha, alphaStride, terms);
            }

            return;
        }

        int k = 0;
        for (; k + 4 <= terms; k += 4)
        {
            Pass<TOps, TVec, T, Terms4>(ref y, n, in Unsafe.Add(ref Unsafe.AsRef(in x), k * xStride), xStride, in Unsafe.Add(ref Unsafe.AsRef(in alpha), k * alphaStride), alphaStride);
        }

        ref readonly T xk = ref Unsafe.Add(ref Unsafe.AsRef(in x), k * xStride);
        ref readonly T ak = ref Unsafe.Add(ref Unsafe.AsRef(in alpha), k * alphaStride);
        switch (terms - k)
        {
            case 1: Pass<TOps, TVec, T, Terms1>(ref y, n, in xk, xStride, in ak, alphaStride); break;
            case 2: Pass<TOps, TVec, T, Terms2>(ref y, n, in xk, xStride, in ak, alphaStride); break;
            case 3: Pass<TOps, TVec, T, Terms3>(ref y, n, in xk, xStride, in ak, alphaStride); break;
            default: break;
        }
    }

    // One pass over y applying TCount terms; n >= TOps.Count.
    private static void Pass<TOps, TVec, T, TCount>(ref T y, int n, ref readonly T x, int xStride, ref readonly T alpha, int alphaStride)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TCount : ITermCount
    {
        int w = TOps.Count;
        ref T x0 = ref Unsafe.AsRef(in x);
        ref T x1 = ref Unsafe.Add(ref x0, xStride * Math.Min(1, TCount.Value - 1));
        ref T x2 = ref Unsafe.Add(ref x0, xStride * Math.Min(2, TCount.Value - 1));
        ref T x3 = ref Unsafe.Add(ref x0, xStride * Math.Min(3, TCount.Value - 1));
        ref T a = ref Unsafe.AsRef(in alpha);
        TVec a0 = TOps.Create(a);
        TVec a1 = TOps.Create(Unsafe.Add(ref a, alphaStride * Math.Min(1, TCount.Value - 1)));
        TVec a2 = TOps.Create(Unsafe.Add(ref a, alphaStride * Math.Min(2, TCount.Value - 1)));
        TVec a3 = TOps.Create(Unsafe.Add(ref a, alphaStride * Math.Min(3, TCount.Value - 1)));

        // A ragged tail is served by the last full vector, computed from the original y before the loop
        // and stored after it: the lanes it shares with the loop's last vector get the very same values.
        int lastStart = n - w;
        bool ragged = n % w != 0;
        TVec last = ragged ? Step<TOps, TVec, T, TCount>(ref y, ref x0, ref x1, ref x2, ref x3, a0, a1, a2, a3, lastStart) : TOps.Zero;
        for (int j = 0; j <= lastStart; j += w)
        {
            TOps.Store(Step<TOps, TVec, T, TCount>(ref y, ref x0, ref x1, ref x2, ref x3, a0, a1, a2, a3, j), ref Unsafe.Add(ref y, j));
        }

        if (ragged)
        {
            TOps.Store(last, ref Unsafe.Add(ref y, lastStart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Step<TOps, TVec, T, TCount>(ref T y, ref T x0, ref T x1, ref T x2, ref T x3, TVec a0, TVec a1, TVec a2, TVec a3, int j)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TCount : ITermCount
    {
        TVec acc = TOps.MultiplyAdd(a0, TOps.Load(in Unsafe.Add(ref x0, j)), TOps.Load(in Unsafe.Add(ref y, j)));
        if (TCount.Value > 1)
        {
            acc = TOps.MultiplyAdd(a1, TOps.Load(in Unsafe.Add(ref x1, j)), acc);
        }

        if (TCount.Value > 2)
        {
            acc = TOps.MultiplyAdd(a2, TOps.Load(in Unsafe.Add(ref x2, j)), acc);
        }

        if (TCount.Value > 3)
        {
            acc = TOps.MultiplyAdd(a3, TOps.Load(in Unsafe.Add(ref x3, j)), acc);
        }

        return acc;
    }
}
