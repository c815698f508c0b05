using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>z = Theta[:,0] + Theta[:,1:] x for a block of examples (the forward GEMV with the bias column).</summary>
internal static class GemvWithBias
{
    /// <summary>
    /// theta is rows x columns row-major; x is count x (columns - 1), one example per row;
    /// z is count x rows: z[t, i] = theta[i, 0] + sum_j theta[i, j + 1] x[t, j].
    /// </summary>
    /// <remarks>
    /// Row-major Theta makes each z[t, i] a dot product. One pass computes a tile of 4 rows x 2 examples:
    /// each load of x serves the 4 rows, each load of Theta serves the 2 examples, and the 8 accumulators
    /// (one horizontal sum each at the end) keep both FMA pipes busy within the 16 registers of AVX2. The
    /// block's example pairs run inside each group of 4 rows, so that group's weights come from L1 after
    /// the first pair: Theta streams from L2 once per block, not once per example. (Four examples per tile
    /// would need 16 accumulators and spill on AVX2.) The dot products' tails are added element by element
    /// after the horizontal sum, in a fixed order, never overlapped. Every z[t, i] is summed the same way
    /// whatever tile computes it, so a block of examples gives bit for bit the per-example result.
    /// </remarks>
    public static void Compute<T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> x, Span<T> z, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Dispatch<T, No>(theta, rows, columns, x, z, count);

