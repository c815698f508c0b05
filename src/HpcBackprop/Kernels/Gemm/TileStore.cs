namespace HpcBackprop.Kernels.Gemm;

/// <summary>How the micro-kernel combines its register tile with the C tile it writes.</summary>
internal enum TileStore
{
    /// <summary>C = tile: the first k block when beta = 0 (C is never read, so stale NaNs cannot leak in).</summary>
    Overwrite,

    /// <summary>C = C + tile: later k blocks, and the first one when beta = 1.</summary>
    Accumulate,

    /// <summary>C = bias' + tile, the bias row vector broadcast down the rows: the first k block of Z = A Theta'.</summary>
    Bias,
}
