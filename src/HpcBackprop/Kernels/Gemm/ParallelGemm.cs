using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Engine;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>Which fused epilogue a <see cref="ParallelGemm{T}"/> block applies.</summary>
internal enum ParallelEpilogue
{
    None,

    /// <summary><see cref="SigmoidEpilogue{T}"/>; a non-finite z sets <see cref="ParallelGemm{T}.SawNonFinite"/>.</summary>
    Sigmoid,

    /// <summary><see cref="SigmoidGradientEpilogue{T}"/> with the given activations.</summary>
    SigmoidGradient,

    /// <summary><see cref="RegularizedGradientEpilogue{T}"/> with the given Theta, prior Delta and scales.</summary>
    RegularizedGradient,
}

/// <summary>The fused epilogue a <see cref="ParallelGemm{T}"/> applies, with its operands.</summary>
internal readonly ref struct EpilogueArguments<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Which epilogue.</summary>
    public ParallelEpilogue Kind { get; private init; }

    /// <summary>The m x n operand, rows <see cref="OperandLd"/> apart: A(l) for SigmoidGradient, Theta(l)[:, 1:] for RegularizedGradient.</summary>
    public ReadOnlySpan<T> Operand { get; private init; }

    /// <summary>Elements between rows of <see cref="Operand"/> and <see cref="Prior"/>.</summary>
    public int OperandLd { get; private init; }

    /// <summary>RegularizedGradient: empty, or the earlier blocks' Delta laid out as <see cref="Operand"/>.</summary>
    public ReadOnlySpan<T> Prior { get; private init; }

    /// <summary>RegularizedGradient: 1/m.</summary>
    public T InvM { get; private init; }

    /// <summary>RegularizedGradient: lambda/m.</summary>
    public T Scale { get; private init; }

    public static EpilogueArguments<T> None => default;

    public static EpilogueArguments<T> Sigmoid => new() { Kind = ParallelEpilogue.Sigmoid };

    public static EpilogueArguments<T> SigmoidGradient(ReadOnlySpan<T> activations, int ld)
        => new() { Kind = ParallelEpilogue.SigmoidGradient, Operand = activations, OperandLd = ld };

    public static EpilogueArguments<T> RegularizedGradient(ReadOnlySpan<T> theta, ReadOnlySpan<T> prior, int ld, T invM, T scale)
        => new() { Kind = ParallelEpilogue.RegularizedGradient, Operand = theta, Prior = prior, OperandLd = ld, InvM = invM, Scale = scale };
}

