using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// The register-blocked heart of the GEMM: an MR x NR tile of C (MR = <see cref="Rows"/>, NR =
/// <see cref="VectorsPerRow"/> registers) from an MR x kc sliver of op(A) and a kc x NR sliver of op(B).
/// Each k step loads the NR-wide row of B once and broadcasts each of the MR elements of A's column
/// into a fused multiply-add with it: 12 accumulators, 2 B registers and 1 broadcast fit the 16
/// registers of AVX2 (6 x 16 in float, as BLIS uses on Haswell and Zen).
/// </summary>
/// <remarks>
/// Written once for every width: TOps is Ops256 (6 x 16 float, 6 x 8 double on AVX2), Ops512,
/// Ops128 or OpsScalar (6 x 2). The slivers are addressed by strides so the same kernel reads packed
/// buffers (A: row stride 1, k step MR; B: k step NR) or the operands in place (the no-pack path).
/// </remarks>
internal static class GemmMicroKernel
{
    /// <summary>MR, the rows of the register tile.</summary>
    public const int Rows = 6;

    /// <summary>Registers per tile row: NR = VectorsPerRow x TOps.Count.</summary>
    public const int VectorsPerRow = 2;

    /// <summary>
    /// C tile (TRows x TVectors registers at <paramref name="c"/>, rows <paramref name="ldc"/> apart) = the combination
    /// <paramref name="store"/> of itself and sum over p &lt; kc of op(A)(r, p) op(B)(p, :).
    /// </summary>
    /// <remarks>
    /// TRows is the tile's height: MR (<see cref="Rows"/>) for a whole tile over packed op(A), fewer on C's bottom
    /// edge, and 1 .. MR over an op(A) read in place, whose tiles have equal heights (GemmDriver.RowTile), so a
    /// short tile costs its rows of work, not MR. The JIT folds the row tests of each instantiation.
    /// Each entry of C is one chain of fused multiply-adds in k order, whatever TRows: the tile height never
    /// changes a bit of the result.
    /// TVectors (1 or <see cref="VectorsPerRow"/>) is the tile's width in registers: one for an edge tile whose columns fit
    /// one vector. Only that many vectors of each row of B, C and the bias are read or written; the JIT folds these tests
    /// too, and the width never changes a bit either.
    /// Epilogues are applied by the driver to the stored tile (still in L1), not here: inlining a
    /// vector exp twelve times into this method made it large enough to cost the k loop its registers.
    /// </remarks>
    /// <param name="kc">The k extent of this block.</param>
    /// <param name="a">op(A)(0, 0) of the sliver: element (r, p) at a[r * aRowStride + p * aStep], r &lt; TRows.</param>
    /// <param name="aRowStride">Elements between rows of the sliver.</param>
    /// <param name="aStep">Elements between k steps of the sliver.</param>
    /// <param name="b">op(B)(0, 0) of the sliver: row p is NR contiguous elements at b[p * bStep] (the first TVectors vectors are read).</param>
    /// <param name="bStep">Elements between k steps of the sliver.</param>
    /// <param name="c">C(0, 0) of the tile.</param>
    /// <param name="ldc">Elements between rows of C.</param>
    /// <param name="store">Overwrite, accumulate into, or start from the bias.</param>
    /// <param name="bias">TVectors vectors of bias values for <see cref="TileStore.Bias"/> (otherwise not read).</param>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<TOps, TVec, T, TRows, TVectors>(
        int kc,
        ref readonly T a, nint aRowStride, nint aStep,
        ref readonly T b, nint bStep,
        ref T c, nint ldc, TileStore store, ref readonly T bias)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IStaticCount
        where TVectors : IStaticCount
    {
        // One base reference per row, so the k loop advances a single offset for all of them (rows past TRows
        // point at row 0, never past the sliver, and are never read).
        ref T a0 = ref Unsafe.AsRef(in a);
        ref T a1 = ref TRows.Value > 1 ? ref Unsafe.Add(ref a0, aRowStride) : ref a0;
        ref T a2 = ref TRows.Value > 2 ? ref Unsafe.Add(ref a0, 2 * aRowStride) : ref a0;
        ref T a3 = ref TRows.Value > 3 ? ref Unsafe.Add(ref a0, 3 * aRowStride) : ref a0;
        ref T a4 = ref TRows.Value > 4 ? ref Unsafe.Add(ref a0, 4 * aRowStride) : ref a0;
        ref T a5 = ref TRows.Value > 5 ? ref Unsafe.Add(ref a0, 5 * aRowStride) : ref a0;
        ref T b0 = ref Unsafe.AsRef(in b);
        nint w = TOps.Count;
        Prefetch.TileToL1(ref c, ldc, TRows.Value, TVectors.Value * w);

        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        // The k loop counts with B's offset alone (no separate p): with six row references, a counter and its
        // bound the loop needs one register more than x64 has, and the JIT reloaded a row reference from the
        // stack twice per step.
        nint ao = 0, bEnd = kc * bStep;
        for (nint bo = 0; bo < bEnd; bo += bStep)
        {
            TVec bv0 = TOps.Load(in Unsafe.Add(ref b0, bo));
            TVec bv1 = TVectors.Value > 1 ? TOps.Load(in Unsafe.Add(ref b0, bo + w)) : default;
            TVec x = TOps.Create(Unsafe.Add(ref a0, ao));
            c00 = TOps.MultiplyAdd(x, bv0, c00);
            if (TVectors.Value > 1)
            {
                c01 = TOps.MultiplyAdd(x, bv1, c01);
            }
            if (TRows.Value > 1)
            {
                x = TOps.Create(Unsafe.Add(ref a1, ao));
                c10 = TOps.MultiplyAdd(x, bv0, c10);
                if (TVectors.Value > 1)
                {
                    c11 = TOps.MultiplyAdd(x, bv1, c11);
                }
            }

            if (TRows.Value > 2)
            {
                x = TOps.Create(Unsafe.Add(ref a2, ao));
                c20 = TOps.MultiplyAdd(x, bv0, c20);
                if (TVectors.Value > 1)
                {
                    c21 = TOps.MultiplyAdd(x, bv1, c21);
                }
            }

            if (TRows.Value > 3)
            {
                x = TOps.Create(Unsafe.Add(ref a3, ao));
                c30 = TOps.MultiplyAdd(x, bv0, c30);
                if (TVectors.Value > 1)
                {
                    c31 = TOps.MultiplyAdd(x, bv1, c31);
                }
            }

            if (TRows.Value > 4)
            {
                x = TOps.Create(Unsafe.Add(ref a4, ao));
                c40 = TOps.MultiplyAdd(x, bv0, c40);
                if (TVectors.Value > 1)
                {
                    c41 = TOps.MultiplyAdd(x, bv1, c41);
                }
            }

            if (TRows.Value > 5)
            {
                x = TOps.Create(Unsafe.Add(ref a5, ao));
                c50 = TOps.MultiplyAdd(x, bv0, c50);
                if (TVectors.Value > 1)
                {
                    c51 = TOps.MultiplyAdd(x, bv1, c51);
                }
            }

            ao += aStep;
        }

        ref readonly T biasRef = ref bias;
        StoreRow<TOps, TVec, T, TVectors>(c00, c01, ref c, store, in biasRef);
        if (TRows.Value > 1)
        {
            StoreRow<TOps, TVec, T, TVectors>(c10, c11, ref Unsafe.Add(ref c, ldc), store, in biasRef);
        }

        if (TRows.Value > 2)
        {
            StoreRow<TOps, TVec, T, TVectors>(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), store, in biasRef);
        }

        if (TRows.Value > 3)
        {
            StoreRow<TOps, TVec, T, TVectors>(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), store, in biasRef);
        }

        if (TRows.Value > 4)
        {
            StoreRow<TOps, TVec, T, TVectors>(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), store, in biasRef);
        }

        if (TRows.Value > 5)
        {
            StoreRow<TOps, TVec, T, TVectors>(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), store, in biasRef);
        }
    }

    /// <summary>
    /// The tile of <see cref="Compute{TOps, TVec, T, TRows, TVectors}"/> for <paramref name="rows"/> (1 .. MR) rows
    /// known only at run time (see the remarks there), <paramref name="vectors"/> (1 or <see cref="VectorsPerRow"/>)
    /// registers wide.
    /// </summary>
    /// <remarks>
    /// One register wide serves the edge tiles whose columns fit one vector (in float at 512 bits: a 10-wide output layer,
    /// the last 16 columns of a 784- or 400-wide C): only the first vector of each row of the tile and of the B sliver
    /// is read or written, so such a tile costs half the multiply-adds. Each entry's chain is the same, so its bits are too.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<TOps, TVec, T>(
        int kc, int rows,
        ref readonly T a, nint aRowStride, nint aStep,
        ref readonly T b, nint bStep,
        ref T c, nint ldc, TileStore store, ref readonly T bias, int vectors = VectorsPerRow)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (vectors == 1)
        {
            OfHeight<TOps, TVec, T, Count1>(kc, rows, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias);
        }
        else if (vectors == VectorsPerRow)
        {
            OfHeight<TOps, TVec, T, Count2>(kc, rows, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias);
        }
        else
        {
            throw new UnreachableException($"A tile is 1 or {VectorsPerRow} registers wide, not {vectors}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OfHeight<TOps, TVec, T, TVectors>(
        int kc, int rows,
        ref readonly T a, nint aRowStride, nint aStep,
        ref readonly T b, nint bStep,
        ref T c, nint ldc, TileStore store, ref readonly T bias)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVectors : IStaticCount
    {
        switch (rows)
        {
            case 1: Compute<TOps, TVec, T, Count1, TVectors>(kc, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias); break;
            case 2: Compute<TOps, TVec, T, Count2, TVectors>(kc, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias); break;
            case 3: Compute<TOps, TVec, T, Count3, TVectors>(kc, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias); break;
            case 4: Compute<TOps, TVec, T, Count4, TVectors>(kc, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias); break;
            case 5: Compute<TOps, TVec, T, Count5, TVectors>(kc, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias); break;
            case Rows: Compute<TOps, TVec, T, Count6, TVectors>(kc, in a, aRowStride, aStep, in b, bStep, ref c, ldc, store, in bias); break;
            default: throw new UnreachableException($"A tile has 1 to {Rows} rows, not {rows}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TOps, TVec, T, TVectors>(TVec sum0, TVec sum1, ref T c, TileStore store, ref readonly T bias)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVectors : IStaticCount
    {
        int w = TOps.Count;
        ref T c1 = ref Unsafe.Add(ref c, w);
        if (store == TileStore.Accumulate)
        {
            sum0 = TOps.Add(TOps.Load(in c), sum0);
            if (TVectors.Value > 1)
            {
                sum1 = TOps.Add(TOps.Load(in c1), sum1);
            }
        }
        else if (store == TileStore.Bias)
        {
            sum0 = TOps.Add(TOps.Load(in bias), sum0);
            if (TVectors.Value > 1)
            {
                sum1 = TOps.Add(TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in bias), w)), sum1);
            }
        }

        TOps.Store(sum0, ref c);
        if (TVectors.Value > 1)
        {
            TOps.Store(sum1, ref c1);
        }
    }
}
