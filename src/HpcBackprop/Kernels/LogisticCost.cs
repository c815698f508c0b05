using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// The cross-entropy terms of the cost computed stably from the pre-activations z:
/// sum_k [ y_k softplus(-z_k) + (1 - y_k) softplus(z_k) ], which equals
/// -sum_k [ y_k log h_k + (1 - y_k) log(1 - h_k) ] with h = g(z).
/// </summary>
/// <remarks>
/// log h = -softplus(-z) and log(1 - h) = -softplus(z), with softplus(x) = max(x, 0) + log(1 + e^-|x|).
/// Unlike the literal formula, a saturated unit (h rounded to exactly 0 or 1) gives a finite, correct
/// term instead of log(0) = -infinity. log(1 + t) for t = e^-|x| in [0, 1] (0 where e^-|x| underflows) is 2 atanh(s)
/// with s = t / (2 + t) in [0, 1/3], by its series (<see cref="Log1P{TOps, TVec, T}"/>): accurate also where t is tiny, and with no
/// call to a general log. .NET's vector log, which this kernel called before, is a generic method the JIT does not
/// inline, so a process ran it as tier-0 code for its first few hundred milliseconds (README, "Tiered compilation").
/// </remarks>
internal static class LogisticCost
{
    /// <summary>The sum over i of y[i] softplus(-z[i]) + (1 - y[i]) softplus(z[i]).</summary>
    /// <remarks>Summed in a fixed order for a given length and width, no lane counted twice (see <see cref="Reduction"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Sum<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(y.Length, z.Length, nameof(y));
        return Reduction.Sum<Term, T>(default, z, y);
    }

    // y softplus(-z) + (1 - y) softplus(z), per element.
    private readonly struct Term : IElementwiseOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Invoke<TOps, TVec, T>(TVec z, TVec y)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TVec zero = TOps.Zero;
            TVec one = TOps.Create(T.One);
            TVec t = Exp<TOps, TVec, T>(TOps.Negate(TOps.Abs(z)));    // e^-|z| in (0, 1]
            TVec log1p = Log1P<TOps, TVec, T>(t);
            TVec softplusPos = TOps.Add(TOps.Max(z, zero), log1p);                 // softplus(z)  = -log(1 - h)
            TVec softplusNeg = TOps.Add(TOps.Max(TOps.Negate(z), zero), log1p);    // softplus(-z) = -log(h)
            return TOps.Add(TOps.Multiply(y, softplusNeg), TOps.Multiply(TOps.Subtract(one, y), softplusPos));
        }

        // Not inlined. With .NET's vector log in the loop (before Log1P), an inlined exp's constants went to the stack and
        // back around every log call (no vector register survives a call on x64 Unix), and the float cost took 1.5x as long.
        // Without that call it is still slower inlined: the float cost of 50000 terms took 77-225 us against 42 us as a call
        // (double 233-256 against 106-119 us; Zen 5, 512 bits, pinned, min over 40 rounds of 200, two alternations).
        // Optimized from its first call: a method the optimized loop calls rather than inlines goes through tier 0 of its
        // own, where nothing inlines, so the exp's helpers ran as tier-0 calls for the first few hundred milliseconds of a
        // process (README, "Tiered compilation").
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static TVec Exp<TOps, TVec, T>(TVec x)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            where T : unmanaged, IFloatingPointIeee754<T>
            => TOps.Exp(x);
    }

    /// <summary>log(1 + t) for t in [0, 1], lane by lane.</summary>
    /// <remarks>
    /// 2 atanh(s) = 2 s P(q), P(q) = 1 + q/3 + q^2/5 + ..., with s = t / (2 + t) in [0, 1/3] and q = s^2 &lt;= 1/9, by
    /// Horner's scheme in q, cut after n = 7 terms in float and 16 in double. The rest, sum over j &gt;= n of q^j / (2j + 1)
    /// over P, is at most 0.2494 u in float and 0.158 u in double (at q = 1/9). Rounding: s takes 2 u (the sum and the
    /// quotient) and reaches the result with a factor 1 + 2 q P'(q) / P(q) &lt;= 1.082, so 2.16 u; q's own rounding is
    /// scaled by q P'(q) / P(q) &lt;= 0.041; Horner's steps come to about 1.1 u (each inner step's error is scaled by q),
    /// the coefficients' rounding to about 0.02 u, and the final product to 1 u: about 4.6 u, within 5 u, plus the
    /// error of t itself, carried with a factor t / ((1 + t) log(1 + t)) &lt;= 1. Below u, 2 + t rounds to 2 and the
    /// result is 2 fl(t / 2): t itself for normal t above the lowest binade, else within one subnormal of it
    /// (T.Epsilon gives 0); t = 0 gives 0.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVec Log1P<TOps, TVec, T>(TVec t)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVec s = TOps.Divide(t, TOps.Add(Broadcast.Of<TOps, TVec, T>(2.0), t));
        TVec q = TOps.Multiply(s, s);
        TVec p;
        if (typeof(T) == typeof(float))
        {
            p = Broadcast.Of<TOps, TVec, T>(1.0 / 13);
        }
        else
        {
            p = Broadcast.Of<TOps, TVec, T>(1.0 / 31);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 29);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 27);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 25);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 23);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 21);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 19);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 17);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 15);
            p = Step<TOps, TVec, T>(p, q, 1.0 / 13);
        }

        p = Step<TOps, TVec, T>(p, q, 1.0 / 11);
        p = Step<TOps, TVec, T>(p, q, 1.0 / 9);
        p = Step<TOps, TVec, T>(p, q, 1.0 / 7);
        p = Step<TOps, TVec, T>(p, q, 1.0 / 5);
        p = Step<TOps, TVec, T>(p, q, 1.0 / 3);
        p = Step<TOps, TVec, T>(p, q, 1.0);
        return TOps.Multiply(TOps.Add(s, s), p);
    }

    // p q + c, with c a constant the JIT folds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Step<TOps, TVec, T>(TVec p, TVec q, double c)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => TOps.MultiplyAdd(p, q, Broadcast.Of<TOps, TVec, T>(c));
}
