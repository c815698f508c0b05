using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// y_r += alpha_r0 x_0 + alpha_r1 x_1 + ... for a few target rows y_r at once (BLAS axpyf, for several
/// targets): each pass loads a chunk of up to four source rows x_k once, applies it to two targets, and
/// loads and stores each target chunk once per four terms. The building block of <see cref="RankOneUpdate"/>
/// (targets = rows of Delta, x_k = the activations of example k) and <see cref="GemvTransposed"/>
/// (targets = the examples' e, x_k = row k of Theta).
/// </summary>
/// <remarks>
/// Each y_r[j] receives its terms one by one in order k = 0, 1, ..., each as one fused multiply-add, so the
/// result does not depend on how terms or targets are grouped into passes (nor on how a caller splits the
/// terms across calls): blocking examples leaves Delta bit for bit the same.
/// </remarks>
internal static class FusedAxpy
{
    /// <summary>
    /// For r = 0 .. targets - 1 and k = 0 .. terms - 1 in order:
    /// y[r * yStride + j] += alpha[r * alphaTargetStride + k * alphaTermStride] x[k * xStride + j], j = 0 .. n - 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Run<TOps, TVec, T>(
        ref T y, int yStride, int targets, int n,
        ref readonly T x, int xStride,
        ref readonly T alpha, int alphaTargetStride, int alphaTermStride, int terms)
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
                Run<OpsScalar<T>, T, T>(ref y, yStride, targets, n, in x, xStride, in alpha, alphaTargetStride, alphaTermStride, terms);
            }

            return;
        }

        var shape = new Shape(n, xStride, alphaTargetStride, alphaTermStride);
        int r = 0;
        for (; r + 2 <= targets; r += 2)
        {
            Terms<TOps, TVec, T, Count2>(ref Unsafe.Add(ref y, r * yStride), yStride, in x, in Unsafe.Add(ref Unsafe.AsRef(in alpha), r * alphaTargetStride), shape, terms);
        }

        if (r < targets)
        {
            Terms<TOps, TVec, T, Count1>(ref Unsafe.Add(ref y, r * yStride), yStride, in x, in Unsafe.Add(ref Unsafe.AsRef(in alpha), r * alphaTargetStride), shape, terms);
        }
    }

    // All the terms for TTargets targets, four per pass.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Terms<TOps, TVec, T, TTargets>(ref T y, int yStride, ref readonly T x, ref readonly T alpha, Shape shape, int terms)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTargets : IStaticCount
    {
        int k = 0;
        for (; k + 4 <= terms; k += 4)
        {
            Pass<TOps, TVec, T, TTargets, Count4>(ref y, yStride, in Unsafe.Add(ref Unsafe.AsRef(in x), k * shape.XStride), in Unsafe.Add(ref Unsafe.AsRef(in alpha), k * shape.AlphaTermStride), shape);
        }

        ref readonly T xk = ref Unsafe.Add(ref Unsafe.AsRef(in x), k * shape.XStride);
        ref readonly T ak = ref Unsafe.Add(ref Unsafe.AsRef(in alpha), k * shape.AlphaTermStride);
        switch (terms - k)
        {
            case 1: Pass<TOps, TVec, T, TTargets, Count1>(ref y, yStride, in xk, in ak, shape); break;
            case 2: Pass<TOps, TVec, T, TTargets, Count2>(ref y, yStride, in xk, in ak, shape); break;
            case 3: Pass<TOps, TVec, T, TTargets, Count3>(ref y, yStride, in xk, in ak, shape); break;
            default: break;
        }
    }

    // One pass over TTargets target rows applying TTerms terms; n >= TOps.Count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Pass<TOps, TVec, T, TTargets, TTerms>(ref T y0, int yStride, ref readonly T x, ref readonly T alpha, Shape shape)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTargets : IStaticCount
        where TTerms : IStaticCount
    {
        int n = shape.N, w = TOps.Count;
        ref T y1 = ref Unsafe.Add(ref y0, yStride * (TTargets.Value - 1));
        var rows = new SourceRows<T>(ref Unsafe.AsRef(in x), shape.XStride, TTerms.Value);
        Scalars<TVec> s0 = Broadcast<TOps, TVec, T>(in alpha, shape.AlphaTermStride, TTerms.Value);
        Scalars<TVec> s1 = Broadcast<TOps, TVec, T>(in Unsafe.Add(ref Unsafe.AsRef(in alpha), shape.AlphaTargetStride * (TTargets.Value - 1)), shape.AlphaTermStride, TTerms.Value);

        // A ragged tail is served by the last full vector, computed from the original y before the loop and
        // stored after it: the lanes it shares with the loop's last vector get the very same values, because
        // each lane is computed on its own.
        int lastStart = n - w;
        bool ragged = n % w != 0;
        TVec last0 = TOps.Zero, last1 = TOps.Zero;
        if (ragged)
        {
            Chunk<TOps, TVec, T, TTargets, TTerms>(ref y0, ref y1, rows, s0, s1, lastStart, out last0, out last1);
        }

        // Two chunks per iteration: with one or two terms a chunk is a handful of loads and stores, and the loop's
        // own counting was a third of the work (each chunk is stored before the next is computed, so no more
        // registers are live than with one).
        int j = 0;
        for (; j <= lastStart - w; j += 2 * w)
        {
            Chunk<TOps, TVec, T, TTargets, TTerms>(ref y0, ref y1, rows, s0, s1, j, out TVec r0, out TVec r1);
            TOps.Store(r0, ref Unsafe.Add(ref y0, j));
            if (TTargets.Value > 1)
            {
                TOps.Store(r1, ref Unsafe.Add(ref y1, j));
            }

            Chunk<TOps, TVec, T, TTargets, TTerms>(ref y0, ref y1, rows, s0, s1, j + w, out r0, out r1);
            TOps.Store(r0, ref Unsafe.Add(ref y0, j + w));
            if (TTargets.Value > 1)
            {
                TOps.Store(r1, ref Unsafe.Add(ref y1, j + w));
            }
        }

        if (j <= lastStart)
        {
            Chunk<TOps, TVec, T, TTargets, TTerms>(ref y0, ref y1, rows, s0, s1, j, out TVec r0, out TVec r1);
            TOps.Store(r0, ref Unsafe.Add(ref y0, j));
            if (TTargets.Value > 1)
            {
                TOps.Store(r1, ref Unsafe.Add(ref y1, j));
            }
        }

        if (ragged)
        {
            TOps.Store(last0, ref Unsafe.Add(ref y0, lastStart));
            if (TTargets.Value > 1)
            {
                TOps.Store(last1, ref Unsafe.Add(ref y1, lastStart));
            }
        }
    }

    // The updated chunk j of both targets (r1 only when TTargets is 2); each source chunk is loaded once.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Chunk<TOps, TVec, T, TTargets, TTerms>(ref T y0, ref T y1, SourceRows<T> rows, Scalars<TVec> s0, Scalars<TVec> s1, int j, out TVec r0, out TVec r1)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTargets : IStaticCount
        where TTerms : IStaticCount
    {
        TVec v0 = TOps.Load(in Unsafe.Add(ref rows.X0, j));
        TVec v1 = TTerms.Value > 1 ? TOps.Load(in Unsafe.Add(ref rows.X1, j)) : v0;
        TVec v2 = TTerms.Value > 2 ? TOps.Load(in Unsafe.Add(ref rows.X2, j)) : v0;
        TVec v3 = TTerms.Value > 3 ? TOps.Load(in Unsafe.Add(ref rows.X3, j)) : v0;
        r0 = Apply<TOps, TVec, T, TTerms>(TOps.Load(in Unsafe.Add(ref y0, j)), v0, v1, v2, v3, s0);
        r1 = TTargets.Value > 1 ? Apply<TOps, TVec, T, TTerms>(TOps.Load(in Unsafe.Add(ref y1, j)), v0, v1, v2, v3, s1) : r0;
    }

    // acc + s.K0 v0 + s.K1 v1 + ..., one FMA per term, in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Apply<TOps, TVec, T, TTerms>(TVec acc, TVec v0, TVec v1, TVec v2, TVec v3, Scalars<TVec> s)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TTerms : IStaticCount
    {
        acc = TOps.MultiplyAdd(s.K0, v0, acc);
        acc = TTerms.Value > 1 ? TOps.MultiplyAdd(s.K1, v1, acc) : acc;
        acc = TTerms.Value > 2 ? TOps.MultiplyAdd(s.K2, v2, acc) : acc;
        return TTerms.Value > 3 ? TOps.MultiplyAdd(s.K3, v3, acc) : acc;
    }

    // The scalars of up to four terms, each broadcast to a vector (unused ones repeat the first).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Scalars<TVec> Broadcast<TOps, TVec, T>(ref readonly T alpha, int stride, int terms)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a = ref Unsafe.AsRef(in alpha);
        return new Scalars<TVec>(
            TOps.Create(a),
            TOps.Create(Unsafe.Add(ref a, stride * Math.Min(1, terms - 1))),
            TOps.Create(Unsafe.Add(ref a, stride * Math.Min(2, terms - 1))),
            TOps.Create(Unsafe.Add(ref a, stride * Math.Min(3, terms - 1))));
    }

    private readonly record struct Shape(int N, int XStride, int AlphaTargetStride, int AlphaTermStride);

    private readonly record struct Scalars<TVec>(TVec K0, TVec K1, TVec K2, TVec K3);

    // Up to four source rows, xStride apart (unused ones repeat the last).
    private readonly ref struct SourceRows<T>
    {
        public readonly ref T X0;
        public readonly ref T X1;
        public readonly ref T X2;
        public readonly ref T X3;

        public SourceRows(ref T x, int stride, int terms)
        {
            X0 = ref x;
            X1 = ref Unsafe.Add(ref x, stride * Math.Min(1, terms - 1));
            X2 = ref Unsafe.Add(ref x, stride * Math.Min(2, terms - 1));
            X3 = ref Unsafe.Add(ref x, stride * Math.Min(3, terms - 1));
        }
    }
}
