using System.Numerics;

namespace HpcBackprop.Kernels;

/// <summary>z = Theta[:,0] + Theta[:,1:] x for a block of examples (the forward GEMV with the bias column).</summary>
internal static class GemvWithBias
{
    /// <summary>
    /// theta is rows x columns row-major; x is count x (columns - 1), one example per row;
    /// z is count x rows: z[t, i] = theta[i, 0] + sum_j theta[i, j + 1] x[t, j].
    /// </summary>
    public static void Compute<T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> x, Span<T> z, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckMatrix(theta.Length, rows, columns, nameof(theta));
        KernelArguments.CheckLength(x.Length, count * (columns - 1), nameof(x));
        KernelArguments.CheckLength(z.Length, count * rows, nameof(z));
        int n = columns - 1;
        for (int t = 0; t < count; t++)
        {
            ReadOnlySpan<T> xt = x.Slice(t * n, n);
            for (int i = 0; i < rows; i++)
            {
                ReadOnlySpan<T> row = theta.Slice(i * columns, columns);
                T sum = row[0];
                for (int j = 0; j < n; j++)
                {
                    sum += row[j + 1] * xt[j];
                }

                z[(t * rows) + i] = sum;
            }
        }
    }
}
