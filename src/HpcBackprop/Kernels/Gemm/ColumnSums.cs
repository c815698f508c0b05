using System.Numerics;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// The bias column of Delta = D' A when A's first column is all ones: Delta[i, 0] += sum over rows t
/// of D[t, i]. The ones column of A is never materialized, so the batched engine adds it here.
/// </summary>
internal static class ColumnSums
{
    /// <summary>
    /// sums[i * stride] += sum over t of d[t * n + i], for i &lt; n; the rows are added in order t = 0, 1, ...,
    /// the same order as the per-example updates.
    /// </summary>
    public static void Accumulate<T>(
        ReadOnlySpan<T> d,   // rows x n, row-major
        int rows, int n,
        Span<T> sums,        // n values, stride apart
        int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(d.Length, rows * n, nameof(d));
        if (n > 0 && sums.Length < ((n - 1) * stride) + 1)
        {
            throw new ArgumentException($"Expected {n} sums {stride} apart; got {sums.Length} elements.", nameof(sums));
        }

        for (int i = 0; i < n; i++)
        {
            T sum = sums[i * stride];
            for (int t = 0; t < rows; t++)
            {
                sum += d[(t * n) + i];
            }

            sums[i * stride] = sum;
        }
    }
}
