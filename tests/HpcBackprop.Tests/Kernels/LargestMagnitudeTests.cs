using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>LargestMagnitude against its naive loop (exact: a maximum does no rounding), once per element type.</summary>
public abstract class LargestMagnitudeTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(ushort length, byte offset, int seed)
        => Check(length % 301, offset % 17, seed, poison: default);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(n, n % 5, seed: n, poison: default));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_non_finite_element_anywhere_gives_NaN(double poison)
        => KernelAssert.ForEachSweepLength<T>(n => Check(n, n % 5, seed: n + 1000, poison: T.CreateTruncating(poison)));

    private static void Check(int n, int offset, int seed, T poison)
    {
        var data = new TestData<T>(seed);
        int poisoned = poison != T.Zero && n > 0 ? offset + (seed % n) : -1; // every position in turn across the sweep
        int filled = 0;
        var x = data.Slice(n, offset, () => filled++ == poisoned ? poison : data.Value(allowHuge: true));

        T largest = LargestMagnitude.Of<T>(x.Span);
        x.AssertUnchanged();
        T expected = T.Zero;
        bool finite = true;
        for (int i = 0; i < n; i++)
        {
            finite &= T.IsFinite(x[i]);
            expected = T.Abs(x[i]) > expected ? T.Abs(x[i]) : expected;
        }

        if (!finite)
        {
            Assert.True(T.IsNaN(largest), $"length {n}: {largest} for a span holding {poison}");
        }
        else
        {
            Assert.Equal(expected, largest);
        }
    }
}

[Trait("Category", "Simd")]
public sealed class LargestMagnitudeFloatTests : LargestMagnitudeTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class LargestMagnitudeDoubleTests : LargestMagnitudeTests<double>
{
}
