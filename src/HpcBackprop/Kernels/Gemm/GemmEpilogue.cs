using System.Numerics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// A function applied to C as the GEMM writes its final value, so a following elementwise pass over
/// memory is saved: the driver calls it once per element of C, after the last k block, on registers
/// of any width (<typeparamref name="T"/> itself for edge tiles, through <see cref="OpsScalar{T}"/>).
/// </summary>
internal interface IGemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The final value of C(row, column .. column + TOps.Count - 1) from its sum <paramref name="value"/>.</summary>
    TVec Apply<TOps, TVec>(TVec value, int row, int column)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct;

    /// <summary>Throws before anything is written when the epilogue's own operands do not cover a C of this shape.</summary>
    void CheckShape(int rows, int columns);
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
}
