using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// Copies a block of op(A) or op(B) into the order the micro-kernel reads it: slivers of MR rows
/// of op(A) (or NR columns of op(B)), each stored k step by k step, so the kernel's loads are
/// contiguous whatever the operand's orientation. Edges are zero-padded to a full sliver: the kernel
/// loads whole NR-wide rows of a B sliver (only their first vector when the edge fits one), and the padding
/// adds zeros to tile columns that are discarded. (It computes only the rows of an A sliver that exist, so A's padding rows are written but
/// never read; one copy routine serves both.)
/// </summary>
/// <remarks>
/// Packing A and packing B are the same copy seen from two sides: an NR-column sliver of op(B) is an
/// NR-row sliver of op(B)'. Both call <see cref="PackSlivers"/> with the strides swapped.
/// </remarks>
internal static class GemmPacking
{
    /// <summary>
    /// Packs op(A) rows <paramref name="row"/> .. + <paramref name="mc"/>, k <paramref name="k"/> .. + <paramref name="kc"/>:
    /// sliver s (MR rows) starts at packed[s * MR * kc], its element (r, p) is at [p * MR + r].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void PackA<TOps, TVec, T>(scoped in GemmOperand<T> a, int row, int mc, int k, int kc, int mr, Span<T> packed)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => PackSlivers<TOps, TVec, T>(in At(in a, row, k), a.RowStride, a.ColumnStride, mc, kc, mr, packed);

    /// <summary>
    /// Packs op(B) k <paramref name="k"/> .. + <paramref name="kc"/>, columns <paramref name="column"/> .. + <paramref name="nc"/>:
    /// sliver s (NR columns) starts at packed[s * NR * kc], its element (p, j) is at [p * NR + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void PackB<TOps, TVec, T>(scoped in GemmOperand<T> b, int k, int kc, int column, int nc, int nr, Span<T> packed)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => PackSlivers<TOps, TVec, T>(in At(in b, k, column), b.ColumnStride, b.RowStride, nc, kc, nr, packed);

    /// <summary>
    /// Packs rows (columns) <paramref name="first"/> .. + <paramref name="count"/> of op(A) (<paramref name="asA"/>) or
    /// op(B) into their place in the whole operand's packing, for every k block of <paramref name="blocking"/>: k block
    /// pc (KC steps from pc) starts at packed[pc * extent] and is laid out as <see cref="PackA"/> or <see cref="PackB"/>
    /// lays out a block of all the rows (columns), extent = rows (columns) rounded up to MR (NR). So rows (columns)
    /// r .. of k block pc are at packed[pc * extent + r * kc], for r a multiple of MR (NR). <paramref name="first"/> is
    /// a multiple of MR (NR) and the range ends on one or at the last row (column): disjoint ranges write disjoint
    /// elements, so threads can pack one operand between them.
    /// </summary>
    /// <returns>The extent.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static int PackRange<TOps, TVec, T>(scoped in GemmOperand<T> x, bool asA, GemmBlocking blocking, int first, int count, Span<T> packed)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int unit = asA ? blocking.MR : blocking.NR;
        int total = asA ? x.Rows : x.Columns, k = asA ? x.Columns : x.Rows;
        int extent = (total + unit - 1) / unit * unit;
        for (int pc = 0; pc < k; pc += blocking.KC)
        {
            int kc = Math.Min(blocking.KC, k - pc);
            Span<T> block = packed.Slice((pc * extent) + (first * kc), (count + unit - 1) / unit * unit * kc);
            if (asA)
            {
                PackA<TOps, TVec, T>(in x, first, count, pc, kc, unit, block);
            }
            else
            {
                PackB<TOps, TVec, T>(in x, pc, kc, first, count, unit, block);
            }
        }

