using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>Sigmoid against its naive loop, once per element type.</summary>
public abstract class SigmoidTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(ushort length, byte offset, bool inPlace, int seed)
        => Check(length % 301, offset % 17, inPlace, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(n, n % 5, inPlace: n % 2 == 0, seed: n));

    // The engine's activations must not depend on how many examples share a call, so each element's value
    // may not depend on the length of the span or its position in it (e.g. a vector exp in one case and a
    // scalar one in another, or a lane's value moved by a neighbour that overflows).
    [Property(MaxTest = 30)]
    public void Each_element_is_the_same_whatever_span_it_is_computed_in(ushort length, int seed)
    {
        int n = 1 + (length % 100);
        var data = new TestData<T>(seed);
        T[] z = data.Slice(n, 0, data.SigmoidArgument).Span.ToArray();
        var all = new T[n];
        Sigmoid.Compute<T>(z, all);
        for (int i = 0; i < n; i++)
        {
            var one = new T[1];
            Sigmoid.Compute<T>(z.AsSpan(i, 1), one);
            Assert.True(one[0].Equals(all[i]), $"g({z[i]}): alone {one[0]}, at {i} of {n} {all[i]}");
        }
    }

    // Every lane of a vector and the tail: NaN stays NaN (the kernel clamps -z before the exp, and the clamp must
    // not turn a NaN into a number), +-infinity saturate to 1 and 0, and a unit saturated towards 1 gives exactly 1.
    [Fact]
    public void NaN_stays_NaN_and_infinities_and_large_arguments_saturate()
    {
        T[] z = [T.NaN, T.PositiveInfinity, T.NegativeInfinity, Fp<T>.Of(95), Fp<T>.Of(800), Fp<T>.Of(-800), Fp<T>.Of(1e30), T.NaN, Fp<T>.Of(-1e30), T.NaN, Fp<T>.Of(40)];
        var a = new T[z.Length];
        Sigmoid.Compute<T>(z, a);
        for (int i = 0; i < z.Length; i++)
        {
            T expected = T.One / (T.One + T.Exp(-z[i]));
            Assert.True(a[i].Equals(expected), $"g({z[i]}) = {a[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Mismatched_lengths_throw_before_writing()
    {
        var data = new TestData<T>(4);
        var a = data.Slice(10, 3, data.SigmoidArgument);
        Assert.Throws<ArgumentException>(() => Sigmoid.Compute<T>(new T[11], a.Span));
        Assert.Throws<ArgumentException>(() => Sigmoid.Compute<T>(new T[9], a.Span));
        a.AssertUnchanged();
    }

    private static void Check(int n, int offset, bool inPlace, int seed)
    {
        var data = new TestData<T>(seed);
        var z = data.Slice(n, offset, data.SigmoidArgument);
        var a = inPlace ? z : data.Slice(n, (offset * 3) % 17, () => Fp<T>.Of(12345));
        Sigmoid.Compute<T>(z.Span, a.Span);
        a.AssertOutsideUnchanged();
        if (!inPlace)
        {
            z.AssertUnchanged();
        }

        // Per path: q = e^-z within E u (E = Fp.ElementaryUlpsInU), 1 + q within (E + 1) u of 1 + e^-z, and
        // the division one more u: a is within (E + 2) u of g(z), so two paths within 2 gamma_(E+2) |a|.
        // Where e^-z is near the overflow threshold one path may round it to infinity (a = 0) and the other
        // not (a <= 1 / MaxValue); subnormal results carry absolute errors of a few subnormals.
        double floor = (2 / Fp<T>.MaxValue) + (4 * Fp<T>.Subnormal);
        for (int i = 0; i < n; i++)
        {
            T zi = z.Original(i);
            T expected = T.One / (T.One + T.Exp(-zi));
            double bound = (2 * Fp<T>.Gamma((int)Fp<T>.ElementaryUlpsInU + 2) * Math.Abs(Fp<T>.D(expected))) + floor;
            KernelAssert.Within(Fp<T>.D(a[i]), Fp<T>.D(expected), bound, $"g({zi}) at {i} of {n}");
        }
    }
}

[Trait("Category", "Simd")]
public sealed class SigmoidFloatTests : SigmoidTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class SigmoidDoubleTests : SigmoidTests<double>
{
}
