using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>SumOfSquares against its naive loop, once per element type.</summary>
public abstract class SumOfSquaresTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(ushort length, byte offset, int seed)
        => Check(length % 301, offset % 17, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(n, n % 5, seed: n));

    private static void Check(int n, int offset, int seed)
    {
        // 1e30 squared overflows float, so huge values only in double.
        var data = new TestData<T>(seed);
        var x = data.Slice(n, offset, () => data.Value(allowHuge: typeof(T) == typeof(double)));
        T sum = SumOfSquares.Compute<T>(x.Span);
        x.AssertUnchanged();
        T expected = T.Zero;
        double sumAbs = 0;
        for (int i = 0; i < n; i++)
        {
            expected += x[i] * x[i];
            sumAbs += Fp<T>.D(x[i]) * Fp<T>.D(x[i]);
        }

        // A dot product of x with itself: n terms.
        KernelAssert.Within(Fp<T>.D(sum), Fp<T>.D(expected), Fp<T>.DotBound(n, sumAbs), $"sum of {n} squares");
    }
}

[Trait("Category", "Simd")]
public sealed class SumOfSquaresFloatTests : SumOfSquaresTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class SumOfSquaresDoubleTests : SumOfSquaresTests<double>
{
}