/// <summary>
/// <see cref="Gemm.Compute{T, TEpilogue}"/> split into output blocks of C that a <see cref="WorkerTeam"/>
/// hands out: each block (a panel of rows and a panel of columns of C) is one item, computed by one
/// thread as a GEMM of its own, so every entry of C is written by exactly one thread.
/// </summary>
/// <remarks>
/// Determinism: the blocks depend only on the shapes (m, n, k and the blocking), never on the thread
/// count, and the block edges fall on multiples of MR and NR; each entry of C still receives its k blocks in
/// increasing order, from the same start (overwrite, bias or C), each block one chain of fused multiply-adds
/// through the same micro-kernel. How a block cuts its rows into tiles (MR high over a packed op(A), equal
/// heights over one read in place) and whether it runs its tiles tile by tile (GemmDriver.RunOneSliver) does
/// not change a bit: a tile's height never does. Whether a block packs an operand, reads
/// it in place (<see cref="GemmPathChoice"/> sees the block's shape, not the whole) or reads a copy packed
/// once for all blocks only changes where the kernel loads the same values from. So the result is bitwise the same for any number of threads,
/// and the same as the unsplit product, which one thread therefore runs (no repacking per block).
/// <see cref="Compute"/> runs the blocks in a team run of their own; <see cref="Prepare"/> sets them up for a run beside
/// other work (the batched engine runs every layer's Delta product in one <see cref="WorkSequence"/>).
/// One instance is reused by its owner (a batched workspace): no allocation per call. Pointers, not
/// spans, are kept between the caller and the workers (GemmOperand is a ref struct); the caller's
/// spans are pinned with <c>fixed</c> for the whole call. Not for concurrent use of one instance.
/// </remarks>
internal sealed unsafe class ParallelGemm<T> : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Products with fewer multiply-adds (m n k) than this (4.2 M, about 0.15 ms on one core) run
    /// unsplit on the calling thread, whatever the thread count: waking a worker costs tens of
    /// microseconds on a shared machine.
    /// </summary>
    /// <remarks>
    /// Measured on the 2-core Zen 3 machine (float, A and B as stored, medians of 201, load average
    /// about 6, so noisy): 2 threads against 1 lost or tied up to 1 M multiply-adds (128 x 128 x 64:
    /// 81-117 us against 39), were mixed at 2.1 M (53-155 us against 73-98), and won at 4.2 M and
    /// above (92-123 us against 146-176 at 128 x 256 x 128; 625 against 1146-1235 at 256 x 512 x 256).
    /// </remarks>
    public const long MinMultiplyAdds = 1L << 22;

    /// <summary>
    /// Products that touch at least this many elements (m n + m k + k n: C, op(A) and op(B)) are split too, however
    /// few their multiply-adds: with a small k (a layer of 10 units) they are bound by memory, not by the FMA units.
    /// </summary>
    /// <remarks>
    /// 2^18 elements is 1 MiB of floats. In the two-thread 1024-1024-1024-10 step, the three products with the
    /// 10-unit layer (2.6 M multiply-adds each, 0.28 M elements) ran unsplit on the calling thread for 134, 387 and
    /// 175 us, while the worker waited: their 1 MiB operands had been written by both cores, and half of them came
    /// from the other core's cache.
    /// </remarks>
    public const long MinElements = 1L << 18;

    /// <summary>
    /// How many blocks a split product aims at, whatever the thread count (the blocks must not depend on it):
    /// enough to balance 2 to 4 threads with dynamic hand-out, few enough that the packing each block does
    /// on its own (its panel of op(B)) stays small. An op(A) that every column block would pack, or an op(B) that
    /// every row block would, is packed once, by the team, and shared (see <see cref="Compute"/>).
    /// </summary>
    public const int TargetBlocks = 8;

    /// <summary>
    /// The narrowest column panel: C is split by columns first (each panel of op(B) is then packed once,
    /// and op(A) is read in place or packed once for all panels), by rows too when it has too few columns,
    /// and by rows alone when C outweighs its operands (<see cref="RowsOnly"/>).
    /// </summary>
    public const int MinColumnPanel = 128;

    /// <summary>
    /// The shortest row panel when C is also split by rows (each row panel repacks its op(B) panel, unless op(B) comes
    /// packed or C goes by rows alone, where one packing is shared: <see cref="RowsOnly"/>).
    /// </summary>
    public const int MinRowPanel = 48;

    /// <summary>
    /// Into how many pieces the last column panel of a product split by columns alone is cut (0: it is not): the one
    /// before it runs as two halves, the last as four quarters when a quarter is still a whole number of NR slivers,
    /// else as two halves. They are not home items (<see cref="HomeItems"/>): the threads take them in order once their own
    /// ranges are done, so they end on small items and finish closer together (unless a thread is so late that another
    /// steals whole blocks from its range). Each piece is a whole number of NR slivers, so the tiles, and the bits, are those of the whole panels.
    /// </summary>
    /// <remarks>
    /// Measured on the two-thread 1024-1024-1024-10 step (Zen 5, min over 9 rounds, builds alternated), the last two
    /// panels as four halves against eight whole panels (session 13): float 11.25-11.98 ms against 11.71-12.76 ms (6 alternations;
    /// medians 11.50-13.05 against 12.29-13.34), double 21.9-23.6 against 24.3-25.3 ms (4 alternations). An earlier
    /// batch of 5 float alternations was mixed (10.75-11.25 against 10.60-11.82). A timeline of that step (marks around
    /// every item) then still showed the threads' last items ending 60-90 us apart per product on average: with the last
    /// panel as quarters, 25-60 us (the step's sum 750 -> 360 us); the step itself, min over 7 rounds, 4 alternations:
    /// 9.80-9.98 ms against 9.75-10.20, within the host's noise.
    /// </remarks>
    public static int LastPanelPieces(int rowPanels, int columnPanels, int columnPanel)
    {
        int nr = GemmBlocking.ForActiveWidth<T>().NR;
        if (rowPanels != 1 || columnPanels < 4 || columnPanel % (2 * nr) != 0)
        {
            return 0;
        }

        return columnPanel % (4 * nr) == 0 ? 4 : 2;
    }

    [ThreadStatic]
    private static long t_splitCalls; // per calling thread, so that concurrent tests do not count each other's splits

    [ThreadStatic]
    private static long t_sharedPacks;

    private T* _a;
    private int _aLd;
    private bool _aTransposed;
    private T* _b;
    private int _bLd;
    private bool _bTransposed;
    private int _k;
    private T _beta;
    private T* _bias;
    private T* _c;
    private int _ldc;
    private int _m;
    private int _n;
    private ParallelEpilogue _epilogue;
    private T* _operand;
    private T* _prior;
    private int _operandLd;
    private T _invM;
    private T _scale;
    private T* _packedA;          // op(A) packed whole, shared by the blocks (or null)
    private int _packedALength;
    private int _packedAExtent;
    private int _packedAOffset;
    private T* _packedB;          // op(B) packed whole, by the caller or shared by the row blocks (or null)
    private int _packedBLength;
    private int _packedBExtent;
    private int _packedBOffset;
    private int _depth;           // Gemm.Depth of the product: of every block, and of every packed copy they read (checked in Compute)
    private T[] _sharedA = [];    // grown on demand, pinned
    private T[] _sharedB = [];    // grown on demand, pinned
    private readonly SharedPack _sharedPack = new();
    private int _rowPanel;
    private int _columnPanel;
    private int _columnPanels;
    private bool _sawNonFinite;
    private int _lastPieces;      // LastPanelPieces for the current call
    private int _homeBlocks;      // the leading blocks dealt as home items (HomeItems), for the current call
    private IParallelWork? _side; // run as item 0 of the current call (or null)

    /// <summary>
    /// The side item and the whole blocks of a split product whose C has at least <see cref="HomeElements"/>: the threads of a
    /// run take them in home ranges (<see cref="IParallelWork.HomeItems"/>), and the halves and pieces of the last two
    /// column panels, in order, whoever is free. Smaller products hand out every block in order.
    /// </summary>
    /// <remarks>
    /// Measured on two threads (Zen 5, float unless said, min over 5 rounds, builds alternated 6 times, the ratio per
    /// alternation against the build before, in which every item was handed out in order): 1024-1024-1024-10 (m = 256)
    /// 0.968 (0.960 in a first batch of 10, all ten under 1), in double 0.994; with m = 1024 0.942; 512-512-512-10 0.958;
    /// 784-1024-10 0.979; 784-128-10 0.929; 2048-2048-10 (m = 128) 0.979. A timeline of the 1024 step put the threads'
    /// summed item time at 17.5 against 18.3 ms (medians of 6 processes each): a product's blocks, and the next product's over
    /// the same columns, now read what their own core wrote.
    /// </remarks>
    public int HomeItems => _homeBlocks == 0 ? 0 : (_side is null ? 0 : 1) + _homeBlocks;

    /// <summary>
    /// The elements of C from which a split product's whole blocks are home items: 16 Ki (64 KiB of floats). Below it are
    /// the output layer's products (C of 256 x 10 or 10 x 1024), whose blocks are small and which, as home items, would cut
    /// the home ranges of a <see cref="WorkSequence"/> unevenly (its ranges count items, not work). Elements, not bytes, so
    /// that they stay below it in double too. Two threads, float, 8 alternations each, against a bound of 512 KiB: 64 KiB
    /// took 0.973 of the time on 784-128-10 (its hidden layer's Cs are 128 and 392 KiB) and 1.001 on the 1024 step; no
    /// bound (every split product's blocks home) 0.966 and 1.014.
    /// </summary>
    public const int HomeElements = 1 << 14;

    /// <summary>How many products the calling thread has split into more than one block so far: for tests.</summary>
    public static long SplitCalls => t_splitCalls;

    /// <summary>How many operands the calling thread's split products have packed once for all their blocks (<see cref="PackShared"/>): for tests.</summary>
    public static long SharedPacks => t_sharedPacks;

    /// <summary>The bytes of the shared packing buffers of op(A) and op(B) (grown on demand), for the workspace pool's budget.</summary>
    public long Bytes => ((long)_sharedA.Length + _sharedB.Length) * sizeof(T);

    /// <summary>Whether some block's sigmoid epilogue saw a non-finite z during the last call.</summary>
    public bool SawNonFinite => Volatile.Read(ref _sawNonFinite);

    /// <summary>
    /// The blocks of an m x n x k product with <paramref name="epilogue"/>: row panels of <paramref name="rowPanel"/> and
    /// column panels of <paramref name="columnPanel"/>; a function of the shapes and the epilogue alone, never of the thread
    /// count. (1, 1) blocks means unsplit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Blocks(int m, int n, int k, ParallelEpilogue epilogue, out int rowPanel, out int columnPanel, out int rowPanels, out int columnPanels)
    {
        GemmBlocking blocking = GemmBlocking.ForActiveWidth<T>();
        if (!WorthSplitting(m, n, k))
        {
            rowPanel = m;
            columnPanel = n;
            rowPanels = columnPanels = 1;
            return;
        }

        int columns = RowsOnly(m, n, k, epilogue) ? 1 : Math.Clamp(n / MinColumnPanel, 1, TargetBlocks);
        int rows = Math.Clamp(Math.Min((TargetBlocks + columns - 1) / columns, m / MinRowPanel), 1, TargetBlocks);
        columnPanel = Panel(n, columns, blocking.NR);
        rowPanel = Panel(m, rows, blocking.MR);
        rowPanels = (m + rowPanel - 1) / rowPanel;
        columnPanels = (n + columnPanel - 1) / columnPanel;
    }

    /// <summary>
    /// Whether a product to be split goes by rows of C alone: when it has an epilogue, and C is at least as large as op(A) and op(B) together
    /// (m n &gt;= k (m + n), a short k as in Delta = D' A over a row block), has rows for <see cref="TargetBlocks"/>
    /// panels of <see cref="MinRowPanel"/>, and is big enough (<see cref="TargetBlocks"/> times
    /// <see cref="GemmDriver.EpilogueStreamBytes"/>, 4 MiB) that each row panel streams from memory and runs its last k
    /// block in bands. Each block then writes whole rows of C and reads whole rows of the epilogue's
    /// operands, over one op(B) packed once and shared when the blocks pack op(B) (<see cref="GemmPathChoice"/>); by
    /// columns, each block wrote a strip of C and of Theta one element in eight wide, on as many pages as C has rows.
    /// n is not bounded: the shared packing (n rounded up to NR, times k) stays with the instance, counted in <see cref="Bytes"/>.
    /// </summary>
    /// <remarks>
    /// Measured on the two-thread 1024-1024-1024-10 step (Zen 5, min over 5 rounds, builds alternated), whose two
    /// 1024 x 1024 x 256 Delta products now go by rows in 8 panels: float 0.946-1.069 of the time by columns (median
    /// 0.973, 6 alternations; 0.948 in a second batch of 5), double 0.939-0.963 (3). Two timelines of the float step
    /// (marks around every item), of the old build and half an hour later of the new one (not alternated), put the two
    /// Delta products' thread time at 3755 and 3693 us, then 3237 and 3145.
    /// 16 row panels instead of 8 lost 5% (their 66 x 1024 blocks of C fall under
    /// <see cref="GemmDriver.EpilogueStreamBytes"/>, so their tiles go sliver by sliver again). Smaller Cs lost by rows
    /// (two threads, 4 alternations each, against by columns): 512-512-512-10 (C of 1 MiB) 1.058 in float and 1.015 in
    /// double, 784-1024-10 (a 1024 x 784 C, 3.1 MiB) 1.026 in float; larger ones gained: 784-1024-10 in double (6.3 MiB)
    /// 0.975-0.983, 2048-2048-10 with m = 128 (16 MiB) 0.859 in float; with the size bound, 1024 float 0.969.
    /// Without an epilogue (the Delta products of every row block but the last, which accumulate into Delta), by rows
    /// lost: the 1024 step with m = 1024, two threads, 1.049 (1.004-1.095, 4 alternations), and still 1.021 with those
    /// blocks in bands too; so they go by columns.
    /// </remarks>
    public static bool RowsOnly(long m, long n, long k, ParallelEpilogue epilogue)
        => epilogue != ParallelEpilogue.None && m * n >= k * (m + n) && m >= (long)TargetBlocks * MinRowPanel && m * n * sizeof(T) >= TargetBlocks * GemmDriver.EpilogueStreamBytes;

    /// <summary>
    /// Whether an m x n x k product is big enough to gain from being split: <see cref="MinMultiplyAdds"/> multiply-adds
    /// or <see cref="MinElements"/> elements touched.
    /// </summary>
    public static bool WorthSplitting(long m, long n, long k)
        => m > 0 && n > 0 && k > 0 && (m * n * k >= MinMultiplyAdds || (m * n) + (m * k) + (k * n) >= MinElements);

    /// <summary>
    /// The unsplit product on the calling thread, with the epilogue named by <paramref name="epilogue"/>. Static:
    /// it keeps no state in an instance, so any number of threads may call it at once (each packs into its own
    /// <see cref="GemmBuffers{T}"/>).
    /// </summary>
    /// <returns>False when the sigmoid epilogue saw a non-finite z; true otherwise.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static bool Unsplit(
        scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, T beta, ReadOnlySpan<T> bias, Span<T> c, int ldc,
        scoped in EpilogueArguments<T> epilogue)
    {
        bool finite = true;
        switch (epilogue.Kind)
        {
            case ParallelEpilogue.Sigmoid:
                Gemm.Compute(in a, in b, beta, bias, c, ldc, new SigmoidEpilogue<T>(ref finite));
                break;
            case ParallelEpilogue.SigmoidGradient:
                Gemm.Compute(in a, in b, beta, bias, c, ldc, new SigmoidGradientEpilogue<T>(epilogue.Operand, epilogue.OperandLd));
                break;
            case ParallelEpilogue.RegularizedGradient:
                Gemm.Compute(in a, in b, beta, bias, c, ldc, Regularized(in epilogue));
                break;
            default:
                Gemm.Compute(in a, in b, beta, bias, c, ldc, default(NoEpilogue<T>));
                break;
        }

        return finite;
    }

    /// <summary>
    /// C = f(beta C + bias' + op(A) op(B)) as <see cref="Gemm.Compute{T, TEpilogue}"/>, on up to
    /// <paramref name="maxDegreeOfParallelism"/> threads of <paramref name="team"/>; with one thread (or no
    /// team) it is the unsplit product on the calling thread.
    /// </summary>
    /// <remarks>
    /// The epilogue's operands are m x n, rows <see cref="EpilogueArguments{T}.OperandLd"/> apart. An operand that
    /// comes packed (<see cref="GemmOperand{T}.WithPacked"/>) is read packed by every block; an op(A) that each of
    /// several column blocks would pack (or an op(B) that each of several row blocks of a C split by rows alone would)
    /// is packed here once and shared: by the team (<see cref="SharedPack"/>), or on the calling thread when it is
    /// smaller than <see cref="SharedPack.MinTeamElements"/>.
    /// Measured on the two-thread 1024-1024-1024-10 step (float, Zen 5, 8 blocks, min over 5 rounds, builds
    /// alternated 4 times), when its Delta products still went by columns: 10.9-12.8 ms against 11.6-13.7 ms with each
    /// block packing its own D' (then packed on the calling thread). By rows alone, their op(B) (the A of Delta = D' A)
    /// is shared instead: 0.946-0.974 against each row block packing its own (4 alternations).
    /// <para><c>side</c>: null, or one more item (work that does not touch C) that the team runs first, beside the blocks;
    /// unsplit, it runs on the calling thread before the product.</para>
    /// </remarks>
    /// <returns>False when the sigmoid epilogue saw a non-finite z; true otherwise.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public bool Compute(
        WorkerTeam? team, int maxDegreeOfParallelism,
        scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, T beta, ReadOnlySpan<T> bias, Span<T> c, int ldc,
        scoped in EpilogueArguments<T> epilogue, IParallelWork? side = null)
    {
        int m = a.Rows, n = b.Columns, k = a.Columns;
        Blocks(m, n, k, epilogue.Kind, out _, out _, out int rowPanels, out int columnPanels);
        // One thread: the unsplit product, which has the same tiles and so the same bits (see remarks).
        if (rowPanels * columnPanels <= 1 || maxDegreeOfParallelism <= 1 || team is null || b.Rows != k)
        {
            side?.Execute(0);
            return Unsplit(in a, in b, beta, bias, c, ldc, in epilogue);
        }

        // Pinned for the run: Prepare keeps pointers to them.
        fixed (T* ppa = a.Packed)
        fixed (T* ppb = b.Packed)
        fixed (T* pa = a.Data)
        fixed (T* pb = b.Data)
        fixed (T* pbias = bias)
        fixed (T* pc = c)
        fixed (T* poperand = epilogue.Operand)
        fixed (T* pprior = epilogue.Prior)
        {
            int items = Prepare(team, maxDegreeOfParallelism, in a, in b, beta, bias, c, ldc, in epilogue);
            try
            {
                _side = side;
                team.Run(this, items + (side is null ? 0 : 1), maxDegreeOfParallelism);
            }
            finally
            {
                Release();
            }
        }

        return !SawNonFinite;
    }

    /// <summary>
    /// Sets the product up for a later run of its blocks, items 0 .. the returned count - 1 of <see cref="Execute"/>, alone
    /// or beside other work in one team run (<see cref="WorkSequence"/>): the whole-product checks of
    /// <see cref="Gemm.Compute{T, TEpilogue}"/> (so a bad shape throws here, before any block is written), the shared packs
    /// of <see cref="Compute"/> (team runs of their own, now) and the blocks. With one thread, no team or a product too
    /// small to split, the one item is the unsplit product. An empty product (m, n or k zero) is finished here, so it writes
    /// C now, not in the run, and has no item. A split product counts in <see cref="SplitCalls"/> when it is prepared.
    /// The instance keeps pointers to every span given: the caller keeps them pinned (the engine's buffers are pinned
    /// arrays; it fixes the caller's spans) until the run has returned, and then calls <see cref="Release"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    internal int Prepare(
        WorkerTeam? team, int maxDegreeOfParallelism,
        scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, T beta, ReadOnlySpan<T> bias, Span<T> c, int ldc,
        scoped in EpilogueArguments<T> epilogue)
    {
        int m = a.Rows, n = b.Columns, k = a.Columns;
        Blocks(m, n, k, epilogue.Kind, out int rowPanel, out int columnPanel, out int rowPanels, out int columnPanels);
        bool split = rowPanels * columnPanels > 1 && maxDegreeOfParallelism > 1 && team is not null;
        if (!split)
        {
            rowPanel = m;
            columnPanel = n;
            rowPanels = columnPanels = 1;
        }

        // The whole-product checks of Gemm.Compute, before any block is written.
        Gemm.CheckShapes(in a, in b, bias, c.Length, ldc);

        if (epilogue.Kind == ParallelEpilogue.SigmoidGradient)
        {
            new SigmoidGradientEpilogue<T>(epilogue.Operand, epilogue.OperandLd).CheckShape(m, n);
        }
        else if (epilogue.Kind == ParallelEpilogue.RegularizedGradient)
        {
            Regularized(in epilogue).CheckShape(m, n);
        }

        // When each column block would pack the same op(A) (a transposed D' in a Delta = D' A split by columns), it is
        // packed once here and shared: the same slivers, so the same bits. Packed per block, a 1024 x 256 D' was packed
        // eight times per product.
        GemmOperand<T> blockA = new(a.Data, Math.Min(rowPanel, m), k, a.LeadingDimension, a.Transposed);
        GemmOperand<T> blockB = new(b.Data, k, Math.Min(columnPanel, n), b.LeadingDimension, b.Transposed);
        int depth = Gemm.Depth(in a, in b); // the blocks' too: it depends on k and the strides alone
        Gemm.CheckPacked(in a, asA: true, depth); // a packed copy that does not fit throws here, before any block is written
        Gemm.CheckPacked(in b, asA: false, depth);
        _sawNonFinite = false;
        _side = null;
        _homeBlocks = 0;
        if (m == 0 || n == 0 || k == 0)
        {
            _sawNonFinite = !Unsplit(in a, in b, beta, bias, c, ldc, in epilogue);
            return 0;
        }

        ReadOnlySpan<T> sharedA = default;
        int sharedExtent = 0;
        if (columnPanels > 1 && a.Packed.IsEmpty && Gemm.PathFor(in blockA, in blockB).PackA)
        {
            sharedA = PackShared(team!, maxDegreeOfParallelism, in a, asA: true, depth, ref _sharedA, out sharedExtent);
        }

        // Likewise an op(B) that each row block of a C split by rows alone (RowsOnly: the A of Delta = D' A) would pack
        // whole. Not when C is split by rows for having too few columns: in the two-thread 784-128-10 step, the five
        // 54 x 128 blocks of Z(2) each packing the 784 x 128 Theta(1)' beside their own product were 2-6% faster (step
        // time) than one team packing before them. (RowsOnly is what made Blocks give one column panel and 8 row panels.)
        ReadOnlySpan<T> sharedB = default;
        int sharedBExtent = 0;
        if (split && RowsOnly(m, n, k, epilogue.Kind) && b.Packed.IsEmpty && Gemm.PathFor(in blockA, in blockB).PackB)
        {
            sharedB = PackShared(team!, maxDegreeOfParallelism, in b, asA: false, depth, ref _sharedB, out sharedBExtent);
        }

        ReadOnlySpan<T> packedA = !a.Packed.IsEmpty ? a.Packed : sharedA;
        ReadOnlySpan<T> packedB = !b.Packed.IsEmpty ? b.Packed : sharedB;
        fixed (T* ppa = packedA)
        fixed (T* ppb = packedB)
        fixed (T* pa = a.Data)
        fixed (T* pb = b.Data)
        fixed (T* pbias = bias)
        fixed (T* pc = c)
        fixed (T* poperand = epilogue.Operand)
        fixed (T* pprior = epilogue.Prior)
        {
            _a = pa;
            _aLd = a.LeadingDimension;
            _aTransposed = a.Transposed;
            _b = pb;
            _bLd = b.LeadingDimension;
            _bTransposed = b.Transposed;
            _k = k;
            _beta = beta;
            _bias = bias.IsEmpty ? null : pbias;
            _c = pc;
            _ldc = ldc;
            _m = m;
            _n = n;
            _epilogue = epilogue.Kind;
            _operand = poperand;
            _prior = epilogue.Prior.IsEmpty ? null : pprior;
            _operandLd = epilogue.OperandLd;
            _invM = epilogue.InvM;
            _scale = epilogue.Scale;
            _packedA = packedA.IsEmpty ? null : ppa;
            _packedALength = packedA.Length;
            _packedAExtent = !a.Packed.IsEmpty ? a.PackedExtent : sharedExtent;
            _packedAOffset = !a.Packed.IsEmpty ? a.PackedOffset : 0;
            _packedB = packedB.IsEmpty ? null : ppb;
            _packedBLength = packedB.Length;
            _packedBExtent = !b.Packed.IsEmpty ? b.PackedExtent : sharedBExtent;
            _packedBOffset = !b.Packed.IsEmpty ? b.PackedOffset : 0;
        }

        _depth = depth;
        _rowPanel = rowPanel;
        _columnPanel = columnPanel;
        _columnPanels = columnPanels;
        _lastPieces = LastPanelPieces(rowPanels, columnPanels, columnPanel);
        int blocks = _lastPieces == 0 ? rowPanels * columnPanels : columnPanels + _lastPieces;
        _homeBlocks = split && (long)m * n >= HomeElements ? (_lastPieces == 0 ? blocks : columnPanels - 2) : 0;
        if (split)
        {
            t_splitCalls++;
        }

        // With the last panels cut: the whole panels but two, two halves and the last panel's pieces.
        return blocks;
    }

    /// <summary>Drops the pointers <see cref="Prepare"/> kept, once the run of its items has returned.</summary>
    internal void Release()
    {
        _a = _b = _bias = _c = _operand = _prior = _packedA = _packedB = null;
        _side = null;
        _homeBlocks = 0;
    }

    /// <summary>
    /// op(X) packed whole into <paramref name="buffer"/> (grown on demand) for every block to read: by the team, or on the
    /// calling thread when it has fewer than <see cref="SharedPack.MinTeamElements"/> elements, where a round trip
    /// through the team would cost more. Returns the packing and its extent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private ReadOnlySpan<T> PackShared(WorkerTeam team, int maxDegreeOfParallelism, scoped in GemmOperand<T> x, bool asA, int depth, ref T[] buffer, out int extent)
    {
        t_sharedPacks++;
        int count = asA ? x.Rows : x.Columns;
        Span<T> packed = GemmBuffers<T>.Aligned(ref buffer, Gemm.PackedLength<T>(count, asA ? x.Columns : x.Rows, asA));
        if ((long)x.Rows * x.Columns >= SharedPack.MinTeamElements)
        {
            _sharedPack.Run(team, maxDegreeOfParallelism, in x, asA, depth, packed);
        }
        else
        {
            Gemm.PackRange(in x, asA, 0, count, packed, depth);
        }

        GemmOperand<T> whole = Gemm.Packed(in x, asA, packed, depth);
        extent = whole.PackedExtent;
        return packed[..whole.Packed.Length];
    }

    /// <summary>One block: rows ic .. ic + mc, columns jc .. jc + nc of C, as a GEMM of its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void Execute(int item)
    {
        if (_side is not null)
        {
            if (item == 0)
            {
                _side.Execute(0);
                return;
            }

            item--;
        }

        int ic = item / _columnPanels * _rowPanel, jc = item % _columnPanels * _columnPanel;
        int mc = Math.Min(_rowPanel, _m - ic), nc = Math.Min(_columnPanel, _n - jc), k = _k;
        if (_lastPieces != 0 && item >= _columnPanels - 2)
        {
            // A half of the last panel but one, or a piece of the last panel, over the one row panel.
            int piece = item - (_columnPanels - 2);
            int panel = piece < 2 ? _columnPanels - 2 : _columnPanels - 1;
            int width = piece < 2 ? _columnPanel / 2 : _columnPanel / _lastPieces;
            ic = 0;
            mc = _m;
            jc = (panel * _columnPanel) + ((piece < 2 ? piece : piece - 2) * width);
            nc = Math.Min(width, _n - jc);
            if (nc <= 0)
            {
                return; // the last panel was narrower than its pieces
            }
        }

        // op(A) rows ic.., op(B) columns jc..: stored rows (or columns, when transposed) from there on.
        var a = new GemmOperand<T>(View(_a, _aTransposed ? ic : (nint)ic * _aLd, mc, k, _aLd, _aTransposed), mc, k, _aLd, _aTransposed);
        var b = new GemmOperand<T>(View(_b, _bTransposed ? (nint)jc * _bLd : jc, k, nc, _bLd, _bTransposed), k, nc, _bLd, _bTransposed);
        if (_packedA is not null)
        {
            a = a.WithPacked(new ReadOnlySpan<T>(_packedA, _packedALength), _packedAExtent, _packedAOffset + ic, _depth);
        }

        if (_packedB is not null)
        {
            b = b.WithPacked(new ReadOnlySpan<T>(_packedB, _packedBLength), _packedBExtent, _packedBOffset + jc, _depth);
        }

        var c = new Span<T>(_c + ((nint)ic * _ldc) + jc, ((mc - 1) * _ldc) + nc);
        ReadOnlySpan<T> bias = _bias is null ? default : new ReadOnlySpan<T>(_bias + jc, nc);
        switch (_epilogue)
        {
            case ParallelEpilogue.Sigmoid:
                bool finite = true;
                Gemm.Compute(in a, in b, _beta, bias, c, _ldc, new SigmoidEpilogue<T>(ref finite));
                if (!finite)
                {
                    Volatile.Write(ref _sawNonFinite, true);
                }

                break;
            case ParallelEpilogue.SigmoidGradient:
                Gemm.Compute(in a, in b, _beta, bias, c, _ldc, new SigmoidGradientEpilogue<T>(BlockOf(_operand, ic, jc, mc, nc), _operandLd));
                break;
            case ParallelEpilogue.RegularizedGradient:
                ReadOnlySpan<T> prior = _prior is null ? default : BlockOf(_prior, ic, jc, mc, nc);
                var regularized = new RegularizedGradientEpilogue<T>(BlockOf(_operand, ic, jc, mc, nc), prior, _operandLd, _invM, _scale);
                Gemm.Compute(in a, in b, _beta, bias, c, _ldc, regularized);
                break;
            default:
                Gemm.Compute(in a, in b, _beta, bias, c, _ldc, default(NoEpilogue<T>));
                break;
        }
    }

    /// <summary>
    /// A shared operand packed by the team: item i packs rows i R .. (i + 1) R of op(A) (R a multiple of MR), or columns of
    /// op(B) (R a multiple of NR), each thread into its own part of the one buffer. A copy, so how it is cut changes no value.
    /// </summary>
    /// <remarks>
    /// Measured in the two-thread 1024-1024-1024-10 step (float, Zen 5), when its Delta products went by columns: packing
    /// the 1024 x 256 D' of each of the two hidden layers' Delta products on the calling thread took 174-197 us, while the
    /// worker waited; the D it reads was written by both cores. They now go by rows alone, and the team packs their
    /// 256 x 1024 A(l) as op(B).
    /// </remarks>
    private sealed class SharedPack : IParallelWork
    {
        /// <summary>
        /// The operands the team packs have at least this many elements (64 Ki, 256 KiB of floats, some tens of
        /// microseconds of copying); a smaller one (an op(B) of 300 x 67, say) is packed by the calling thread,
        /// which a round trip through the team (a few microseconds with the workers spinning) would not beat.
        /// </summary>
        public const long MinTeamElements = 1L << 16;

        /// <summary>The most pieces the packing is cut into: enough for 2 to 4 threads of unequal speed.</summary>
        private const int Pieces = 4;

        private T* _data;
        private int _rows;
        private int _columns;
        private int _ld;
        private bool _transposed;
        private T* _packed;
        private int _length;
        private bool _asA;
        private int _range;
        private int _depth;
        private int _items;

        /// <summary>Every piece: a thread packs the same rows call after call.</summary>
        public int HomeItems => _items;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
        public void Run(WorkerTeam team, int maxDegreeOfParallelism, scoped in GemmOperand<T> a, bool asA, int depth, Span<T> packed)
        {
            int count = asA ? a.Rows : a.Columns;
            _asA = asA;
            _depth = depth;
            _range = Panel(count, Pieces, Gemm.PackUnit<T>(asA));
            fixed (T* pa = a.Data)
            fixed (T* pp = packed)
            {
                _data = pa;
                _rows = a.Rows;
                _columns = a.Columns;
                _ld = a.LeadingDimension;
                _transposed = a.Transposed;
                _packed = pp;
                _length = packed.Length;
                try
                {
                    _items = (count + _range - 1) / _range;
                    team.Run(this, _items, maxDegreeOfParallelism);
                }
                finally
                {
                    _data = _packed = null;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
        public void Execute(int item)
        {
            int first = item * _range, count = Math.Min(_range, (_asA ? _rows : _columns) - first);
            var x = new GemmOperand<T>(View(_data, 0, _rows, _columns, _ld, _transposed), _rows, _columns, _ld, _transposed);
            Gemm.PackRange(in x, _asA, first, count, new Span<T>(_packed, _length), _depth);
        }
    }

    private static RegularizedGradientEpilogue<T> Regularized(scoped in EpilogueArguments<T> e)
        => new(e.Operand, e.Prior, e.OperandLd, e.InvM, e.Scale);

    // The block at (ic, jc), mc x nc, of an epilogue operand laid out as C but with rows _operandLd apart.
    private ReadOnlySpan<T> BlockOf(T* operand, int ic, int jc, int mc, int nc)
        => new(operand + ((nint)ic * _operandLd) + jc, ((mc - 1) * _operandLd) + nc);

    // The elements of an op(X) of rows x columns starting at offset.
    private static ReadOnlySpan<T> View(T* data, nint offset, int rows, int columns, int ld, bool transposed)
    {
        int storedRows = transposed ? columns : rows, storedColumns = transposed ? rows : columns;
        return new ReadOnlySpan<T>(data + offset, ((storedRows - 1) * ld) + storedColumns);
    }

    // The size of about `panels` equal panels of `length`, rounded up to a multiple of unit (the last may be shorter).
    private static int Panel(int length, int panels, int unit)
    {
        int size = (length + panels - 1) / panels;
        return (size + unit - 1) / unit * unit;
    }
}
