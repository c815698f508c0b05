using System.Numerics;
using System.Runtime.Intrinsics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Tests.Kernels;

/// <summary>
/// The kernels' e^x (<see cref="Exponential"/>) on the active width against e^x evaluated exactly enough:
/// a 256-bit fixed-point series (<see cref="ExactExp"/>), not another floating-point exp.
/// </summary>
public abstract class ExponentialTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly double Lowest = typeof(T) == typeof(float) ? -110 : -750;
    private static readonly double Highest = typeof(T) == typeof(float) ? 92 : 712;

    // Arguments across the whole range, the subnormal results and the overflow threshold included, and near 0.
    [Property(MaxTest = 40)]
    public void Is_within_two_ulps_of_the_exact_value(int seed)
    {
        var random = new Random(seed);
        var x = new T[64 + random.Next(64)];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = Fp<T>.Of(random.Next(4) == 0
                ? (random.NextDouble() - 0.5) * Math.Pow(10, -random.Next(30))
                : Lowest + ((Highest - Lowest) * random.NextDouble()));
        }

        Check(x);
    }

    [Fact]
    public void Special_and_boundary_arguments_are_right()
    {
        T[] x =
        [
            T.Zero, T.NegativeZero, T.Epsilon, -T.Epsilon, Fp<T>.Of(1), Fp<T>.Of(-1), Fp<T>.Of(0.5 * Math.Log(2)), Fp<T>.Of(-0.5 * Math.Log(2)),
            Fp<T>.Of(Math.Log(Fp<T>.MaxValue)), T.BitIncrement(Fp<T>.Of(Math.Log(Fp<T>.MaxValue))), T.BitDecrement(Fp<T>.Of(Math.Log(Fp<T>.MaxValue))),
            Fp<T>.Of(Math.Log(Fp<T>.Subnormal)), Fp<T>.Of(Math.Log(Fp<T>.Subnormal) - (0.5 * Math.Log(2))), Fp<T>.Of((typeof(T) == typeof(float) ? -126 : -1022) * Math.Log(2)),
            Fp<T>.Of(Lowest), Fp<T>.Of(Highest), Fp<T>.Of(-40), Fp<T>.Of(40), Fp<T>.Of(-100), Fp<T>.Of(100),
        ];
        Check(x);
    }

    [Fact]
    public void Infinities_overflow_and_NaN_give_what_the_scalar_function_gives()
    {
        T[] x = [T.PositiveInfinity, T.NegativeInfinity, T.NaN, Fp<T>.Of(Fp<T>.MaxValue), Fp<T>.Of(-Fp<T>.MaxValue), Fp<T>.Of(1e30), Fp<T>.Of(-1e30), Fp<T>.Of(Highest), Fp<T>.Of(Lowest)];
        T[] e = Evaluate(x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(e[i].Equals(T.Exp(x[i])), $"e^{x[i]}: {e[i]}, scalar {T.Exp(x[i])}");
        }
    }

    /// <summary>e^x of each element on the active width.</summary>
    internal static T[] Evaluate(T[] x) => Lanes<T>.Evaluate<Exp>(x);

    private readonly struct Exp : ILaneFunction<T>
    {
        public TVec Apply<TOps, TVec>(TVec x)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            => Exponential.Compute<TOps, TVec, T>(x);
    }

    // Within 2 ulps (4 u) of e^x relative, plus one subnormal where the result is subnormal; where e^x is within that
    // of the overflow threshold either a finite value or infinity is right.
    private static void Check(T[] x)
    {
        T[] e = Evaluate(x);
        double relative = Fp<T>.ElementaryUlpsInU * Fp<T>.U;
        for (int i = 0; i < x.Length; i++)
        {
            (BigInteger exact, int exponent) = ExactExp.Of(double.CreateTruncating(x[i]));
            double magnitude = ExactExp.ToDouble(exact, exponent);

            // Against the overflow threshold in units of 2^16, so that an e^x beyond double's range stays finite here.
            double scaledMagnitude = ExactExp.ToDouble(exact, exponent - 16), scaledMax = Fp<T>.MaxValue / 65536;
            if (scaledMagnitude > scaledMax * (1 + relative))
            {
                Assert.True(T.IsPositiveInfinity(e[i]), $"e^{x[i]:R} = {scaledMagnitude:R} x 2^16 overflows, got {e[i]:R}");
                continue;
            }

            if (T.IsPositiveInfinity(e[i]) && scaledMagnitude > scaledMax * (1 - relative))
            {
                continue;
            }

            Assert.True(T.IsFinite(e[i]) && e[i] >= T.Zero, $"e^{x[i]:R}: got {e[i]:R}");
            double error = ExactExp.ErrorRelativeTo(double.CreateTruncating(e[i]), exact, exponent);
            double bound = (relative * magnitude) + Fp<T>.Subnormal;
            Assert.True(error <= bound, $"e^{x[i]:R}: got {e[i]:R}, exact {magnitude:R}, error {error:R} > bound {bound:R}");
        }
    }
}

