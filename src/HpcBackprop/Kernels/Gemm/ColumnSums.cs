using System.Numerics;
using System.Runtime.CompilerServices;

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
    /// <remarks>
    /// The sums are carried in <paramref name="scratch"/>, contiguous, so D is read row by row as it is
    /// stored (a column walk would touch a new cache line per element) and the strided column of
    /// Delta is read and written once.
    /// </remarks>
    public static void Accumulate<T>(
        ReadOnlySpan<T> d,   // rows x n, row-major
        int rows, int n,
        Span<T> sums,        // n values, stride apart
        int stride,
        Span<T> scratch)     // at least n
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(d.Length, rows * n, nameof(d));
        if (n > 0 && sums.Length < ((n - 1) * stride) + 1)
        {
            throw new ArgumentException($"Expected {n} sums {stride} apart; got {sums.Length} elements.", nameof(sums));
        }

        Span<T> acc = scratch[..n];
        for (int i = 0; i < n; i++)
        {
            acc[i] = sums[i * stride];
        }

        AddRows(d, rows, n, acc);
        for (int i = 0; i < n; i++)
        {
            sums[i * stride] = acc[i];
        }
    }

    /// <summary>sums[i] += sum over t of d[t * n + i], for i &lt; n, the rows added in order t = 0, 1, ...</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void AddRows<T>(
        ReadOnlySpan<T> d,   // rows x n, row-major
        int rows, int n,
        Span<T> sums)        // n, contiguous
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(d.Length, rows * n, nameof(d));
        KernelArguments.CheckLength(sums.Length, n, nameof(sums));
        for (int t = 0; t < rows; t++)
        {
            ReadOnlySpan<T> row = d.Slice(t * n, n);
            if (n >= VectorFrom)
            {
                ScaledSum.Compute(T.One, sums, T.One, row, sums); // 1 x + 1 y is exactly x + y
                continue;
            }

            for (int i = 0; i < sums.Length; i++)
            {
                sums[i] += row[i];
            }
        }
    }

    // Below this width a row goes through the scalar loop; an addition rounds the same either way.
    private const int VectorFrom = 16;
}
