namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// Which operands the GEMM packs. Packing op(A) costs a pass over m x k and pays off when the packed
/// block is reused across many column slivers (n large); packing op(B) costs a pass over k x n and
/// pays off across many row slivers (m large), and is required when op(B) is a transposed view (the
/// kernel loads B's rows as vectors, so they must be contiguous). Small and skinny products, most of
/// mini-batch backprop on narrow layers, read the operands in place: the no-pack path. Either operand is
/// packed anyway when its k steps are 4 KiB or more apart (<see cref="PackATransposedMinStrideBytes"/>,
/// <see cref="PackBMinStrideBytes"/>), where reading in place takes a new page per k step. An operand that
/// comes packed (<see cref="GemmOperand{T}.WithPacked"/>) is read packed whatever this choice says.
/// </summary>
internal readonly record struct GemmPathChoice(bool PackA, bool PackB)
{
    /// <summary>
    /// op(A) is packed when C has more than this many column slivers of NR; below it the A block is
    /// reread in place once per sliver, which costs less than the copy.
    /// </summary>
    /// <remarks>
    /// Measured on Zen 3, float, m = 256, k = 256 and 512, both orientations of A, packed B (thread CPU
    /// time, medians of 15, on a busy shared machine): in place wins clearly up to n = 256 (16 slivers:
    /// 78 against 55-73 GFLOP/s), ties at n = 512 and loses at n = 1024 (53 against 57-59). The kernel
    /// reads an in-place A sliver through six row pointers, which the hardware prefetches well, so
    /// packing A only pays once the block is reused across very many slivers.
    /// </remarks>
    public const int PackAMinColumnSlivers = 32;

    /// <summary>
    /// op(B) (as stored) is packed when C has more than this many row slivers of MR (or its rows are
    /// <see cref="PackBMinStrideBytes"/> or more apart).
    /// </summary>
    /// <remarks>
    /// Measured as above with n = 512, k = 256: a tie at m = 32, packing ahead from m = 64 (60 against
    /// 53 GFLOP/s) and by more as m grows. An in-place B sliver is kc rows a whole leading dimension
    /// apart, which L1 cannot hold well when the leading dimension is a large power of two.
    /// </remarks>
    public const int PackBMinRowSlivers = 8;

    /// <summary>
    /// A transposed op(A) whose k steps are this many bytes or more apart is always packed: read in place,
    /// every k step of a sliver is on a new 4 KiB page, and the lines of a whole sliver fall into one set
    /// of L1 (4 KiB apart), so the lines shared by neighbouring slivers are evicted before they are reused.
    /// </summary>
    /// <remarks>
    /// Measured on Zen 3, float, Delta = D' A for a 1024-wide layer split as the two-thread engine split
    /// it then (8 output blocks of 1024 x 128, k = 256, each packing its own A): packed 7.7-7.9 ms against
    /// 8.5-10.9 in place over four alternated runs, although packed repacks A once per block (later
    /// ParallelGemm packed such an A once and shared it, which only widens the gap; not re-measured; that
    /// product now goes by rows alone, each block packing its own rows of D'). At 2 KiB
    /// (512 wide) and 1 KiB (256 wide) the two were within the noise of each other, either way round.
    /// </remarks>
    public const int PackATransposedMinStrideBytes = 4096;

    /// <summary>
    /// An op(B) whose k steps (its stored rows) are this many bytes or more apart is always packed, for the
    /// reason a transposed op(A) is (<see cref="PackATransposedMinStrideBytes"/>): read in place, each k step
    /// of a sliver is on a new page, which the hardware prefetchers do not cross.
    /// </summary>
    /// <remarks>
    /// Measured in the 1024-1024-1024-10 step (float, m = 256, instrumented copy of the engine): the last
    /// layer's Delta = D(4)' A(3) (10 x 1024 x 256, two row slivers, so B was read in place) took 0.55-0.76 ms
    /// for 2.6 M multiply-adds with A(3)'s 4 KiB rows read in place (six profiled steps) and 0.29-0.42 ms packed
    /// (four profiled steps, one and two threads, run one after the other on a noisy shared machine). The rule
    /// also packs Theta in E = D Theta[:, 1:] for a short last row block (m &lt;= 48) of a layer 1023 floats or
    /// more wide; that case was not measured.
    /// </remarks>
    public const int PackBMinStrideBytes = 4096;

    /// <summary>The packing for an m x n x k product; op(A)'s and op(B)'s k steps are aStepBytes and bStepBytes apart.</summary>
    public static GemmPathChoice For(int m, int n, bool bTransposed, int mr, int nr, long aStepBytes = 0, long bStepBytes = 0)
        => new(
            PackA: n > PackAMinColumnSlivers * nr || PacksAAnyway(aStepBytes),
            PackB: m > PackBMinRowSlivers * mr || PacksBAnyway(bTransposed, bStepBytes));

    /// <summary>
    /// Whether both operands are packed by the stride rules alone (<see cref="PackATransposedMinStrideBytes"/>, a
    /// transposed op(B) or <see cref="PackBMinStrideBytes"/>), so in every block of the product, whatever its shape.
    /// </summary>
    public static bool PacksBothAnyway(long aStepBytes, bool bTransposed, long bStepBytes)
        => PacksAAnyway(aStepBytes) && PacksBAnyway(bTransposed, bStepBytes);

    // The stride rules: op(A) whose k steps are PackATransposedMinStrideBytes apart; a transposed op(B), or one whose k
    // steps are PackBMinStrideBytes apart. Packed whatever the shape.
    private static bool PacksAAnyway(long aStepBytes) => aStepBytes >= PackATransposedMinStrideBytes;

    private static bool PacksBAnyway(bool bTransposed, long bStepBytes) => bTransposed || bStepBytes >= PackBMinStrideBytes;

    /// <summary>Everything packed: the BLIS path.</summary>
    public static GemmPathChoice Packed => new(true, true);
}
