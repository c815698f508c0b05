using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>SigmoidGradientProduct against its naive loop, once per element type.</summary>
public abstract class SigmoidGradientProductTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop_exactly(ushort length, byte offset, bool inPlace, int seed)
        => Check(length % 301, offset % 17, inPlace, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(n, n % 5, inPlace: n % 2 == 0, seed: n));

    [Fact]
    public void Mismatched_lengths_throw_before_writing()
    {
        var data = new TestData<T>(5);
        var d = data.Slice(10, 3, () => data.Value(allowHuge: false));
        Assert.Throws<ArgumentException>(() => SigmoidGradientProduct.Compute<T>(new T[10], new T[11], d.Span));
        Assert.Throws<ArgumentException>(() => SigmoidGradientProduct.Compute<T>(new T[11], new T[11], d.Span));
        Assert.Throws<ArgumentException>(() => SigmoidGradientProduct.Compute<T>(new T[10], new T[9], d.Span));
        d.AssertUnchanged();
    }

    private static void Check(int n, int offset, bool inPlace, int seed)
    {
        var data = new TestData<T>(seed);
        var e = data.Slice(n, offset, () => data.Value(allowHuge: true));
        var a = data.Slice(n, (offset * 7) % 17, () => T.Abs(data.Value(allowHuge: false)));  // activations in [0, 1]
        var d = inPlace ? e : data.Slice(n, (offset * 3) % 17, () => Fp<T>.Of(12345));
        SigmoidGradientProduct.Compute<T>(e.Span, a.Span, d.Span);
        a.AssertUnchanged();
        d.AssertOutsideUnchanged();

        // Every path evaluates (e a)(1 - a) with the same three correctly rounded IEEE operations, in the
        // same order, so the kernel must agree with the loop bit for bit: no tolerance.
        for (int i = 0; i < n; i++)
        {
            T expected = e.Original(i) * a[i] * (T.One - a[i]);
            Assert.True(expected.Equals(d[i]), $"d[{i}] of {n}: kernel {d[i]}, naive {expected}");
        }
    }
}

[Trait("Category", "Simd")]
public sealed class SigmoidGradientProductFloatTests : SigmoidGradientProductTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class SigmoidGradientProductDoubleTests : SigmoidGradientProductTests<double>
{
}
