namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// Which operands the GEMM packs. Packing op(A) costs a pass over m x k and pays off when the packed
/// block is reused across many column slivers (n large); packing op(B) costs a pass over k x n and
/// pays off across many row slivers (m large), and is required when op(B) is a transposed view (the
/// kernel loads B's rows as vectors, so they must be contiguous). Small and skinny products, most of
/// mini-batch backprop on narrow layers, read the operands in place: the no-pack path.
/// </summary>
internal readonly record struct GemmPathChoice(bool PackA, bool PackB)
{
    /// <summary>
    /// op(A) is packed when C has more than this many column slivers of NR; below it the A block is
    /// reread in place once per sliver, which costs less than a copy.
    /// </summary>
    public const int PackAMinColumnSlivers = 2;

    /// <summary>op(B) (as stored) is packed when C has more than this many row slivers of MR.</summary>
    public const int PackBMinRowSlivers = 8;

    /// <summary>The packing for an m x n x k product.</summary>
    public static GemmPathChoice For(int m, int n, bool bTransposed, int mr, int nr)
        => new(
            PackA: n > PackAMinColumnSlivers * nr,
            PackB: bTransposed || m > PackBMinRowSlivers * mr);

    /// <summary>Everything packed: the BLIS path.</summary>
    public static GemmPathChoice Packed => new(true, true);
}
