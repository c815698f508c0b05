using System.Numerics;
using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// The bias column of Delta or of the gradient equals the column sums of D(l+1), added row by row in order (the order of
/// the per-example updates, so bit for bit), run on spans or as an item set up on pinned arrays.
/// </summary>
[Trait("Category", "Simd")]
public class BiasColumnWorkTests
{
    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(5, 10, 11)]
    [InlineData(256, 1024, 1025)]
    [InlineData(37, 67, 3)]
    public void Into_the_gradient_it_is_inv_m_times_prior_plus_the_column_sums(int count, int next, int stride)
    {
        Check<float>(count, next, stride);
        Check<double>(count, next, stride);
    }

    private static void Check<T>(int count, int next, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random((count * 31) + next);
        T[] errors = Pinned<T>(count * next, rng);
        T[] prior = Pinned<T>(((next - 1) * stride) + 1, rng);
        T invM = T.One / T.CreateChecked(count + 3);
        foreach (bool withPrior in new[] { false, true })
        {
            // Expected: each column summed in row order, from the prior (or zero), times invM; the other entries untouched.
            T[] expected = Pinned<T>(((next - 1) * stride) + 1 + stride, rng);
            T[] start = (T[])expected.Clone();
            for (int i = 0; i < next; i++)
            {
                T sum = withPrior ? prior[i * stride] : T.Zero;
                for (int t = 0; t < count; t++)
                {
                    sum += errors[(t * next) + i];
                }

                expected[i * stride] = sum * invM;
            }

            T[] onSpans = (T[])start.Clone();
            BiasColumnWork<T>.IntoGradient(errors, count, next, withPrior ? prior : default, onSpans, stride, invM, new T[next]);
            Assert.Equal(expected, onSpans);

            T[] asItem = Pinned<T>(start.Length, rng);
            start.CopyTo(asItem, 0);
            var work = new BiasColumnWork<T>(next);
            work.SetGradient(errors, count, next, withPrior ? prior : default, asItem, stride, invM);
            work.Execute(0);
            work.Release();
            Assert.Equal(expected, asItem);

            // Into Delta: added to the column, or overwriting it.
            foreach (bool overwrite in new[] { false, true })
            {
                T[] delta = Pinned<T>(start.Length, rng);
                start.CopyTo(delta, 0);
                T[] expectedDelta = (T[])start.Clone();
                for (int i = 0; i < next; i++)
                {
                    T sum = overwrite ? T.Zero : start[i * stride];
                    for (int t = 0; t < count; t++)
                    {
                        sum += errors[(t * next) + i];
                    }

                    expectedDelta[i * stride] = sum;
                }

                work.SetDelta(errors, count, next, delta, stride, overwrite);
                work.Execute(0);
                work.Release();
                Assert.Equal(expectedDelta, delta);
            }
        }
    }

    [Fact]
    public void Shapes_that_do_not_fit_throw_with_the_parameter_name()
    {
        var work = new BiasColumnWork<float>(4);
        float[] errors = new float[12], column = new float[(3 * 5) + 1];
        Assert.Equal("errors", Assert.Throws<ArgumentException>(() => work.SetDelta(errors, 4, 4, column, 5, false)).ParamName);
        Assert.Equal("columnLength", Assert.Throws<ArgumentException>(() => work.SetDelta(errors, 3, 4, column.AsSpan(1), 5, false)).ParamName);
        Assert.Equal("next", Assert.Throws<ArgumentOutOfRangeException>(() => work.SetDelta(new float[15], 3, 5, new float[30], 5, false)).ParamName);
    }

    private static T[] Pinned<T>(int length, Random rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] values = GC.AllocateUninitializedArray<T>(length, pinned: true);
        for (int i = 0; i < length; i++)
        {
            values[i] = T.CreateChecked(rng.NextDouble() - 0.5);
        }

        return values;
    }
}
