using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>GemvWithBias against its naive loop, once per element type.</summary>
public abstract class GemvWithBiasTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(byte rows, ushort length, byte count, byte offset, int seed)
        => Check(rows % 21, length % 301, 1 + (count % 6), offset % 17, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(rows: 1 + (n % 7), n, count: 1 + (n % 6), offset: n % 5, seed: n));

    [Property(MaxTest = 30)]
    public void A_block_of_examples_gives_bit_for_bit_the_per_example_result(byte rows, ushort length, byte count, int seed)
    {
        int r = rows % 13, n = length % 301, c = 2 + (count % 5), columns = n + 1;
        var data = new TestData<T>(seed);
        T[] theta = data.Slice(r * columns, 0, () => data.Value(allowHuge: true)).Span.ToArray();
        T[] x = data.Slice(c * n, 0, () => data.Value(allowHuge: false)).Span.ToArray();
        KernelAssert.BlockEqualsSingles<T>(x, n, r, c, (xs, zs, k) => GemvWithBias.Compute<T>(theta, r, columns, xs, zs, k));
    }

    // The variant that also sums the squared non-bias weights: the same z bit for bit, and the squares
    // within the bound of a sum of rows x n non-negative terms in any order.
    [Property(MaxTest = 60)]
    public void With_squares_gives_the_same_z_and_the_sum_of_squared_weights(byte rows, ushort length, byte count, byte offset, int seed)
    {
        int r = rows % 21, n = length % 301, c = 1 + (count % 6), o = offset % 17, columns = n + 1;
        var data = new TestData<T>(seed);
        var theta = data.Slice(r * columns, o, () => data.Value(allowHuge: true));
        var x = data.Slice(c * n, (o * 7) % 17, () => data.Value(allowHuge: false));
        T[] plain = new T[c * r];
        var z = data.Slice(c * r, (o * 3) % 17, () => Fp<T>.Of(12345));
        GemvWithBias.Compute<T>(theta.Span, r, columns, x.Span, plain, c);
        T squares = GemvWithBias.ComputeWithSquares<T>(theta.Span, r, columns, x.Span, z.Span, c);
        theta.AssertUnchanged();
        x.AssertUnchanged();
        z.AssertOutsideUnchanged();
        Assert.Equal(plain, z.Span.ToArray());

        T expected = T.Zero;
        double sumAbs = 0;
        for (int i = 0; i < r; i++)
        {
            for (int j = 1; j < columns; j++)
            {
                T w = theta[(i * columns) + j];
                expected += w * w;
                sumAbs += Fp<T>.D(w) * Fp<T>.D(w);
            }
        }

        KernelAssert.Within(Fp<T>.D(squares), Fp<T>.D(expected), Fp<T>.DotBound(r * n, sumAbs), $"squares of {r} x {columns}, count {c}");
    }

    [Fact]
    public void With_squares_needs_an_example()
        => Assert.Throws<ArgumentOutOfRangeException>(() => GemvWithBias.ComputeWithSquares<T>(new T[6], 2, 3, [], [], 0));

    [Fact]
    public void Mismatched_lengths_throw_before_writing()
    {
        const int rows = 5, columns = 20, count = 3;
        var data = new TestData<T>(1);
        var z = data.Slice(count * rows, 3, () => data.Value(allowHuge: false));
        var zShort = data.Slice((count * rows) - 1, 3, () => data.Value(allowHuge: false));
        T[] theta = new T[rows * columns], x = new T[count * (columns - 1)];
        Assert.Throws<ArgumentException>(() => GemvWithBias.Compute<T>(theta.AsSpan(1), rows, columns, x, z.Span, count));
        Assert.Throws<ArgumentException>(() => GemvWithBias.Compute<T>(theta, rows, columns, x.AsSpan(1), z.Span, count));
        Assert.Throws<ArgumentException>(() => GemvWithBias.Compute<T>(theta, rows, columns, x, z.Span, count + 1));
        Assert.Throws<ArgumentException>(() => GemvWithBias.Compute<T>(theta, rows, 0, x, z.Span, count));
        Assert.Throws<ArgumentException>(() => GemvWithBias.Compute<T>(theta, rows, columns, x, zShort.Span, count));
        Assert.Throws<ArgumentException>(() => GemvWithBias.Compute<T>([], 0, 1, [], [], -1));
        z.AssertUnchanged();
        zShort.AssertUnchanged();
    }

    private static void Check(int rows, int n, int count, int offset, int seed)
    {
        // theta: rows x (n + 1); x: count x n; z: count x rows.
        var data = new TestData<T>(seed);
        int columns = n + 1;
        var theta = data.Slice(rows * columns, offset, () => data.Value(allowHuge: true));
        var x = data.Slice(count * n, (offset * 7) % 17, () => data.Value(allowHuge: false));
        var z = data.Slice(count * rows, (offset * 3) % 17, () => Fp<T>.Of(12345));
        GemvWithBias.Compute<T>(theta.Span, rows, columns, x.Span, z.Span, count);
        theta.AssertUnchanged();
        x.AssertUnchanged();
        z.AssertOutsideUnchanged();
        for (int t = 0; t < count; t++)
        {
            for (int i = 0; i < rows; i++)
            {
                T sum = theta[i * columns];
                double sumAbs = Math.Abs(Fp<T>.D(sum));
                for (int j = 0; j < n; j++)
                {
                    T product = theta[(i * columns) + j + 1] * x[(t * n) + j];
                    sum += product;
                    sumAbs += Math.Abs(Fp<T>.D(theta[(i * columns) + j + 1]) * Fp<T>.D(x[(t * n) + j]));
                }

                // A dot product of n + 1 terms (the bias times 1 and the n products).
                KernelAssert.Within(Fp<T>.D(z[(t * rows) + i]), Fp<T>.D(sum), Fp<T>.DotBound(n + 1, sumAbs), $"z[{t}, {i}] of {rows} x {columns}, count {count}");
            }
        }
    }
}

[Trait("Category", "Simd")]
public sealed class GemvWithBiasFloatTests : GemvWithBiasTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class GemvWithBiasDoubleTests : GemvWithBiasTests<double>
{
}
