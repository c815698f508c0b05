using System.Numerics;
using System.Runtime.Intrinsics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Tests.Kernels;

/// <summary>LogisticCost against its naive loop and a high-precision evaluation, once per element type.</summary>
/// <remarks>
/// Error budget of one term y softplus(-z) + (1 - y) softplus(z) on one path, with E = Fp.ElementaryUlpsInU:
/// t = e^-|z| within E u; log(1 + t) within 5 u plus E u carried from t (d log1p / dt times t / log1p &lt;= 1), by the
/// kernel's series (<see cref="LogisticCost.Log1P{TOps, TVec, T}"/>, checked on its own below); by the naive loop's
/// Goldberg's trick, within 5 u plus E u for its log plus the E u from t. Softplus adds two nonnegative numbers (+1 u);
/// 1 - y, the two products and their sum add 3 u: at most (2 E + 9) u relative to the term on either path, whose
/// parts are all nonnegative for y in [0, 1]. Summing n nonnegative terms adds gamma_n. Two paths differ by at most
/// twice the sum of those.
/// </remarks>
public abstract class LogisticCostTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly double TermBoundInU = (2 * Fp<T>.ElementaryUlpsInU) + 9;

    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(ushort length, byte offset, int seed)
        => Check(length % 301, offset % 17, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(n, n % 5, seed: n));

    // Saturated units: h = g(z) rounds to exactly 0 or 1, where the literal log(1 - h) or log h is -infinity;
    // the stable form must give a finite cost equal to a high-precision evaluation.
    [Property(MaxTest = 40)]
    public void Saturated_units_give_a_finite_cost_equal_to_a_high_precision_evaluation(ushort length, int seed)
    {
        int n = 1 + (length % 300);
        var random = new Random(seed);
        double[] saturated = [40, -40, 100, -100, 1000, -1000];
        var z = new T[n];
        var y = new T[n];
        double reference = 0;
        for (int i = 0; i < n; i++)
        {
            z[i] = Fp<T>.Of(saturated[random.Next(saturated.Length)]);
            y[i] = random.Next(2) == 0 ? T.Zero : T.One;
            reference += (Fp<T>.D(y[i]) * Softplus(-Fp<T>.D(z[i]))) + ((1 - Fp<T>.D(y[i])) * Softplus(Fp<T>.D(z[i])));
        }

        double cost = Fp<T>.D(LogisticCost.Sum<T>(z, y));
        Assert.True(double.IsFinite(cost), $"cost {cost}");

        // The reference's own error (double, every |z| >= 40) is at most gamma_n in double: below one u of T
        // for float, and covered by the second gamma_n for double. A term that is subnormal in T (e^-100 in
        // float) carries an absolute error of a subnormal per rounding, 4 roundings per term at most.
        double bound = (((2 * Fp<T>.Gamma(n)) + (TermBoundInU * Fp<T>.U)) * reference) + (4 * n * Fp<T>.Subnormal);
        KernelAssert.Within(cost, reference, bound, $"J terms of {n} saturated units");
    }

    [Fact]
    public void The_literal_formula_is_minus_infinity_where_the_stable_one_is_finite()
    {
        // z = 40: h = 1 / (1 + e^-40) rounds to 1 in float and in double, so log(1 - h) = log(0).
        T z = Fp<T>.Of(40);
        T h = T.One / (T.One + T.Exp(-z));
        Assert.True(T.IsNegativeInfinity(T.Log(T.One - h)));
        Assert.Equal(40.0, Fp<T>.D(LogisticCost.Sum<T>([z], [T.Zero])), 1e-6);
    }

    // log(1 + t) on the active width against the exact value (a fixed-point series, not another floating-point log),
    // for t across (0, 1]: uniform, log-uniform down to 2^-120, and the ends.
    [Property(MaxTest = 40)]
    public void Log1P_is_within_five_u_of_the_exact_value(int seed)
    {
        var random = new Random(seed);
        var t = new T[64 + random.Next(64)];
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = Fp<T>.Of(random.Next(2) == 0 ? random.NextDouble() : Math.ScaleB(1 + random.NextDouble(), -1 - random.Next(120)));
        }

        CheckLog1P(t);
    }

    [Fact]
    public void Log1P_is_right_at_the_ends_and_below_the_normal_range()
    {
        T half = Fp<T>.Of(0.5);
        CheckLog1P(
        [
            T.Zero, T.Epsilon, Fp<T>.Of(3 * Fp<T>.Subnormal), Fp<T>.Of(Math.ScaleB(1.0, typeof(T) == typeof(float) ? -126 : -1022)), Fp<T>.Of(Fp<T>.U), Fp<T>.Of(2 * Fp<T>.U),
            Fp<T>.Of(1e-3), Fp<T>.Of(0.25), T.BitDecrement(half), half, T.BitIncrement(half), T.BitDecrement(T.One), T.One,
        ]);
    }

    [Fact]
    public void Mismatched_lengths_throw()
    {
        Assert.Throws<ArgumentException>(() => LogisticCost.Sum<T>(new T[10], new T[11]));
        Assert.Throws<ArgumentException>(() => LogisticCost.Sum<T>(new T[10], new T[9]));
    }

    // softplus(x) = max(x, 0) + log(1 + e^-|x|) in double; where e^-|x| &lt; 1e-3 the series t - t^2/2 + t^3/3
    // is exact to double precision (the next term is below t^4/4 &lt; 2.5e-13 t).
    private static double Softplus(double x)
    {
        double t = Math.Exp(-Math.Abs(x));
        double log1p = t < 1e-3 ? t - (t * t / 2) + (t * t * t / 3) : Math.Log(1 + t);
        return Math.Max(x, 0) + log1p;
    }

    // log(1 + t) by Goldberg's trick over T's own log: another formula than the kernel's series.
    private static T Log1P(T t)
    {
        T u = T.One + t;
        return u == T.One ? t : T.Log(u) * (t / (u - T.One));
    }

    // Within 5 u of the exact log(1 + t) (the kernel's derivation), plus one subnormal: for subnormal t, s = t / 2 rounds.
    private static void CheckLog1P(T[] t)
    {
        T[] result = Lanes<T>.Evaluate<Log1PLanes>(t);
        for (int i = 0; i < t.Length; i++)
        {
            double ti = Fp<T>.D(t[i]);
            double exact = ExactLog1P.Of(ti);
            double error = ExactLog1P.Error(Fp<T>.D(result[i]), ti);
            double bound = (5 * Fp<T>.U * exact) + Fp<T>.Subnormal;
            Assert.True(error <= bound, $"log(1 + {ti:R}): got {Fp<T>.D(result[i]):R}, exact {exact:R}, error {error:R} > bound {bound:R}");
        }
    }

    private readonly struct Log1PLanes : ILaneFunction<T>
    {
        public TVec Apply<TOps, TVec>(TVec t)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            => LogisticCost.Log1P<TOps, TVec, T>(t);
    }

    private static void Check(int n, int offset, int seed)
    {
        var data = new TestData<T>(seed);
        var z = data.Slice(n, offset, data.SigmoidArgument);
        var y = data.Slice(n, (offset * 7) % 17, data.Target);
        T cost = LogisticCost.Sum<T>(z.Span, y.Span);

        // The naive loop: the scalar definition term by term, summed in order.
        T expected = T.Zero;
        double sumAbs = 0;
        for (int i = 0; i < n; i++)
        {
            T zi = z[i], yi = y[i];
            T l = Log1P(T.Exp(-T.Abs(zi)));
            T term = (yi * (T.Max(-zi, T.Zero) + l)) + ((T.One - yi) * (T.Max(zi, T.Zero) + l));
            expected += term;
            sumAbs += Math.Abs(Fp<T>.D(term));
        }

        double bound = (2 * (Fp<T>.Gamma(Math.Max(n, 1)) + (TermBoundInU * Fp<T>.U)) * sumAbs) + (4 * n * Fp<T>.Subnormal);
        KernelAssert.Within(Fp<T>.D(cost), Fp<T>.D(expected), bound, $"sum of {n} cost terms");
    }
}

