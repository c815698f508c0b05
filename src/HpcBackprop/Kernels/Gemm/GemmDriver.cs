using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// The five loops of Goto and van de Geijn around <see cref="GemmMicroKernel"/>, written once for
/// every width: NC columns of C at a time (B panel in L3) -> KC steps of k (pack the KC x NC panel of
/// op(B)) -> MC rows (pack the MC x KC block of op(A), L2) -> NR columns -> MR rows (micro-kernel);
/// the last two swapped when the k block is short (<see cref="ShortK"/>), and within bands of columns for the last k
/// block of a big C with an epilogue (<see cref="EpilogueBandBytes"/>). An operand that comes packed
/// (<see cref="GemmOperand{T}.WithPacked"/>) is read where it lies instead of being packed. A C of one column
/// sliver read from an op(A) in place runs tile by tile instead (<see cref="RunOneSliver"/>), through the same k
/// blocks in the same order.
/// </summary>
/// <remarks>
/// Each C tile receives its k blocks in increasing k order, whatever the blocking of rows and columns,
/// so splitting the MC x NC output blocks among threads (each block owned by one thread) will give the
/// same bits for any thread count. Either operand can be read in place instead of packed (the no-pack
/// path of <see cref="GemmPathChoice"/>): the kernel then reads it through its strides, and only a
/// partial last column sliver of B is packed, for its zero padding.
/// </remarks>
internal static class GemmDriver
{
    /// <summary>
    /// K blocks up to this long run their tiles row by row rather than column sliver by column sliver.
    /// </summary>
    /// <remarks>
    /// Measured on E(3) = D(4) Theta(3) of the 1024-1024-1024-10 step (k = 10, C and the epilogue's
    /// activations 1 MiB each, rows 4 KiB apart), inside the step: 0.50-0.89 ms column-wise against
    /// 0.30-0.41 ms row-wise (three alternated runs, float, one thread). Cache-hot in isolation the two
    /// orders tie; a long k block keeps the column order, whose B sliver stays in L1.
    /// </remarks>
    public const int ShortK = 32;

    /// <summary>
    /// The bytes of op(B) (kc x band) in one band of tiles of a product's last k block when it has an epilogue: the
    /// tiles go row by row across the band, so the epilogue's operands and C (rows a leading dimension apart, each
    /// its own 4 KiB page in the 1024-wide layers) are visited a band of columns at a time, instead of down one
    /// sliver-wide strip of all the rows after another; the band's B (256 float columns at KC 128, 128 at 256) stays in L2.
    /// </summary>
    /// <remarks>
    /// Measured on the one-thread 1024-1024-1024-10 step (pinned, min over 5 rounds, builds alternated 3 to 6 times),
    /// time against sliver-wide strips: the whole panel as one band 0.896-1.047 in float (median 0.959) but 1.008-1.015
    /// in double, whose 1 MiB k block of B no longer fits L2 beside the rest; bands of 64, 128 and 256 KiB of B gave
    /// medians 0.950, 0.954, 0.942 in float and 0.973, 0.967, 0.972 in double. Bands in every product lost where the
    /// operands are in L2 anyway (784-128-10: 1.031 on one thread, 1.052 on two), hence <see cref="EpilogueStreamBytes"/>.
    /// </remarks>
    public const int EpilogueBandBytes = 128 * 1024;

    /// <summary>
    /// The bytes of an MC x NC block of C above which its last k block goes in bands (<see cref="EpilogueBandBytes"/>):
    /// half the L2, so that C and the epilogue's operands laid out as C come from memory. With it, the one-thread 1024
    /// step (float) took 0.924-0.955 of the time of sliver-wide strips (4 alternations) and 0.951-0.967 in double
    /// (3), 784-128-10 0.982-0.997 (4). A product split by columns has blocks below it (256 x 128); one split by rows
    /// alone (<see cref="ParallelGemm{T}.RowsOnly"/>) has blocks above it when C is wide (132 x 1024 in the 1024 step's Delta
    /// products: 16 panels of 66 rows, below it, lost 5%).
    /// </summary>
    public const long EpilogueStreamBytes = 512 * 1024;

    /// <summary>
    /// The most bytes of op(B) (k x NR) that <see cref="RunOneSliver"/> packs whole; a longer k runs the five loops.
    /// </summary>
    /// <remarks>A quarter of the 1 MiB L2 of the Zen 5 machine: k up to 2048 at 512 bits in float.</remarks>
    public const int OneSliverMaxBytes = 256 * 1024;

