using System.Numerics;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Tests.Kernels;

/// <summary>Precision constants and error bounds for one element type.</summary>
/// <remarks>
/// The bounds follow Higham, "Accuracy and Stability of Numerical Algorithms", ch. 3: with unit roundoff
/// u (2^-24 float, 2^-53 double) and gamma_k = k u / (1 - k u), any evaluation of a dot product
/// s = sum_{k=1..K} p_k q_k (any summation order, with or without FMA) satisfies
/// |fl(s) - s| &lt;= gamma_K sum_k |p_k q_k|. Two evaluations in different orders (the naive loop and the
/// kernel) therefore differ by at most 2 gamma_K sum_k |p_k q_k|. Where products underflow, each rounding
/// can add an absolute error of up to the smallest subnormal, so K of them add K times that.
/// </remarks>
internal static class Fp<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The unit roundoff u: 2^-24 for float, 2^-53 for double.</summary>
    public static readonly double U = typeof(T) == typeof(float) ? Math.ScaleB(1.0, -24) : Math.ScaleB(1.0, -53);

    /// <summary>The largest finite T, as a double.</summary>
    public static readonly double MaxValue = typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue;

    /// <summary>The smallest positive subnormal of T, as a double.</summary>
    public static readonly double Subnormal = double.CreateTruncating(T.Epsilon);

    /// <summary>
    /// Error budget of one elementary function (exp, log) relative to its result, in units of u. The .NET
    /// scalar functions (the naive loops' exp and log) are within 1 ulp (2 u); the kernels' own exp (Exponential:
    /// a degree-7 or 13 Taylor polynomial after the reduction by ln 2) is analysed to about an ulp. The budget takes 2 ulp once, not fitted to any observed
    /// error (ExponentialTests measures the exp against an exact series: under 1.5 u on its samples).
    /// </summary>
    public const double ElementaryUlpsInU = 4;

    public static double Gamma(int k) => k * U / (1 - (k * U));

    /// <summary>How far two evaluations of a K-term dot product may differ; sumAbs = sum |p_k q_k|.</summary>
    public static double DotBound(int terms, double sumAbs) => (2 * Gamma(terms) * sumAbs) + (2 * terms * Subnormal);

    public static T Of(double value) => T.CreateTruncating(value);

    public static double D(T value) => double.CreateTruncating(value);
}

/// <summary>Random test data with the special values the kernels must survive.</summary>
internal sealed class TestData<T>(int seed)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Random _random = new(seed);

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    /// <summary>
    /// 0, +-1e-30 (tiny), +-1e30 (huge, only where the caller's operation cannot overflow with it) or a
    /// uniform value in [-1, 1].
    /// </summary>
    public T Value(bool allowHuge)
    {
        double sign = _random.Next(2) == 0 ? -1 : 1;
        return _random.Next(8) switch
        {
            0 => T.Zero,
            1 => Fp<T>.Of(sign * 1e-30),
            2 when allowHuge => Fp<T>.Of(sign * 1e30),
            _ => Fp<T>.Of((2 * _random.NextDouble()) - 1),
        };
    }

    /// <summary>A sigmoid argument: 0, tiny, +-40, +-100, +-1e30 or uniform in [-20, 20].</summary>
    public T SigmoidArgument()
    {
        double sign = _random.Next(2) == 0 ? -1 : 1;
        return _random.Next(10) switch
        {
            0 => T.Zero,
            1 => Fp<T>.Of(sign * 1e-30),
            2 => Fp<T>.Of(sign * 40),
            3 => Fp<T>.Of(sign * 100),
            4 => Fp<T>.Of(sign * 1e30),
            _ => Fp<T>.Of(sign * 20 * _random.NextDouble()),
        };
    }

    /// <summary>A target: 0, 1 or uniform in [0, 1].</summary>
    public T Target() => _random.Next(3) switch
    {
        0 => T.Zero,
        1 => T.One,
        _ => Fp<T>.Of(_random.NextDouble()),
    };

    /// <summary>
    /// A span of <paramref name="length"/> elements at <paramref name="offset"/> inside a larger buffer, so
    /// starts are unaligned and writes past either end are detectable; every element of the buffer is
    /// filled by <paramref name="fill"/>.
    /// </summary>
    public Slice<T> Slice(int length, int offset, Func<T> fill)
    {
        var buffer = new T[offset + length + 9];
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = fill();
        }

        return new Slice<T>(buffer, offset, length);
    }
}

