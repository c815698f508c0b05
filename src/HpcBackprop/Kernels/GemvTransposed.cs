using System.Numerics;

namespace HpcBackprop.Kernels;

/// <summary>e = Theta[:,1:]' d for a block of examples (the transposed GEMV, the bias row dropped).</summary>
internal static class GemvTransposed
{
    /// <summary>
    /// theta is rows x columns row-major; d is count x rows; e is count x (columns - 1):
    /// e[t, j] = sum_i theta[i, j + 1] d[t, i].
    /// </summary>
    public static void Compute<T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> d, Span<T> e, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckMatrix(theta.Length, rows, columns, nameof(theta));
        KernelArguments.CheckLength(d.Length, count * rows, nameof(d));
        KernelArguments.CheckLength(e.Length, count * (columns - 1), nameof(e));
        int n = columns - 1;
        e.Clear();
        for (int t = 0; t < count; t++)
        {
            Span<T> et = e.Slice(t * n, n);
            for (int i = 0; i < rows; i++)
            {
                T di = d[(t * rows) + i];
                ReadOnlySpan<T> row = theta.Slice((i * columns) + 1, n);
                for (int j = 0; j < n; j++)
                {
                    et[j] += row[j] * di;
                }
            }
        }
    }
}
