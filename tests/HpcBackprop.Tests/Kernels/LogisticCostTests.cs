using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>LogisticCost against its naive loop and a high-precision evaluation, once per element type.</summary>
/// <remarks>
/// Error budget of one term y softplus(-z) + (1 - y) softplus(z) on one path, with E = Fp.ElementaryUlpsInU:
/// t = e^-|z| within E u; log(1 + t) by Goldberg's trick within 5 u plus E u for log plus E u carried from t
/// (d log1p / dt times t / log1p &lt;= 1); softplus adds two nonnegative numbers (+1 u); 1 - y, the two products
/// and their sum add 3 u: (2 E + 9) u relative to the term, whose parts are all nonnegative for y in [0, 1].
/// Summing n nonnegative terms adds gamma_n. Two paths differ by at most twice the sum of those.
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

    // log(1 + t) by Goldberg's trick, as the kernel's scalar definition writes it.
    private static T Log1P(T t)
    {
        T u = T.One + t;
        return u == T.One ? t : T.Log(u) * (t / (u - T.One));
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

[Trait("Category", "Simd")]
public sealed class LogisticCostFloatTests : LogisticCostTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class LogisticCostDoubleTests : LogisticCostTests<double>
{
}
