using System.Numerics;

namespace HpcBackprop.Kernels;

/// <summary>Delta += d a' with the bias column, for a block of examples (BLAS GER, accumulated in example order).</summary>
internal static class RankOneUpdate
{
    /// <summary>
    /// delta is rows x columns row-major; d is count x rows; a is count x (columns - 1). For each example t
    /// in order: delta[i, 0] += d[t, i]; delta[i, j + 1] += d[t, i] a[t, j].
    /// </summary>
    public static void Accumulate<T>(Span<T> delta, int rows, int columns, ReadOnlySpan<T> d, ReadOnlySpan<T> a, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckMatrix(delta.Length, rows, columns, nameof(delta));
        KernelArguments.CheckLength(d.Length, count * rows, nameof(d));
        KernelArguments.CheckLength(a.Length, count * (columns - 1), nameof(a));
        int n = columns - 1;
        for (int t = 0; t < count; t++)
        {
            ReadOnlySpan<T> at = a.Slice(t * n, n);
            for (int i = 0; i < rows; i++)
            {
                T di = d[(t * rows) + i];
                Span<T> row = delta.Slice(i * columns, columns);
                row[0] += di;
                for (int j = 0; j < n; j++)
                {
                    row[j + 1] += di * at[j];
                }
            }
        }
    }
}
