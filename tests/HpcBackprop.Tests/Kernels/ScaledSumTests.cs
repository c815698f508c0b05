using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>ScaledSum against its naive loop, once per element type.</summary>
public abstract class ScaledSumTests<T>
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
        var data = new TestData<T>(6);
        var destination = data.Slice(10, 3, () => data.Value(allowHuge: false));
        Assert.Throws<ArgumentException>(() => ScaledSum.Compute<T>(T.One, new T[10], T.One, new T[11], destination.Span));
        Assert.Throws<ArgumentException>(() => ScaledSum.Compute<T>(T.One, new T[11], T.One, new T[11], destination.Span));
        destination.AssertUnchanged();
    }

    private static void Check(int n, int offset, bool inPlace, int seed)
    {
        var data = new TestData<T>(seed);
        T a = data.Value(allowHuge: false), b = data.Value(allowHuge: false);
        var x = data.Slice(n, offset, () => data.Value(allowHuge: true));
        var y = data.Slice(n, (offset * 7) % 17, () => data.Value(allowHuge: true));
        var destination = inPlace ? x : data.Slice(n, (offset * 3) % 17, () => Fp<T>.Of(12345));
        ScaledSum.Compute<T>(a, x.Span, b, y.Span, destination.Span);
        y.AssertUnchanged();
        destination.AssertOutsideUnchanged();

        // Every path evaluates (a x) + (b y) with the same three correctly rounded IEEE operations, so the
        // kernel must agree with the loop bit for bit: no tolerance.
        for (int i = 0; i < n; i++)
        {
            T expected = (a * x.Original(i)) + (b * y[i]);
            Assert.True(expected.Equals(destination[i]), $"[{i}] of {n}: kernel {destination[i]}, naive {expected}");
        }
    }
}

[Trait("Category", "Simd")]
public sealed class ScaledSumFloatTests : ScaledSumTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class ScaledSumDoubleTests : ScaledSumTests<double>
{
}
