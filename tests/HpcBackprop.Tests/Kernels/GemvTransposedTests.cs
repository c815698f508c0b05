using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>GemvTransposed against its naive loop, once per element type.</summary>
public abstract class GemvTransposedTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(byte rows, ushort length, byte count, byte offset, int seed)
        => Check(rows % 21, length % 301, 1 + (count % 6), offset % 17, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(rows: 1 + (n % 7), n, count: 1 + (n % 6), offset: n % 5, seed: n));

    // Each e[t, j] sums its rows in order of i with one FMA each, whether the examples come one per call or
    // paired in a block: so a block must give exactly what one call per example gives.
    [Property(MaxTest = 30)]
    public void A_block_of_examples_gives_bit_for_bit_the_per_example_result(byte rows, ushort length, byte count, int seed)
    {
        int r = rows % 13, n = length % 301, c = 2 + (count % 5), columns = n + 1;
        var data = new TestData<T>(seed);
        T[] theta = data.Slice(r * columns, 0, () => data.Value(allowHuge: true)).Span.ToArray();
        T[] d = data.Slice(c * r, 0, () => data.Value(allowHuge: false)).Span.ToArray();
        KernelAssert.BlockEqualsSingles<T>(d, r, n, c, (ds, es, k) => GemvTransposed.Compute<T>(theta, r, columns, ds, es, k));
    }

    [Fact]
    public void Mismatched_lengths_throw_before_writing()
    {
        const int rows = 5, columns = 20, count = 3;
        var data = new TestData<T>(3);
        var e = data.Slice(count * (columns - 1), 3, () => data.Value(allowHuge: false));
        var eShort = data.Slice((count * (columns - 1)) - 1, 3, () => data.Value(allowHuge: false));
        T[] theta = new T[rows * columns], d = new T[count * rows];
        Assert.Throws<ArgumentException>(() => GemvTransposed.Compute<T>(theta.AsSpan(1), rows, columns, d, e.Span, count));
        Assert.Throws<ArgumentException>(() => GemvTransposed.Compute<T>(theta, rows, columns, d.AsSpan(1), e.Span, count));
        Assert.Throws<ArgumentException>(() => GemvTransposed.Compute<T>(theta, rows, columns, d, e.Span, count + 1));
        Assert.Throws<ArgumentException>(() => GemvTransposed.Compute<T>(theta, rows, columns, d, eShort.Span, count));
        Assert.Throws<ArgumentException>(() => GemvTransposed.Compute<T>([], 0, 1, [], [], -1));
        e.AssertUnchanged();
        eShort.AssertUnchanged();
    }

    private static void Check(int rows, int n, int count, int offset, int seed)
    {
        // theta: rows x (n + 1); d: count x rows; e: count x n.
        var data = new TestData<T>(seed);
        int columns = n + 1;
        var theta = data.Slice(rows * columns, offset, () => data.Value(allowHuge: true));
        var d = data.Slice(count * rows, (offset * 5) % 17, () => data.Value(allowHuge: false));
        var e = data.Slice(count * n, (offset * 3) % 17, () => Fp<T>.Of(12345));
        GemvTransposed.Compute<T>(theta.Span, rows, columns, d.Span, e.Span, count);
        theta.AssertUnchanged();
        d.AssertUnchanged();
        e.AssertOutsideUnchanged();
        for (int t = 0; t < count; t++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                double sumAbs = 0;
                for (int i = 0; i < rows; i++)
                {
                    sum += theta[(i * columns) + j + 1] * d[(t * rows) + i];
                    sumAbs += Math.Abs(Fp<T>.D(theta[(i * columns) + j + 1]) * Fp<T>.D(d[(t * rows) + i]));
                }

                // A dot product of rows terms (the bias row of Theta is dropped).
                KernelAssert.Within(Fp<T>.D(e[(t * n) + j]), Fp<T>.D(sum), Fp<T>.DotBound(rows, sumAbs), $"e[{t}, {j}] of {rows} x {columns}, count {count}");
            }
        }
    }
}

[Trait("Category", "Simd")]
public sealed class GemvTransposedFloatTests : GemvTransposedTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class GemvTransposedDoubleTests : GemvTransposedTests<double>
{
}
