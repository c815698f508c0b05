using System.Numerics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// A function applied to C as the GEMM writes its final value, so a following elementwise pass over
/// memory is saved: after a tile's last k block is stored, the driver applies it to each element of
/// the tile once, while the tile is in L1, a vector at a time (a row's remainder as a vector overlapping
/// the last whole one, so each lane must depend on its own sum and position alone), and one element at a
/// time (<typeparamref name="T"/> itself, through <see cref="OpsScalar{T}"/>) in rows shorter than a
/// vector, so it never reads or writes past C's edge.
/// </summary>
/// <remarks>
/// The driver applies a copy of the epilogue to each tile (so the JIT can keep its fields in registers):
/// an implementation reports through references it holds (as <see cref="SigmoidEpilogue{T}"/> does with its
/// flag), never by changing its own fields, which the copy would lose.
/// </remarks>
internal interface IGemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The final value of C(row, column .. column + TOps.Count - 1) from its sum <paramref name="value"/>.</summary>
    TVec Apply<TOps, TVec>(TVec value, int row, int column)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct;

    /// <summary>Throws before anything is written when the epilogue's own operands do not cover a C of this shape.</summary>
    void CheckShape(int rows, int columns);

    /// <summary>
    /// Asks for the epilogue's own operand under the tile of C at (row, column), rows x columns, before the
    /// tile's last k block, so the epilogue's loads after the block hit L1 (nothing when it has no operand).
    /// </summary>
    void PrefetchTile(int row, int column, int rows, int columns);
}

/// <summary>C is the plain product.</summary>
internal readonly struct NoEpilogue<T> : IGemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public TVec Apply<TOps, TVec>(TVec value, int row, int column)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        => value;

    public void CheckShape(int rows, int columns)
    {
    }

    public void PrefetchTile(int row, int column, int rows, int columns)
    {
    }
}