    /// <summary>
    /// <see cref="Compute{T}"/>, and returns the sum of the squared non-bias weights, sum over i, j of
    /// theta[i, j + 1]^2 (the regularization term of J), from the same loads of Theta: when one pass over
    /// the weights is all a call needs (one request), a second pass only for the squares would cost as much
    /// as the GEMV itself. Each row's squares are summed like its dot product (vector lanes, then the tail),
    /// rows in order. Needs count &gt;= 1.
    /// </summary>
    public static T ComputeWithSquares<T>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> x, Span<T> z, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Dispatch<T, Yes>(theta, rows, columns, x, z, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static T Dispatch<T, TSquares>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> x, Span<T> z, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TSquares : IStaticFlag
    {
        KernelArguments.CheckCount(count, nameof(count));
        KernelArguments.CheckMatrix(theta.Length, rows, columns, nameof(theta));
        KernelArguments.CheckLength(x.Length, count * (columns - 1), nameof(x));
        KernelArguments.CheckLength(z.Length, count * rows, nameof(z));
        return SimdPath.Active switch
        {
            SimdWidth.Vector512 => Run<Ops512<T>, Vector512<T>, T, TSquares>(theta, rows, columns, x, z, count),
            SimdWidth.Vector256 => Run<Ops256<T>, Vector256<T>, T, TSquares>(theta, rows, columns, x, z, count),
            SimdWidth.Vector128 => Run<Ops128<T>, Vector128<T>, T, TSquares>(theta, rows, columns, x, z, count),
            _ => Run<OpsScalar<T>, T, T, TSquares>(theta, rows, columns, x, z, count),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static T Run<TOps, TVec, T, TSquares>(ReadOnlySpan<T> theta, int rows, int columns, ReadOnlySpan<T> x, Span<T> z, int count)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TSquares : IStaticFlag
    {
        ref T th = ref MemoryMarshal.GetReference(theta);
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T zs = ref MemoryMarshal.GetReference(z);
        T squares = T.Zero;
        int i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            Rows<TOps, TVec, T, Count4, TSquares>(ref th, rows, columns, i, ref xs, count, ref zs, ref squares);
        }

        switch (rows - i)
        {
            case 1: Rows<TOps, TVec, T, Count1, TSquares>(ref th, rows, columns, i, ref xs, count, ref zs, ref squares); break;
            case 2: Rows<TOps, TVec, T, Count2, TSquares>(ref th, rows, columns, i, ref xs, count, ref zs, ref squares); break;
            case 3: Rows<TOps, TVec, T, Count3, TSquares>(ref th, rows, columns, i, ref xs, count, ref zs, ref squares); break;
            default: break;
        }

        return squares;
    }

    // Rows row0 .. row0 + TRows - 1 for every example, two at a time: the group's weights stay in L1. With
    // squares, the first example gets a tile of its own that also squares the weights it loads (a pair tile
    // with the squares' accumulators would not fit the 16 registers of AVX2).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Rows<TOps, TVec, T, TRows, TSquares>(ref T theta, int rows, int columns, int row0, ref T x, int count, ref T z, ref T squares)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IStaticCount
        where TSquares : IStaticFlag
    {
        int t = 0;
        if (TSquares.Value)
        {
            Tile<TOps, TVec, T, TRows, Count1, Yes>(ref theta, rows, columns, row0, ref x, t, ref z, ref squares);
            t = 1;
        }

        for (; t + 2 <= count; t += 2)
        {
            Tile<TOps, TVec, T, TRows, Count2, No>(ref theta, rows, columns, row0, ref x, t, ref z, ref squares);
        }

        if (t < count)
        {
            Tile<TOps, TVec, T, TRows, Count1, No>(ref theta, rows, columns, row0, ref x, t, ref z, ref squares);
        }
    }

    // z[t0 .. t0 + TExamples - 1, row0 .. row0 + TRows - 1]. The accumulators of rows past TRows are folded
    // away by the JIT (their refs repeat the last row, never read).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Tile<TOps, TVec, T, TRows, TExamples, TSquares>(ref T theta, int rows, int columns, int row0, ref T x, int t0, ref T z, ref T squares)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IStaticCount
        where TExamples : IStaticCount
        where TSquares : IStaticFlag
    {
        int n = columns - 1;
        int w = TOps.Count;
        int valid = TRows.Value;                                                              // a constant per instantiation
        ref T r0 = ref Unsafe.Add(ref theta, (row0 * columns) + 1);                           // Theta[row0, 1]
        ref T r1 = ref Unsafe.Add(ref theta, ((row0 + Math.Min(1, valid - 1)) * columns) + 1);
        ref T r2 = ref Unsafe.Add(ref theta, ((row0 + Math.Min(2, valid - 1)) * columns) + 1);
        ref T r3 = ref Unsafe.Add(ref theta, ((row0 + Math.Min(3, valid - 1)) * columns) + 1);
        ref T x0 = ref Unsafe.Add(ref x, t0 * n);                                             // x[t0, 0]
        ref T x1 = ref Unsafe.Add(ref x, (t0 + TExamples.Value - 1) * n);                     // x[t0 + 1, 0] for a pair

        TVec s00 = TOps.Zero, s10 = TOps.Zero, s20 = TOps.Zero, s30 = TOps.Zero;          // s<row><example>
        TVec s01 = TOps.Zero, s11 = TOps.Zero, s21 = TOps.Zero, s31 = TOps.Zero;
        TVec q0 = TOps.Zero, q1 = TOps.Zero, q2 = TOps.Zero, q3 = TOps.Zero;              // squares of row 0..3
        int j = 0;
        for (; j <= n - w; j += w)
        {
            TVec v0 = TOps.Load(in Unsafe.Add(ref x0, j));
            TVec v1 = TExamples.Value > 1 ? TOps.Load(in Unsafe.Add(ref x1, j)) : v0;
            TVec c = TOps.Load(in Unsafe.Add(ref r0, j));
            s00 = TOps.MultiplyAdd(c, v0, s00);
            s01 = TExamples.Value > 1 ? TOps.MultiplyAdd(c, v1, s01) : s01;
            q0 = TSquares.Value ? TOps.MultiplyAdd(c, c, q0) : q0;
            if (TRows.Value > 1)
            {
                c = TOps.Load(in Unsafe.Add(ref r1, j));
                s10 = TOps.MultiplyAdd(c, v0, s10);
                s11 = TExamples.Value > 1 ? TOps.MultiplyAdd(c, v1, s11) : s11;
                q1 = TSquares.Value ? TOps.MultiplyAdd(c, c, q1) : q1;
            }

            if (TRows.Value > 2)
            {
                c = TOps.Load(in Unsafe.Add(ref r2, j));
                s20 = TOps.MultiplyAdd(c, v0, s20);
                s21 = TExamples.Value > 1 ? TOps.MultiplyAdd(c, v1, s21) : s21;
                q2 = TSquares.Value ? TOps.MultiplyAdd(c, c, q2) : q2;
            }

            if (TRows.Value > 3)
            {
                c = TOps.Load(in Unsafe.Add(ref r3, j));
                s30 = TOps.MultiplyAdd(c, v0, s30);
                s31 = TExamples.Value > 1 ? TOps.MultiplyAdd(c, v1, s31) : s31;
                q3 = TSquares.Value ? TOps.MultiplyAdd(c, c, q3) : q3;
            }
        }

        if (TSquares.Value)
        {
            squares += RowSquares<TOps, TVec, T>(q0, ref r0, j, n);
            squares = valid > 1 ? squares + RowSquares<TOps, TVec, T>(q1, ref r1, j, n) : squares;
            squares = valid > 2 ? squares + RowSquares<TOps, TVec, T>(q2, ref r2, j, n) : squares;
            squares = valid > 3 ? squares + RowSquares<TOps, TVec, T>(q3, ref r3, j, n) : squares;
        }

        ref T z0 = ref Unsafe.Add(ref z, (t0 * rows) + row0);                                 // z[t0, row0]
        ref T z1 = ref Unsafe.Add(ref z0, rows);                                              // z[t0 + 1, row0]
        Finish<TOps, TVec, T>(s00, ref r0, ref x0, j, n, ref z0);
        if (TExamples.Value > 1)
        {
            Finish<TOps, TVec, T>(s01, ref r0, ref x1, j, n, ref z1);
        }

        if (valid > 1)
        {
            Finish<TOps, TVec, T>(s10, ref r1, ref x0, j, n, ref Unsafe.Add(ref z0, 1));
            if (TExamples.Value > 1)
            {
                Finish<TOps, TVec, T>(s11, ref r1, ref x1, j, n, ref Unsafe.Add(ref z1, 1));
            }
        }

        if (valid > 2)
        {
            Finish<TOps, TVec, T>(s20, ref r2, ref x0, j, n, ref Unsafe.Add(ref z0, 2));
            if (TExamples.Value > 1)
            {
                Finish<TOps, TVec, T>(s21, ref r2, ref x1, j, n, ref Unsafe.Add(ref z1, 2));
            }
        }

        if (valid > 3)
        {
            Finish<TOps, TVec, T>(s30, ref r3, ref x0, j, n, ref Unsafe.Add(ref z0, 3));
            if (TExamples.Value > 1)
            {
                Finish<TOps, TVec, T>(s31, ref r3, ref x1, j, n, ref Unsafe.Add(ref z1, 3));
            }
        }
    }

    // result = Theta[i, 0] + (horizontal sum of the accumulator + the tail j .. n - 1, element by element);
    // row points at Theta[i, 1], so the bias is the element before it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TOps, TVec, T>(TVec accumulator, ref T row, ref T x, int j, int n, ref T result)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = TOps.Sum(accumulator);
        for (; j < n; j++)
        {
            sum = OpsScalar<T>.MultiplyAdd(Unsafe.Add(ref row, j), Unsafe.Add(ref x, j), sum);
        }

        result = Unsafe.Add(ref row, -1) + sum;
    }

    // The squares of one row: the horizontal sum of its accumulator, then the tail j .. n - 1 in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T RowSquares<TOps, TVec, T>(TVec accumulator, ref T row, int j, int n)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = TOps.Sum(accumulator);
        for (; j < n; j++)
        {
            T w = Unsafe.Add(ref row, j);
            sum = OpsScalar<T>.MultiplyAdd(w, w, sum);
        }

        return sum;
    }
}
