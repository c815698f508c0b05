using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// e^x per element, written once for every width: what <see cref="IVectorOps{TVec, T}.Exp"/> computes for
/// the sigmoid and the cost terms.
/// </summary>
/// <remarks>
/// <para>
/// The textbook reduction (Cody and Waite): x = n ln 2 + r with n = round(x / ln 2) and |r| &lt;= ln 2 / 2,
/// so e^x = 2^n e^r. ln 2 is split in two parts, the first with few enough bits that n times it is exact,
/// so r carries no error from the reduction that matters. e^r is its Taylor polynomial: the first neglected
/// term, r^(d+1) / (d+1)!, is at most 0.3466^8 / 8! = 5e-9 for degree d = 7 in float and 0.3466^14 / 14! = 4e-18
/// for d = 13 in double, under 0.1 ulp of e^r &gt;= 0.7 in each. With the roundings of the evaluation the result
/// is within about an ulp of e^x: the tests allow two and measure under 0.75 against an exact series.
/// </para>
/// <para>
/// 2^n is applied in two halves, 2^h and 2^(n - h) with h = round(n / 2), each a normal number: the first
/// product is exact and the second rounds once, so results in the subnormal range are right, and so are
/// overflow to +infinity and underflow to 0. x is first clamped to where those already happen (float
/// [-104, 89], double [-746, 710]); a NaN stays NaN.
/// </para>
/// <para>
/// Why not .NET's <c>Vector256.Exp</c>: it is a call per vector, not inlined, and in float it widens to
/// double and back, about 10 ns per vector of eight on the development machine; and where any lane
/// overflows or underflows it evaluates the whole vector with the scalar function, which is slower still
/// and changes the other lanes by an ulp, so a saturated unit moved its neighbours. This one inlines into a
/// kernel's loop (the sigmoid and the GEMM epilogue; <see cref="LogisticCost"/> calls it out of line, see
/// there), has no branch on the data (but results in the subnormal range take the processor's slow path for
/// subnormals, 2.5x slower per vector; <see cref="OfAtLeast"/> lets a caller that does not need them, like the
/// sigmoid, keep clear of them for free), and every lane's value depends on its own argument alone, at every
/// width: <see cref="OpsScalar{T}"/> runs the same code.
/// </para>
/// </remarks>
internal static class Exponential
{
    /// <summary>e^x per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Compute<TOps, TVec, T>(TVec x)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        // Below these e^x rounds to 0: the scaling produces it.
        => OfAtLeast<TOps, TVec, T>(x, typeof(T) == typeof(float) ? -104.0 : -746.0);

    /// <summary>
    /// e^max(x, <paramref name="lowest"/>) per lane, NaN staying NaN: for a caller to which e^x below some bound makes
    /// no difference (see <see cref="Sigmoid.Of"/>), at no cost, since the argument is clamped anyway.
    /// </summary>
    /// <param name="x">The arguments.</param>
    /// <param name="lowest">At least -104 in float and -746 in double (where e^x has rounded to 0).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec OfAtLeast<TOps, TVec, T>(TVec x, double lowest)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool single = typeof(T) == typeof(float);

        // Above the upper bound e^x rounds to +infinity: the scaling produces it.
        TVec clamped = TOps.Clamp(x, Broadcast.Of<TOps, TVec, T>(lowest), Broadcast.Of<TOps, TVec, T>(single ? 89.0 : 710.0));
        TVec n = TOps.RoundToNearest(TOps.Multiply(clamped, Broadcast.Of<TOps, TVec, T>(1.4426950408889634))); // x / ln 2

        // r = x - n ln 2, with ln 2 = high + low: high has 9 (float) or 32 (double) significant bits, so n high is exact.
        TVec r = TOps.MultiplyAdd(n, Broadcast.Of<TOps, TVec, T>(single ? -0.693359375 : -0.6931471803691238), clamped);
        r = TOps.MultiplyAdd(n, Broadcast.Of<TOps, TVec, T>(single ? 2.1219444005469057e-4 : -1.9082149292705877e-10), r);

        TVec p = single ? Taylor7<TOps, TVec, T>(r) : Taylor13<TOps, TVec, T>(r);

        TVec half = TOps.RoundToNearest(TOps.Multiply(n, Broadcast.Of<TOps, TVec, T>(0.5)));
        TVec e = TOps.ScaleByPowerOfTwo(TOps.ScaleByPowerOfTwo(p, half), TOps.Subtract(n, half));
        return TOps.SelectWhereEqual(x, x, e, x); // NaN in, NaN out
    }

    // e^r ~ 1 + r (1 + r q(r)), q(r) = 1/2! + r/3! + ... + r^5/7!. The two outer steps are Horner's, so the terms
    // near 1 take one rounding each and q's roundings arrive scaled by r^2 <= 0.12; q itself goes by pairs
    // c(k) + c(k+1) r combined with r^2 (Estrin's scheme), a chain of three operations instead of six, because
    // the loops that call this are bound by its latency.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Taylor7<TOps, TVec, T>(TVec r)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVec r2 = TOps.Multiply(r, r);
        TVec q = TOps.MultiplyAdd(r2, TOps.MultiplyAdd(r2, Pair<TOps, TVec, T>(r, 6), Pair<TOps, TVec, T>(r, 4)), Pair<TOps, TVec, T>(r, 2));
        return OnePlusROnePlusRQ<TOps, TVec, T>(r, q);
    }

    // e^r ~ 1 + r (1 + r q(r)), q(r) = 1/2! + r/3! + ... + r^11/13!, as above.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Taylor13<TOps, TVec, T>(TVec r)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVec r2 = TOps.Multiply(r, r);
        TVec r4 = TOps.Multiply(r2, r2);
        TVec p25 = TOps.MultiplyAdd(r2, Pair<TOps, TVec, T>(r, 4), Pair<TOps, TVec, T>(r, 2));
        TVec p69 = TOps.MultiplyAdd(r2, Pair<TOps, TVec, T>(r, 8), Pair<TOps, TVec, T>(r, 6));
        TVec p1013 = TOps.MultiplyAdd(r2, Pair<TOps, TVec, T>(r, 12), Pair<TOps, TVec, T>(r, 10));
        TVec q = TOps.MultiplyAdd(r4, TOps.MultiplyAdd(r4, p1013, p69), p25);
        return OnePlusROnePlusRQ<TOps, TVec, T>(r, q);
    }

    // The pair 1/k! + r/(k+1)! of Estrin's scheme.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Pair<TOps, TVec, T>(TVec r, int k)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => TOps.MultiplyAdd(r, Broadcast.Of<TOps, TVec, T>(InverseFactorial(k + 1)), Broadcast.Of<TOps, TVec, T>(InverseFactorial(k)));

    // 1/k!, as constants the JIT folds into each inlined Pair (k is a literal there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double InverseFactorial(int k) => k switch
    {
        2 => 1.0 / 2,
        3 => 1.0 / 6,
        4 => 1.0 / 24,
        5 => 1.0 / 120,
        6 => 1.0 / 720,
        7 => 1.0 / 5040,
        8 => 1.0 / 40320,
        9 => 1.0 / 362880,
        10 => 1.0 / 3628800,
        11 => 1.0 / 39916800,
        12 => 1.0 / 479001600,
        13 => 1.0 / 6227020800,
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec OnePlusROnePlusRQ<TOps, TVec, T>(TVec r, TVec q)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVec one = Broadcast.Of<TOps, TVec, T>(1.0);
        return TOps.MultiplyAdd(r, TOps.MultiplyAdd(r, q, one), one);
    }
}
