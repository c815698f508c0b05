using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
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
        if (n == 0)
        {
            return;
        }

        // A row narrower than the active vector goes to the widest vector it fills: the output layer's 10 columns
        // take 256 bits when 512 are active.
        SimdWidth width = SimdPath.Active;
        if (width == SimdWidth.Vector512 && n < Vector512<T>.Count)
        {
            width = SimdWidth.Vector256;
        }

        if (width == SimdWidth.Vector256 && n < Vector256<T>.Count)
        {
            width = SimdWidth.Vector128;
        }

        if (width == SimdWidth.Vector128 && n < Vector128<T>.Count)
        {
            width = SimdWidth.Scalar;
        }

        switch (width)
        {
            case SimdWidth.Vector512: AddRows<Ops512<T>, Vector512<T>, T>(d, rows, n, sums); break;
            case SimdWidth.Vector256: AddRows<Ops256<T>, Vector256<T>, T>(d, rows, n, sums); break;
            case SimdWidth.Vector128: AddRows<Ops128<T>, Vector128<T>, T>(d, rows, n, sums); break;
            default: AddRows<OpsScalar<T>, T, T>(d, rows, n, sums); break;
        }
    }

    /// <summary>
    /// <see cref="AddRows{T}"/> at one width, n &gt;= TOps.Count. A row of up to <see cref="RegisterVectors"/> vectors
    /// is carried down all the rows in registers: one load and one add per vector per row, and no call per row (a
    /// vector call per row was 4.7% of the batched 400-25-10 step, whose rows are 25 and 10 wide). Wider rows are
    /// added one row at a time into the sums, which stay in L1, so D is read as stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void AddRows<TOps, TVec, T>(ReadOnlySpan<T> d, int rows, int n, Span<T> sums)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = TOps.Count;
        ref T d0 = ref MemoryMarshal.GetReference(d);
        ref T s0 = ref MemoryMarshal.GetReference(sums);
        if (n <= RegisterVectors * w)
        {
            // Whole vectors at 0, w, 2w and 3w (those that exist), and the last w columns (when n is not a multiple
            // of w), which overlap the whole vector before them: each lane still adds its own column's rows in order,
            // and the shared lanes are stored twice with the same value.
            int whole = n / w;
            nint tail = n - w;
            TVec acc0 = TOps.Load(in s0);
            TVec acc1 = whole > 1 ? TOps.Load(in Unsafe.Add(ref s0, w)) : default;
            TVec acc2 = whole > 2 ? TOps.Load(in Unsafe.Add(ref s0, 2 * w)) : default;
            TVec acc3 = whole > 3 ? TOps.Load(in Unsafe.Add(ref s0, 3 * w)) : default;
            TVec accTail = TOps.Load(in Unsafe.Add(ref s0, tail));
            ref T row = ref d0;
            for (int t = 0; t < rows; t++, row = ref Unsafe.Add(ref row, n))
            {
                acc0 = TOps.Add(acc0, TOps.Load(in row));
                if (whole > 1)
                {
                    acc1 = TOps.Add(acc1, TOps.Load(in Unsafe.Add(ref row, w)));
                }

                if (whole > 2)
                {
                    acc2 = TOps.Add(acc2, TOps.Load(in Unsafe.Add(ref row, 2 * w)));
                }

                if (whole > 3)
                {
                    acc3 = TOps.Add(acc3, TOps.Load(in Unsafe.Add(ref row, 3 * w)));
                }

                accTail = TOps.Add(accTail, TOps.Load(in Unsafe.Add(ref row, tail)));
            }

            TOps.Store(acc0, ref s0);
            if (whole > 1)
            {
                TOps.Store(acc1, ref Unsafe.Add(ref s0, w));
            }

            if (whole > 2)
            {
                TOps.Store(acc2, ref Unsafe.Add(ref s0, 2 * w));
            }

            if (whole > 3)
            {
                TOps.Store(acc3, ref Unsafe.Add(ref s0, 3 * w));
            }

            TOps.Store(accTail, ref Unsafe.Add(ref s0, tail));
            return;
        }

        // Row by row into the sums (at this width n is wider than the active vector, so ScaledSum runs at TOps' width).
        for (int t = 0; t < rows; t++)
        {
            ScaledSum.Compute(T.One, sums, T.One, d.Slice(t * n, n), sums); // 1 x + 1 y is exactly x + y
        }
    }

    /// <summary>Rows up to this many vectors wide are summed in registers.</summary>
    private const int RegisterVectors = 4;
}
