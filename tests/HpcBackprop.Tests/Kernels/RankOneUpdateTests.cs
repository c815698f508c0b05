using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>RankOneUpdate against its naive loop, once per element type.</summary>
public abstract class RankOneUpdateTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(byte rows, ushort length, byte count, byte offset, int seed)
        => Check(rows % 21, length % 301, 1 + (count % 6), offset % 17, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(rows: 1 + (n % 7), n, count: 1 + (n % 6), offset: n % 5, seed: n));

    // Each Delta entry receives its terms in example order, one FMA each, whatever the block: so a block of
    // examples must give exactly what one call per example gives.
    [Property(MaxTest = 30)]
    public void A_block_of_examples_gives_bit_for_bit_the_per_example_result(byte rows, ushort length, byte count, int seed)
    {
        int r = rows % 13, n = length % 301, c = 2 + (count % 8), columns = n + 1;
        var data = new TestData<T>(seed);
        T[] start = data.Slice(r * columns, 0, () => data.Value(allowHuge: true)).Span.ToArray();
        T[] d = data.Slice(c * r, 0, () => data.Value(allowHuge: false)).Span.ToArray();
        T[] a = data.Slice(c * n, 0, () => data.Value(allowHuge: false)).Span.ToArray();
        T[] block = (T[])start.Clone(), single = (T[])start.Clone();
        RankOneUpdate.Accumulate<T>(block, r, columns, d, a, c);
        for (int t = 0; t < c; t++)
        {
            RankOneUpdate.Accumulate<T>(single, r, columns, d.AsSpan(t * r, r), a.AsSpan(t * n, n), 1);
        }

        Assert.Equal(single, block);
    }

    [Fact]
    public void Mismatched_lengths_throw_before_writing()
    {
        const int rows = 5, columns = 20, count = 3;
        var data = new TestData<T>(2);
        var delta = data.Slice(rows * columns, 3, () => data.Value(allowHuge: false));
        var deltaShort = data.Slice((rows * columns) - 1, 3, () => data.Value(allowHuge: false));
        T[] d = new T[count * rows], a = new T[count * (columns - 1)];
        Assert.Throws<ArgumentException>(() => RankOneUpdate.Accumulate<T>(delta.Span, rows, columns, d.AsSpan(1), a, count));
        Assert.Throws<ArgumentException>(() => RankOneUpdate.Accumulate<T>(delta.Span, rows, columns, d, a.AsSpan(1), count));
        Assert.Throws<ArgumentException>(() => RankOneUpdate.Accumulate<T>(delta.Span, rows, columns, d, a, count - 1));
        Assert.Throws<ArgumentException>(() => RankOneUpdate.Accumulate<T>(deltaShort.Span, rows, columns, d, a, count));
        Assert.Throws<ArgumentException>(() => RankOneUpdate.Accumulate<T>(delta.Span, rows + 1, columns, d, a, count));
        delta.AssertUnchanged();
        deltaShort.AssertUnchanged();
    }

    private static void Check(int rows, int n, int count, int offset, int seed)
    {
        // delta: rows x (n + 1); d: count x rows; a: count x n.
        var data = new TestData<T>(seed);
        int columns = n + 1;
        var delta = data.Slice(rows * columns, offset, () => data.Value(allowHuge: true));
        var d = data.Slice(count * rows, (offset * 5) % 17, () => data.Value(allowHuge: false));
        var a = data.Slice(count * n, (offset * 7) % 17, () => data.Value(allowHuge: false));
        RankOneUpdate.Accumulate<T>(delta.Span, rows, columns, d.Span, a.Span, count);
        d.AssertUnchanged();
        a.AssertUnchanged();
        delta.AssertOutsideUnchanged();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                T sum = delta.Original((i * columns) + j);
                double sumAbs = Math.Abs(Fp<T>.D(sum));
                for (int t = 0; t < count; t++)
                {
                    T at = j == 0 ? T.One : a[(t * n) + j - 1];
                    sum += d[(t * rows) + i] * at;
                    sumAbs += Math.Abs(Fp<T>.D(d[(t * rows) + i]) * Fp<T>.D(at));
                }

                // Delta[i, j] + sum_t d[t, i] a[t, j - 1] is a dot product of count + 1 terms.
                KernelAssert.Within(Fp<T>.D(delta[(i * columns) + j]), Fp<T>.D(sum), Fp<T>.DotBound(count + 1, sumAbs), $"Delta[{i}, {j}] of {rows} x {columns}, count {count}");
            }
        }
    }
}

[Trait("Category", "Simd")]
public sealed class RankOneUpdateFloatTests : RankOneUpdateTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class RankOneUpdateDoubleTests : RankOneUpdateTests<double>
{
}