    [ThreadStatic]
    private static long t_oneSliverRuns; // per calling thread, so that concurrent tests do not count each other's

    /// <summary>Products this thread has run tile by tile (<see cref="RunOneSliver"/>), for tests.</summary>
    public static long OneSliverRuns => t_oneSliverRuns;

    /// <summary>C = (beta C or bias' broadcast) + op(A) op(B), then the epilogue; arguments already checked, k &gt; 0.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Run<TOps, TVec, T, TEpilogue>(
        scoped in GemmOperand<T> a,     // m x k
        scoped in GemmOperand<T> b,     // k x n
        bool accumulate,                // C = C + ... (beta = 1, C already scaled otherwise) rather than C = ...
        ReadOnlySpan<T> bias,           // n, or empty
        Span<T> c, int ldc,             // m x n, rows ldc apart
        scoped in TEpilogue epilogue,
        GemmPathChoice path,
        int depth)                      // k steps per k block: Gemm.Depth
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : IGemmEpilogue<T>, allows ref struct
    {
        GemmBlocking blocking = GemmBlocking.For<TOps, TVec, T>().WithDepth(depth);
        int mr = blocking.MR, nr = blocking.NR;
        int m = a.Rows, k = a.Columns, n = b.Columns;
        TileStore firstStore = !bias.IsEmpty ? TileStore.Bias : accumulate ? TileStore.Accumulate : TileStore.Overwrite;

        GemmBuffers<T> buffers = GemmBuffers<T>.ForCurrentThread;
        if (n <= nr && k > blocking.KC && !path.PackA && (long)k * nr * Unsafe.SizeOf<T>() <= OneSliverMaxBytes)
        {
            RunOneSliver<TOps, TVec, T, TEpilogue>(in a, in b, firstStore, bias, ref MemoryMarshal.GetReference(c), ldc, in epilogue, path, blocking, buffers);
            return;
        }

        int kcMax = Math.Min(blocking.KC, k);

        // An operand packed beforehand (GemmOperand.WithPacked) is read where it lies; the others are packed here.
        bool prepackedA = path.PackA && !a.Packed.IsEmpty, prepackedB = path.PackB && !b.Packed.IsEmpty;
        Span<T> ownA = path.PackA && !prepackedA ? buffers.PackedA(RoundUp(Math.Min(blocking.MC, m), mr) * kcMax) : default;
        Span<T> ownB = path.PackB && !prepackedB ? buffers.PackedB(RoundUp(Math.Min(blocking.NC, n), nr) * kcMax) : default;
        ReadOnlySpan<T> packedA = ownA, packedB = ownB;
        Span<T> edgeB = path.PackB ? default : buffers.EdgeB(nr * kcMax);
        Span<T> tile = buffers.Tile(mr * nr);
        ref T c0 = ref MemoryMarshal.GetReference(c);
        ref readonly T bias0 = ref MemoryMarshal.GetReference(bias);

        for (int jc = 0; jc < n; jc += blocking.NC)
        {
            int nc = Math.Min(blocking.NC, n - jc);
            for (int pc = 0; pc < k; pc += blocking.KC)
            {
                int kc = Math.Min(blocking.KC, k - pc);
                TileStore store = pc == 0 ? firstStore : TileStore.Accumulate;
                bool last = pc + kc == k;
                if (prepackedB)
                {
                    packedB = b.Packed.Slice((pc * b.PackedExtent) + ((b.PackedOffset + jc) * kc));
                }
                else if (path.PackB)
                {
                    GemmPacking.PackB<TOps, TVec, T>(in b, pc, kc, jc, nc, nr, ownB);
                }
                else if (nc % nr != 0)
                {
                    // In place, B has no zero padding: pack the partial last sliver alone.
                    int jLast = nc / nr * nr;
                    GemmPacking.PackB<TOps, TVec, T>(in b, pc, kc, jc + jLast, nc - jLast, nr, edgeB);
                }

                for (int ic = 0; ic < m; ic += blocking.MC)
                {
                    int mc = Math.Min(blocking.MC, m - ic);
                    if (prepackedA)
                    {
                        packedA = a.Packed.Slice((pc * a.PackedExtent) + ((a.PackedOffset + ic) * kc));
                    }
                    else if (path.PackA)
                    {
                        GemmPacking.PackA<TOps, TVec, T>(in a, ic, mc, pc, kc, mr, ownA);
                    }

                    // Tiles column sliver by column sliver (each B sliver stays in L1 while the A block streams
                    // past it), or, when the k block is short, row by row: a short B panel is cheap to reread,
                    // and each row of tiles then runs along MR rows of C (and of the epilogue's operand), a few
                    // streams the hardware prefetcher follows, instead of down a column strip whose every tile
                    // is MR new lines a leading dimension apart. Either order gives the same tiles, so the same bits.
                    // So the tiles go band by band, row by row within a band: one sliver wide for a long k block, the
                    // whole panel for a short one, EpilogueBandBytes of B for the last k block of a product with an
                    // epilogue whose C block is bigger than EpilogueStreamBytes (see there).
                    int band = kc <= ShortK ? nc
                        : last && typeof(TEpilogue) != typeof(NoEpilogue<T>) && (long)mc * nc * Unsafe.SizeOf<T>() > EpilogueStreamBytes
                            ? Math.Max(nr, EpilogueBandBytes / (kc * Unsafe.SizeOf<T>()) / nr * nr)
                        : nr;
                    int tilesDown = (mc + mr - 1) / mr;
                    int tiles = tilesDown * ((nc + nr - 1) / nr);
                    int jr = 0, down = 0, bandStart = 0, bandEnd = Math.Min(band, nc);
                    for (int t = 0; t < tiles; t++)
                    {
                        (int ir, int mrHere) = RowTile(down, mc, tilesDown, mr, balanced: !path.PackA);
                        int nrHere = Math.Min(nr, nc - jr);
                        int column = jc + jr;
                        ref readonly T bSliver = ref path.PackB ? ref packedB[jr * kc]
                            : ref nrHere < nr ? ref edgeB[0]
                            : ref GemmPacking.At(in b, pc, column);
                        nint bStep = path.PackB || nrHere < nr ? nr : b.RowStride;
                        ref readonly T biasHere = ref Unsafe.Add(ref Unsafe.AsRef(in bias0), column);
                        int row = ic + ir;
                        ref readonly T aSliver = ref path.PackA ? ref packedA[ir * kc] : ref GemmPacking.At(in a, row, pc);
                        nint aRowStride = path.PackA ? 1 : a.RowStride;
                        nint aStep = path.PackA ? mr : a.ColumnStride;
                        ref T cTile = ref Unsafe.Add(ref c0, ((nint)row * ldc) + column);
                        if (last)
                        {
                            // The epilogue's operand arrives while the kernel computes.
                            epilogue.PrefetchTile(row, column, mrHere, nrHere);
                        }

                        if (nrHere == nr)
                        {
                            // Whole-width tiles of any height: only the rows that exist are computed.
                            GemmMicroKernel.Compute<TOps, TVec, T>(
                                kc, mrHere, in aSliver, aRowStride, aStep, in bSliver, bStep, ref cTile, ldc, store, in biasHere);
                        }
                        else
                        {
                            EdgeTile<TOps, TVec, T>(
                                kc, in aSliver, aRowStride, aStep, mrHere, in bSliver, bStep, nrHere,
                                ref cTile, ldc, store, in biasHere, tile, nr);
                        }

                        if (last)
                        {
                            // The final value of the tile, still in L1: the epilogue's pass costs no memory traffic.
                            ApplyEpilogue<TOps, TVec, T, TEpilogue>(ref cTile, ldc, mrHere, nrHere, row, column, in epilogue);
                        }

                        jr += nr;
                        if (jr >= bandEnd)
                        {
                            jr = bandStart;
                            if (++down == tilesDown)
                            {
                                down = 0;
                                bandStart = jr = bandEnd;
                                bandEnd = Math.Min(bandEnd + band, nc);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A tile on C's right edge (fewer than NR columns): the kernel runs on mr rows of an MR x NR scratch tile
    /// that starts as C (or the bias, or anything when overwriting), and only the mr x nr entries that exist
    /// are copied back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void EdgeTile<TOps, TVec, T>(
        int kc, ref readonly T a, nint aRowStride, nint aStep, int mr, ref readonly T b, nint bStep, int nr,
        ref T c, int ldc, TileStore store, ref readonly T bias, Span<T> tile, int tileColumns)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T t0 = ref MemoryMarshal.GetReference(tile);
        TileStore scratchStore = ScratchIn<TOps, TVec, T>(ref c, ldc, mr, nr, store, in bias, ref t0, tileColumns);
        GemmMicroKernel.Compute<TOps, TVec, T>(kc, mr, in a, aRowStride, aStep, in b, bStep, ref t0, tileColumns, scratchStore, in t0, Vectors<TOps, TVec, T>(nr));
        ScratchOut<TOps, TVec, T>(in t0, tileColumns, mr, nr, ref c, ldc);
    }

    /// <summary>
    /// The registers per row of a tile <paramref name="columns"/> wide: one when the columns fit a vector (the kernel
    /// then reads and writes only the first vector of each row), else <see cref="GemmMicroKernel.VectorsPerRow"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Vectors<TOps, TVec, T>(int columns)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => columns <= TOps.Count ? 1 : GemmMicroKernel.VectorsPerRow;

    /// <summary>
    /// Starts an mr x nr corner of the scratch tile (rows <paramref name="tileColumns"/> apart) as C's tile or the bias
    /// would start, and returns how the kernel is to store into it: overwrite, or accumulate onto what was copied.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TileStore ScratchIn<TOps, TVec, T>(
        ref T c, int ldc, int mr, int nr, TileStore store, ref readonly T bias, ref T tile, int tileColumns)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (store == TileStore.Overwrite)
        {
            return TileStore.Overwrite;
        }

        for (int i = 0; i < mr; i++)
        {
            ref T from = ref store == TileStore.Bias ? ref Unsafe.AsRef(in bias) : ref Unsafe.Add(ref c, (nint)i * ldc);
            CopyRow<TOps, TVec, T>(in from, ref Unsafe.Add(ref tile, i * tileColumns), nr);
        }

        return TileStore.Accumulate;
    }

    /// <summary>Copies the mr x nr corner of the scratch tile (rows <paramref name="tileColumns"/> apart) to C's tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScratchOut<TOps, TVec, T>(ref readonly T tile, int tileColumns, int mr, int nr, ref T c, int ldc)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < mr; i++)
        {
            CopyRow<TOps, TVec, T>(in Unsafe.Add(ref Unsafe.AsRef(in tile), i * tileColumns), ref Unsafe.Add(ref c, (nint)i * ldc), nr);
        }
    }

    /// <summary>
    /// <see cref="Run"/> for a C of one column sliver (n &lt;= NR) read from an op(A) in place, with k longer than its k blocks (KC, or the deeper
    /// blocks of <see cref="GemmBlocking.ForDepth"/>) and
    /// k x NR at most <see cref="OneSliverMaxBytes"/>, tile by tile: each row tile (equal heights, at most MR) runs
    /// all its k blocks back to back, then takes the epilogue. The k blocks, their order and
    /// their starts are those of the five loops, so the bits are the same; what changes is the traffic.
    /// </summary>
    /// <remarks>
    /// The five loops run a k block down every row before the next k block, so a tile narrower than NR went
    /// through the scratch tile once per k block (4 times for the 400-25-10 hidden layer at KC 128), and each
    /// k block read only KC elements of each of A's rows, too short a stream for the prefetchers to follow.
    /// Here a tile takes one trip through the scratch tile and reads whole rows of A. op(B) is packed whole
    /// once (at most <see cref="OneSliverMaxBytes"/>) unless it came packed or is a whole sliver read in place.
    /// Measured on products alone (float, 512 bits, Zen 5, min over 7 rounds, builds alternated 3 times): 256 x 400 x 25
    /// (the 400-25-10 hidden layer's row block, cache-warm) 36.4-37.1 against 34.4-34.6 us; 256 x 1024 x 10 (the
    /// 1024 network's output layer) 101-107 against 88-98 us. In the whole 400-25-10 step the gain was inside the
    /// host's noise. Keeping one chain across the whole k (no blocks) was faster still (32-33 us) but gives other
    /// bits than the five loops, which ParallelGemm's narrow column blocks would still run. Software prefetch of the
    /// next tile's rows of A, to L1 or L2, made the product slower (0.69 against 0.75 ms and 0.80 against 0.88 ms
    /// over 5000 rows).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void RunOneSliver<TOps, TVec, T, TEpilogue>(
        scoped in GemmOperand<T> a,     // m x k, read in place
        scoped in GemmOperand<T> b,     // k x n, n <= NR
        TileStore firstStore,
        ReadOnlySpan<T> bias,           // n, or empty
        ref T c0, int ldc,              // m x n, rows ldc apart
        scoped in TEpilogue epilogue,
        GemmPathChoice path,
        GemmBlocking blocking,
        GemmBuffers<T> buffers)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : IGemmEpilogue<T>, allows ref struct
    {
        int mr = blocking.MR, nr = blocking.NR, kcBlock = blocking.KC;
        int m = a.Rows, k = a.Columns, n = b.Columns;
        t_oneSliverRuns++;

        // op(B) for all k: k block pc at packedB[pc * extent + offset * kc], as Pack lays it out, or in place.
        bool inPlaceB = b.Packed.IsEmpty && !path.PackB && n == nr;
        ReadOnlySpan<T> packedB = b.Packed;
        int extent = b.PackedExtent, offset = b.PackedOffset;
        if (b.Packed.IsEmpty && !inPlaceB)
        {
            Span<T> own = buffers.PackedB(nr * k);
            extent = GemmPacking.PackRange<TOps, TVec, T>(in b, asA: false, blocking, 0, n, own);
            packedB = own;
            offset = 0;
        }

        bool edge = n < nr;
        int tilesDown = (m + mr - 1) / mr;
        Span<T> tile = buffers.Tile(mr * nr);
        ref T t0 = ref MemoryMarshal.GetReference(tile);
        ref readonly T bias0 = ref MemoryMarshal.GetReference(bias);
        nint aRowStride = a.RowStride, aStep = a.ColumnStride;
        for (int down = 0; down < tilesDown; down++)
        {
            (int row, int mrHere) = RowTile(down, m, tilesDown, mr, balanced: true);
            ref T cTile = ref Unsafe.Add(ref c0, (nint)row * ldc);

            // A tile narrower than NR accumulates in the scratch tile, copied in and out once.
            ref T target = ref edge ? ref t0 : ref cTile;
            nint ldt = edge ? nr : ldc;
            TileStore store = edge ? ScratchIn<TOps, TVec, T>(ref cTile, ldc, mrHere, n, firstStore, in bias0, ref t0, nr) : firstStore;
            for (int pc = 0; pc < k; pc += kcBlock)
            {
                int kc = Math.Min(kcBlock, k - pc);
                if (pc + kc == k)
                {
                    // The epilogue's operand arrives while the kernel computes.
                    epilogue.PrefetchTile(row, 0, mrHere, n);
                }

                ref readonly T bSliver = ref inPlaceB ? ref GemmPacking.At(in b, pc, 0) : ref packedB[(pc * extent) + (offset * kc)];
                nint bStep = inPlaceB ? b.RowStride : nr;
                GemmMicroKernel.Compute<TOps, TVec, T>(
                    kc, mrHere, in GemmPacking.At(in a, row, pc), aRowStride, aStep, in bSliver, bStep, ref target, ldt, store, in bias0, Vectors<TOps, TVec, T>(n));
                store = TileStore.Accumulate;
            }

            if (edge)
            {
                ScratchOut<TOps, TVec, T>(in t0, nr, mrHere, n, ref cTile, ldc);
            }

            ApplyEpilogue<TOps, TVec, T, TEpilogue>(ref cTile, ldc, mrHere, n, row, 0, in epilogue);
        }
    }

    /// <summary>
    /// Copies <paramref name="count"/> (less than NR) elements between a row of C and the scratch tile, which do
    /// not overlap: whole vectors, the last one ending at the row's end (lanes copied twice get the same value);
    /// rows shorter than a vector with two 256- or 128-bit moves the same way when they fill one, else element by
    /// element.
    /// </summary>
    /// <remarks>
    /// Inline rather than Span.CopyTo: a tile row is at most NR elements, and a memmove call per row took
    /// 3.5% of the batched 400-25-10 step at 512 bits, where every tile of its 25-wide hidden layer is an edge tile.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow<TOps, TVec, T>(ref readonly T from, ref T to, int count)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = TOps.Count;
        if (count < w)
        {
            // Narrower than the active vector (the 10 outputs of a network at 512 bits): two 256- or 128-bit moves,
            // the second ending at the row's end, when the row fills one (w is at most twice such a vector); else
            // element by element.
            if ((Vector256.IsHardwareAccelerated && TwoMoves<Ops256<T>, Vector256<T>, T>(in from, ref to, count, w))
                || (Vector128.IsHardwareAccelerated && TwoMoves<Ops128<T>, Vector128<T>, T>(in from, ref to, count, w)))
            {
                return;
            }

            for (int j = 0; j < count; j++)
            {
                Unsafe.Add(ref to, j) = Unsafe.Add(ref Unsafe.AsRef(in from), j);
            }

            return;
        }

        for (int j = 0; j < count - w; j += w)
        {
            TOps.Store(TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in from), j)), ref Unsafe.Add(ref to, j));
        }

        TOps.Store(TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in from), count - w)), ref Unsafe.Add(ref to, count - w));
    }

    /// <summary>
    /// Copies a row of <paramref name="count"/> elements, narrower than the active vector of <paramref name="w"/>, as
    /// two TNarrow vectors (the second ending at the row's end) when the row fills one and w is at most two of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TwoMoves<TNarrow, TNVec, T>(ref readonly T from, ref T to, int count, int w)
        where TNarrow : IVectorOps<TNVec, T>
        where TNVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = TNarrow.Count;
        if (count < v || w > 2 * v)
        {
            return false;
        }

        TNarrow.Store(TNarrow.Load(in from), ref to);
        TNarrow.Store(TNarrow.Load(in Unsafe.Add(ref Unsafe.AsRef(in from), count - v)), ref Unsafe.Add(ref to, count - v));
        return true;
    }

    /// <summary>
    /// C tile (mr x nr) = f(C tile): whole vectors, and a row's remainder as the vector that ends at the
    /// row's last column, so the epilogue never reads or writes past C's edge; rows shorter than a vector
    /// one element at a time.
    /// </summary>
    /// <remarks>
    /// The remainder's vector overlaps the last whole one. It is computed from C's sums before the loop stores
    /// anything and stored after it, as TensorPrimitives does for its remainders: every lane of an epilogue
    /// depends on its own sum and position alone, so the lanes stored twice get the same value both times.
    /// At 512 bits a 25-wide tile (the 400-25-10 hidden layer) otherwise sent 9 of its 25 columns through the
    /// scalar exp one at a time.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void ApplyEpilogue<TOps, TVec, T, TEpilogue>(ref T c, int ldc, int mr, int nr, int row, int column, scoped in TEpilogue epilogue)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : IGemmEpilogue<T>, allows ref struct
    {
        if (typeof(TEpilogue) == typeof(NoEpilogue<T>))
        {
            return;
        }

        // A copy the JIT can keep in registers: through the `in` reference it reloaded every field for every
        // vector, since the stores to C might have changed them.
        TEpilogue local = epilogue;
        int w = TOps.Count;
        for (int i = 0; i < mr; i++)
        {
            ref T r = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            if (nr < w)
            {
                for (; j < nr; j++)
                {
                    ref T x = ref Unsafe.Add(ref r, j);
                    x = local.Apply<OpsScalar<T>, T>(x, row + i, column + j);
                }

                continue;
            }

            int lastStart = nr - w;
            ref T lastRef = ref Unsafe.Add(ref r, lastStart);
            TVec last = nr % w != 0 ? local.Apply<TOps, TVec>(TOps.Load(in lastRef), row + i, column + lastStart) : default;
            for (; j <= nr - w; j += w)
            {
                ref T x = ref Unsafe.Add(ref r, j);
                TOps.Store(local.Apply<TOps, TVec>(TOps.Load(in x), row + i, column + j), ref x);
            }

            if (nr % w != 0)
            {
                TOps.Store(last, ref lastRef);
            }
        }
    }

    /// <summary>
    /// The first row and the height of row tile <paramref name="index"/> of <paramref name="tiles"/> = ceil(rows / MR)
    /// over <paramref name="rows"/> rows: MR each and the rest in the last, as packed slivers of op(A) are laid out, or,
    /// for an op(A) read in place, heights as equal as they can be.
    /// </summary>
    /// <remarks>
    /// A tile of r rows carries 2r chains of fused multiply-adds (r when one register wide), and with fewer than 8 (r &lt; 4) it waits on the
    /// FMA latency (4 cycles on Zen 5) rather than issuing 2 per cycle: the 25th row of Delta = D' A for the
    /// 400-25-10 hidden layer, a tile of its own after four of 6, took 4.7% of that step's samples. As 5 tiles of 5
    /// every tile is throughput-bound. The height of a tile never changes a bit of C (see the micro-kernel).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Row, int Rows) RowTile(int index, int rows, int tiles, int mr, bool balanced)
    {
        if (!balanced)
        {
            int row = index * mr;
            return (row, Math.Min(mr, rows - row));
        }

        int height = rows / tiles, taller = rows % tiles;
        return ((index * height) + Math.Min(index, taller), height + (index < taller ? 1 : 0));
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
