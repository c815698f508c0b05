using System.Numerics;

namespace HpcBackprop.Benchmarks.Kernels;

/// <summary>
/// The baselines: the textbook loop of each kernel, written here rather than taken from the library so the
/// baseline stays the same while the library's kernels change. Same shapes and conventions as
/// HpcBackprop.Kernels (row-major Theta with the bias in column 0).
/// </summary>
internal static class NaiveKernels
{
    /// <summary>z[i] = theta[i, 0] + sum_j theta[i, j + 1] x[j]; theta is rows x columns, x has columns - 1.</summary>
    public static void Gemv<T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> x, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < rows; i++)
        {
            T sum = theta[i * columns];
            for (int j = 1; j < columns; j++)
            {
                sum += theta[(i * columns) + j] * x[j - 1];
            }

            z[i] = sum;
        }
    }

    /// <summary>e[j] = sum_i theta[i, j + 1] d[i]; e has columns - 1 (the bias row of the product is dropped).</summary>
    public static void GemvTransposed<T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> d, Span<T> e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        e.Clear();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 1; j < columns; j++)
            {
                e[j - 1] += theta[(i * columns) + j] * d[i];
            }
        }
    }

    /// <summary>delta[i, 0] += d[i]; delta[i, j + 1] += d[i] a[j].</summary>
    public static void RankOneUpdate<T>(Span<T> delta, int rows, int columns, ReadOnlySpan<T> d, ReadOnlySpan<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < rows; i++)
        {
            delta[i * columns] += d[i];
            for (int j = 1; j < columns; j++)
            {
                delta[(i * columns) + j] += d[i] * a[j - 1];
            }
        }
    }

    /// <summary>a[i] = 1 / (1 + e^-z[i]), one element at a time.</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> z, Span<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < z.Length; i++)
        {
            a[i] = T.One / (T.One + T.Exp(-z[i]));
        }
    }
}