/// <summary>log(1 + t) for t in [0, 1], exactly enough: 2 atanh(s), s = t / (2 + t), in 400-bit binary fixed point.</summary>
internal static class ExactLog1P
{
    private const int Bits = 400;

    /// <summary>Below this t, log(1 + t) = t (1 - t/2 + ...) is t itself to 2^-121 relative.</summary>
    private static readonly double Tiny = Math.ScaleB(1.0, -120);

    /// <summary>log(1 + t) rounded to a double, for messages.</summary>
    public static double Of(double t) => t < Tiny ? t : Math.ScaleB((double)Fixed(t), -Bits);

    /// <summary>|approximation - log(1 + t)|, formed exactly and rounded once.</summary>
    public static double Error(double approximation, double t)
    {
        if (t < Tiny)
        {
            return Math.Abs(approximation - t); // exact: both are T values within a factor 2 of each other, or tiny
        }

        // The approximation keeps its sign, so a result of the wrong sign is far from the exact value.
        (BigInteger m, int q) = ExactExp.Split(approximation);
        BigInteger scaled = ExactExp.TimesPowerOfTwo(approximation < 0 ? -m : m, q + Bits);
        return Math.ScaleB((double)BigInteger.Abs(scaled - Fixed(t)), -Bits);
    }

    // log(1 + t) x 2^Bits, truncated; each series term is truncated to 2^-Bits, some 2^-390 in all.
    private static BigInteger Fixed(double t)
    {
        // t = m 2^q with q <= 0 for t <= 1: s = t / (2 + t) = m / (2^(1 - q) + m).
        (BigInteger m, int q) = ExactExp.Split(t);
        BigInteger s = (m << Bits) / ((BigInteger.One << (1 - q)) + m);
        BigInteger s2 = (s * s) >> Bits;
        BigInteger sum = BigInteger.Zero, power = s;
        for (int j = 0; !power.IsZero; j++)
        {
            sum += power / ((2 * j) + 1);
            power = (power * s2) >> Bits;
        }

        return sum << 1;
    }
}

[Trait("Category", "Simd")]
public sealed class LogisticCostFloatTests : LogisticCostTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class LogisticCostDoubleTests : LogisticCostTests<double>
{
}