/// <summary>A window into a larger buffer.</summary>
internal sealed class Slice<T>(T[] buffer, int offset, int length)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _original = (T[])buffer.Clone();

    public Span<T> Span => buffer.AsSpan(offset, length);

    public T this[int index] => buffer[offset + index];

    public int Length => length;

    /// <summary>The values the window held when it was made.</summary>
    public T Original(int index) => _original[offset + index];

    /// <summary>Asserts nothing outside the window was written.</summary>
    public void AssertOutsideUnchanged()
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            if (i < offset || i >= offset + length)
            {
                Assert.True(buffer[i].Equals(_original[i]), $"element {i - offset} relative to the window (length {length}) was overwritten");
            }
        }
    }

    /// <summary>Asserts nothing at all was written.</summary>
    public void AssertUnchanged() => Assert.Equal(_original, buffer);
}

/// <summary>A kernel applied to a block of <paramref name="count"/> examples: input and output hold one row per example.</summary>
internal delegate void BlockKernel<T>(ReadOnlySpan<T> input, Span<T> output, int count);

/// <summary>Shared assertions.</summary>
internal static class KernelAssert
{
    /// <summary>
    /// Asserts that <paramref name="kernel"/> on a block of examples gives, bit for bit, what it gives on each
    /// example alone (so the engine's block size cannot change its results).
    /// </summary>
    public static void BlockEqualsSingles<T>(T[] input, int inputPerExample, int outputPerExample, int count, BlockKernel<T> kernel)
    {
        var block = new T[count * outputPerExample];
        kernel(input, block, count);
        for (int t = 0; t < count; t++)
        {
            var single = new T[outputPerExample];
            kernel(input.AsSpan(t * inputPerExample, inputPerExample), single, 1);
            Assert.Equal(single, block.AsSpan(t * outputPerExample, outputPerExample).ToArray());
        }
    }

    public static void Within(double actual, double expected, double bound, string what)
    {
        double difference = Math.Abs(actual - expected);
        Assert.True(
            difference <= bound || actual.Equals(expected),
            $"{what}: kernel {actual:R}, naive {expected:R}, |difference| {difference:R} > bound {bound:R}");
    }

    /// <summary>Runs <paramref name="check"/> for every length 0 .. 4 x width + 3 of the widest path (512 bits), so every path's tails are swept.</summary>
    public static void ForEachSweepLength<T>(Action<int> check)
        where T : unmanaged
    {
        int longest = (4 * 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + 3;
        for (int n = 0; n <= longest; n++)
        {
            check(n);
        }
    }
}

/// <summary>A function of one vector, lane by lane, at any width: what <see cref="Lanes{T}"/> evaluates.</summary>
internal interface ILaneFunction<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    TVec Apply<TOps, TVec>(TVec x)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct;
}

/// <summary>A lane function of each element on the active width, whole vectors at a time (the last padded with zeros).</summary>
internal static class Lanes<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T[] Evaluate<TFunction>(T[] x)
        where TFunction : struct, ILaneFunction<T>
        => SimdPath.Active switch
        {
            SimdWidth.Vector512 => Apply<TFunction, Ops512<T>, Vector512<T>>(x),
            SimdWidth.Vector256 => Apply<TFunction, Ops256<T>, Vector256<T>>(x),
            SimdWidth.Vector128 => Apply<TFunction, Ops128<T>, Vector128<T>>(x),
            _ => Apply<TFunction, OpsScalar<T>, T>(x),
        };

    private static T[] Apply<TFunction, TOps, TVec>(T[] x)
        where TFunction : struct, ILaneFunction<T>
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
    {
        int w = TOps.Count;
        var padded = new T[(x.Length + w - 1) / w * w];
        x.CopyTo(padded, 0);
        var result = new T[padded.Length];
        for (int i = 0; i < padded.Length; i += w)
        {
            TOps.Store(default(TFunction).Apply<TOps, TVec>(TOps.Load(in padded[i])), ref result[i]);
        }

        return result[..x.Length];
    }
}