/// <summary>e^x for a double x, exactly to about 250 bits: binary fixed point in a <see cref="BigInteger"/>.</summary>
internal static class ExactExp
{
    private const int Bits = 256;
    private static readonly BigInteger One = BigInteger.One << Bits;

    // ln 2 = sum over k >= 1 of 1 / (k 2^k); 300 terms, each truncated to 2^-256, leave an error of about 2^-248.
    private static readonly BigInteger Ln2 = Enumerable.Range(1, 300).Aggregate(BigInteger.Zero, (sum, k) => sum + (One / (k * (BigInteger.One << k))));

    /// <summary>e^x = value x 2^(exponent - Bits), value &gt; 0.</summary>
    public static (BigInteger Value, int Exponent) Of(double x)
    {
        // x = n ln 2 + r, |r| <= ln 2 / 2 (to the fixed point's resolution), then the series of e^r.
        BigInteger fixedX = ToFixed(x);
        BigInteger n = BigInteger.Divide(fixedX + (Ln2 / 2) * fixedX.Sign, Ln2);
        BigInteger r = fixedX - (n * Ln2);
        BigInteger sum = One, term = One;
        for (int k = 1; !term.IsZero; k++)
        {
            term = term * r / One / k;
            sum += term;
        }

        return (sum, (int)n);
    }

    public static double ToDouble(BigInteger value, int exponent) => Math.ScaleB((double)value, exponent - Bits);

    /// <summary>|approximation - e^x| for e^x = value x 2^(exponent - Bits), computed exactly and then rounded.</summary>
    public static double ErrorRelativeTo(double approximation, BigInteger value, int exponent)
    {
        // approximation = m 2^q exactly; scale both to a common power of two. When the approximation is some 2^200
        // times smaller than e^x (a result flushed to 0, say), coarsening m to e^x's units changes the error by
        // less than 2^-250 of it.
        (BigInteger m, int q) = Split(approximation);
        return ToDouble(BigInteger.Abs(TimesPowerOfTwo(m, q - (exponent - Bits)) - value), exponent);
    }

    private static BigInteger ToFixed(double x)
    {
        (BigInteger m, int q) = Split(x);
        BigInteger magnitude = TimesPowerOfTwo(m, q + Bits);
        return x < 0 ? -magnitude : magnitude;
    }

    /// <summary>|x| = m 2^q exactly, x finite.</summary>
    internal static (BigInteger M, int Q) Split(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int biased = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        return biased == 0 ? (mantissa, -1074) : (mantissa | (1L << 52), biased - 1075);
    }

    /// <summary>value 2^shift, truncated toward zero when shift &lt; 0.</summary>
    internal static BigInteger TimesPowerOfTwo(BigInteger value, int shift) => shift >= 0 ? value << shift : value >> -shift;
}

[Trait("Category", "Simd")]
public sealed class ExponentialFloatTests : ExponentialTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class ExponentialDoubleTests : ExponentialTests<double>
{
}
