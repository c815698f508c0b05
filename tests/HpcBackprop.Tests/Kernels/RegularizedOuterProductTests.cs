using System.Numerics;
using FsCheck.Xunit;
using HpcBackprop.Kernels;

namespace HpcBackprop.Tests.Kernels;

/// <summary>RegularizedOuterProduct against its naive loop and against the Delta route it replaces, once per element type.</summary>
public abstract class RegularizedOuterProductTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [Property(MaxTest = 60)]
    public void Equals_the_naive_loop(byte rows, ushort length, byte count, byte offset, bool withDelta, int seed)
        => Check(rows % 21, length % 301, 1 + (count % 10), offset % 17, withDelta, seed);

    [Fact]
    public void Every_length_up_to_four_vectors_plus_three_is_right()
        => KernelAssert.ForEachSweepLength<T>(n => Check(rows: 1 + (n % 7), n, count: 1 + (n % 10), offset: n % 5, withDelta: n % 2 == 1, seed: n));

    // The route the blocked engine takes: Delta cleared, the block's outer products added by RankOneUpdate,
    // D = (1/m) Delta + (lambda/m) Theta by ScaledSum and the bias column (1/m) Delta. Same operations in the
    // same order, so the same bits.
    [Property(MaxTest = 40)]
    public void Gives_bit_for_bit_the_Delta_route(byte rows, ushort length, byte count, byte m, bool withDelta, int seed)
    {
        int r = rows % 13, n = length % 301, c = 1 + (count % 10), columns = n + 1;
        var data = new TestData<T>(seed);
        T[] theta = data.Slice(r * columns, 0, () => data.Value(allowHuge: true)).Span.ToArray();
        T[] d = data.Slice(c * r, 0, () => data.Value(allowHuge: false)).Span.ToArray();
        T[] a = data.Slice(c * n, 0, () => data.Value(allowHuge: false)).Span.ToArray();
        T[] prior = withDelta ? data.Slice(r * columns, 0, () => data.Value(allowHuge: false)).Span.ToArray() : [];
        T mT = T.CreateTruncating(c + (m % 5)), invM = T.One / mT, scale = data.Value(allowHuge: false) / mT;

        // Delta: the earlier blocks' accumulator (or cleared), then this block's outer products added.
        T[] delta = withDelta ? (T[])prior.Clone() : new T[r * columns];
        RankOneUpdate.Accumulate<T>(delta, r, columns, d, a, c);
        var expected = new T[r * columns];
        ScaledSum.Compute(invM, delta, scale, theta, expected);
        for (int i = 0; i < r; i++)
        {
            expected[i * columns] = delta[i * columns] * invM;
        }

        var gradient = new T[r * columns];
        RegularizedOuterProduct.Compute<T>(gradient, r, columns, d, a, c, invM, scale, theta, prior);
        Assert.Equal(expected, gradient);
    }

    [Fact]
    public void Mismatched_lengths_throw_before_writing()
    {
        const int rows = 5, columns = 20, count = 3;
        var data = new TestData<T>(4);
        var gradient = data.Slice(rows * columns, 3, () => data.Value(allowHuge: false));
        var gradientShort = data.Slice((rows * columns) - 1, 3, () => data.Value(allowHuge: false));
        T[] d = new T[count * rows], a = new T[count * (columns - 1)], theta = new T[rows * columns];
        T one = T.One;
        Assert.Throws<ArgumentException>(() => RegularizedOuterProduct.Compute<T>(gradient.Span, rows, columns, d.AsSpan(1), a, count, one, one, theta));
        Assert.Throws<ArgumentException>(() => RegularizedOuterProduct.Compute<T>(gradient.Span, rows, columns, d, a.AsSpan(1), count, one, one, theta));
        Assert.Throws<ArgumentException>(() => RegularizedOuterProduct.Compute<T>(gradient.Span, rows, columns, d, a, count, one, one, theta.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => RegularizedOuterProduct.Compute<T>(gradient.Span, rows, columns, d, a, count - 1, one, one, theta));
        Assert.Throws<ArgumentException>(() => RegularizedOuterProduct.Compute<T>(gradientShort.Span, rows, columns, d, a, count, one, one, theta));
        Assert.Throws<ArgumentException>(() => RegularizedOuterProduct.Compute<T>(gradient.Span, rows, columns, d, a, -1, one, one, theta));
        Assert.Throws<ArgumentException>(() => RegularizedOuterProduct.Compute<T>(gradient.Span, rows, columns, d, a, count, one, one, theta, new T[(rows * columns) - 1]));
        gradient.AssertUnchanged();
        gradientShort.AssertUnchanged();
    }

    private static void Check(int rows, int n, int count, int offset, bool withDelta, int seed)
    {
        // gradient, theta, delta: rows x (n + 1); d: count x rows; a: count x n.
        var data = new TestData<T>(seed);
        int columns = n + 1;
        var gradient = data.Slice(rows * columns, offset, () => Fp<T>.Of(12345));
        var theta = data.Slice(rows * columns, (offset * 3) % 17, () => data.Value(allowHuge: true));
        var d = data.Slice(count * rows, (offset * 5) % 17, () => data.Value(allowHuge: false));
        var a = data.Slice(count * n, (offset * 7) % 17, () => data.Value(allowHuge: false));
        var delta = data.Slice(withDelta ? rows * columns : 0, (offset * 11) % 17, () => data.Value(allowHuge: false));
        T invM = T.One / T.CreateTruncating(count + data.Next(4)), scale = data.Value(allowHuge: false) * invM;
        RegularizedOuterProduct.Compute<T>(gradient.Span, rows, columns, d.Span, a.Span, count, invM, scale, theta.Span, delta.Span);
        delta.AssertUnchanged();
        theta.AssertUnchanged();
        d.AssertUnchanged();
        a.AssertUnchanged();
        gradient.AssertOutsideUnchanged();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                T sum = withDelta ? delta[(i * columns) + j] : T.Zero;
                double sumAbs = Math.Abs(Fp<T>.D(sum));
                for (int t = 0; t < count; t++)
                {
                    T at = j == 0 ? T.One : a[(t * n) + j - 1];
                    sum += d[(t * rows) + i] * at;
                    sumAbs += Math.Abs(Fp<T>.D(d[(t * rows) + i]) * Fp<T>.D(at));
                }

                T regularization = j == 0 ? T.Zero : scale * theta[(i * columns) + j];
                T expected = (invM * sum) + regularization;

                // The sum is a dot product of count terms (count + 1 with Delta); scaling it, the regularization product and the final
                // sum add three roundings of at most u each on the magnitudes involved.
                double bound = (Math.Abs(Fp<T>.D(invM)) * Fp<T>.DotBound(count + 1, sumAbs))
                    + (4 * Fp<T>.U * ((Math.Abs(Fp<T>.D(invM)) * sumAbs) + Math.Abs(Fp<T>.D(regularization)))) + (4 * Fp<T>.Subnormal);
                KernelAssert.Within(Fp<T>.D(gradient[(i * columns) + j]), Fp<T>.D(expected), bound, $"D[{i}, {j}] of {rows} x {columns}, count {count}");
            }
        }
    }
}

[Trait("Category", "Simd")]
public sealed class RegularizedOuterProductFloatTests : RegularizedOuterProductTests<float>
{
}

[Trait("Category", "Simd")]
public sealed class RegularizedOuterProductDoubleTests : RegularizedOuterProductTests<double>
{
}
