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
    /// <see cref="AddRows{T}"/> at one width, n &gt;= TOps.Count. The columns go in strips of up to <see cref="RegisterVectors"/>
    /// vectors, each carried down all the rows in registers: one load and one add per vector per row, and no call per row
    /// (a vector call per row was 4.7% of the batched 400-25-10 step, whose rows are 25 and 10 wide). Rows of a page or
    /// more (<see cref="StripRowBytes"/>) are added one row at a time into the sums instead, so D is read as stored.
    /// </summary>
    /// <remarks>
    /// Measured alone (float, 512 bits, pinned, warm, the two ways alternated in one process): strips against rows one
    /// at a time took 1.15 against 5.98 us for 256 x 128 (the bias column of a 128-unit layer's Delta), 3.12 against 24.9 us
    /// for 1024 x 128, 3.0 against 7.4 for 256 x 256, 6.5 against 9.0 for 256 x 512 and 10.9 against 12.4 for 256 x 784;
    /// but 22.1 against 14.9 us for 256 x 1024 and 4.5 against 3.5 for 64 x 1024, whose strips read one 4 KiB page per row,
    /// a stride the prefetchers do not follow across pages.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void AddRows<TOps, TVec, T>(ReadOnlySpan<T> d, int rows, int n, Span<T> sums)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = TOps.Count;
        if (n > RegisterVectors * w && (long)n * Unsafe.SizeOf<T>() >= StripRowBytes)
        {
            // Row by row into the sums (at this width n is wider than the active vector, so ScaledSum runs at TOps' width).
            for (int t = 0; t < rows; t++)
            {
                ScaledSum.Compute(T.One, sums, T.One, d.Slice(t * n, n), sums); // 1 x + 1 y is exactly x + y
            }

            return;
        }

        // Strips of whole vectors; the last also carries the last w columns when n is not a multiple of w. That vector
        // overlaps the whole one before it, in the same strip (earlier strips end before it): each lane still adds its own
        // column's rows in order, and the shared lanes are stored twice with the same value.
        ref T d0 = ref MemoryMarshal.GetReference(d);
        ref T s0 = ref MemoryMarshal.GetReference(sums);
        int whole = n / w;
        for (int v = 0; v < whole; v += RegisterVectors)
        {
            int vectors = Math.Min(RegisterVectors, whole - v);
            Strip<TOps, TVec, T>(ref d0, rows, n, ref s0, v * w, vectors, withTail: v + vectors == whole && n % w != 0);
        }
    }

    /// <summary>
    /// sums[j ..] += the rows' <paramref name="vectors"/> whole vectors from column <paramref name="j"/>, and, when
    /// <paramref name="withTail"/>, their last w columns too, carried down all the rows in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Strip<TOps, TVec, T>(ref T d0, int rows, int n, ref T s0, int j, int vectors, bool withTail)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = TOps.Count;
        nint tail = n - w;
        ref T s = ref Unsafe.Add(ref s0, j);
        TVec acc0 = TOps.Load(in s);
        TVec acc1 = vectors > 1 ? TOps.Load(in Unsafe.Add(ref s, w)) : default;
        TVec acc2 = vectors > 2 ? TOps.Load(in Unsafe.Add(ref s, 2 * w)) : default;
        TVec acc3 = vectors > 3 ? TOps.Load(in Unsafe.Add(ref s, 3 * w)) : default;
        TVec accTail = withTail ? TOps.Load(in Unsafe.Add(ref s0, tail)) : default;
        nint tailFromJ = tail - j;
        ref T r = ref Unsafe.Add(ref d0, j);
        for (int t = 0; t < rows; t++, r = ref Unsafe.Add(ref r, n))
        {
            acc0 = TOps.Add(acc0, TOps.Load(in r));
            if (vectors > 1)
            {
                acc1 = TOps.Add(acc1, TOps.Load(in Unsafe.Add(ref r, w)));
            }

            if (vectors > 2)
            {
                acc2 = TOps.Add(acc2, TOps.Load(in Unsafe.Add(ref r, 2 * w)));
            }

            if (vectors > 3)
            {
                acc3 = TOps.Add(acc3, TOps.Load(in Unsafe.Add(ref r, 3 * w)));
            }

            if (withTail)
            {
                accTail = TOps.Add(accTail, TOps.Load(in Unsafe.Add(ref r, tailFromJ)));
            }
        }

        TOps.Store(acc0, ref s);
        if (vectors > 1)
        {
            TOps.Store(acc1, ref Unsafe.Add(ref s, w));
        }

        if (vectors > 2)
        {
            TOps.Store(acc2, ref Unsafe.Add(ref s, 2 * w));
        }

        if (vectors > 3)
        {
            TOps.Store(acc3, ref Unsafe.Add(ref s, 3 * w));
        }

        if (withTail)
        {
            TOps.Store(accTail, ref Unsafe.Add(ref s0, tail));
        }
    }

    /// <summary>Rows of at least this many bytes, and wider than <see cref="RegisterVectors"/> vectors, are added one row at a time.</summary>
    private const int StripRowBytes = 4096;

    /// <summary>Vectors per strip of columns summed in registers.</summary>
    private const int RegisterVectors = 4;
}