        return extent;
    }

    /// <summary>A reference to op(X)(i, j); the operand's constructor checked the extent.</summary>
    public static ref readonly T At<T>(scoped in GemmOperand<T> x, int i, int j)
        => ref Unsafe.Add(ref MemoryMarshal.GetReference(x.Data), (i * x.RowStride) + (j * x.ColumnStride));

    /// <summary>k steps copied per pass across the slivers when the source is contiguous across them.</summary>
    private const int KChunk = 8;

    // to[0..count) = from[0..count), with whole vectors where they fit: a run that is not a multiple of the
    // vector ends with one vector that overlaps the last (the same values written twice), and a run shorter
    // than the vector (an MR = 6 row of op(A) at 256 bits and wider) goes by 16-byte pieces, the last one
    // overlapping too. Element by element, the 6-element runs of a transposed op(A) took 0.29 ms for a
    // 1024 x 256 float panel against 0.065 ms for a panel of op(B) the same size.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun<TOps, TVec, T>(ref T from, ref T to, int count)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = TOps.Count;
        if (count >= w)
        {
            int i = 0;
            for (; i <= count - w; i += w)
            {
                TOps.Store(TOps.Load(in Unsafe.Add(ref from, i)), ref Unsafe.Add(ref to, i));
            }

            if (i < count)
            {
                TOps.Store(TOps.Load(in Unsafe.Add(ref from, count - w)), ref Unsafe.Add(ref to, count - w));
            }

            return;
        }

        int bytes = count * Unsafe.SizeOf<T>();
        if (bytes >= Vector128<byte>.Count)
        {
            ref byte source = ref Unsafe.As<T, byte>(ref from);
            ref byte target = ref Unsafe.As<T, byte>(ref to);
            int b = 0;
            for (; b <= bytes - Vector128<byte>.Count; b += Vector128<byte>.Count)
            {
                Vector128.LoadUnsafe(ref source, (nuint)b).StoreUnsafe(ref target, (nuint)b);
            }

            if (b < bytes)
            {
                nuint last = (nuint)(bytes - Vector128<byte>.Count);
                Vector128.LoadUnsafe(ref source, last).StoreUnsafe(ref target, last);
            }

            return;
        }

        for (int i = 0; i < count; i++)
        {
            Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i);
        }
    }

    // source element (i, p), i across the sliver and p along k, is at source[i * across + p * along].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void PackSlivers<TOps, TVec, T>(ref readonly T source, nint across, nint along, int count, int kc, int width, Span<T> packed)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T src = ref Unsafe.AsRef(in source);
        ref T dst0 = ref MemoryMarshal.GetReference(packed.Slice(0, ((count + width - 1) / width) * width * kc));
        if (across == 1)
        {
            // Contiguous across the sliver (op(A) transposed, op(B) as stored): rows elements per k step.
            // Copied KChunk k steps at a time across all slivers, so the source is read along its stored
            // rows; sliver by sliver, each k step would be a new line (and a new 4 KiB page for a
            // 1024-wide float matrix) that the hardware prefetcher does not follow.
            int last = (count - 1) / width * width;
            if (count - last < width)
            {
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst0, (nint)last * kc), width * kc).Clear();
            }

            for (int p0 = 0; p0 < kc; p0 += KChunk)
            {
                int pEnd = Math.Min(kc, p0 + KChunk);
                for (int s0 = 0; s0 < count; s0 += width)
                {
                    int rows = Math.Min(width, count - s0);
                    ref T sliverSource = ref Unsafe.Add(ref src, s0);
                    ref T dst = ref Unsafe.Add(ref dst0, (nint)s0 * kc);
                    for (int p = p0; p < pEnd; p++)
                    {
                        CopyRun<TOps, TVec, T>(ref Unsafe.Add(ref sliverSource, p * along), ref Unsafe.Add(ref dst, p * width), rows);
                    }
                }
            }

            return;
        }

        for (int s0 = 0; s0 < count; s0 += width)
        {
            int rows = Math.Min(width, count - s0);
            ref T sliverSource = ref Unsafe.Add(ref src, s0 * across);
            ref T dst = ref Unsafe.Add(ref dst0, (nint)s0 * kc);
            if (rows < width)
            {
                MemoryMarshal.CreateSpan(ref dst, width * kc).Clear();
            }

            // Contiguous along k (op(A) as stored, op(B) transposed): a transpose. Full slivers go through
            // register transposes where the hardware has them, up to the last whole block of k.
            int done = along == 1 && rows == width && PackTranspose.Supports<T>(width)
                ? PackTranspose.Copy(ref sliverSource, across, kc, width, ref dst)
                : 0;
            for (int i = 0; i < rows; i++)
            {
                ref T from = ref Unsafe.Add(ref sliverSource, i * across);
                ref T to = ref Unsafe.Add(ref dst, i);
                for (int p = done; p < kc; p++)
                {
                    Unsafe.Add(ref to, p * width) = Unsafe.Add(ref from, p * along);
                }
            }
        }
    }
}
