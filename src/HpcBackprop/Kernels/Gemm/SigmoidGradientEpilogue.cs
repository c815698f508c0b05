using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// C = e .* a .* (1 - a) with e the product and a a given matrix of C's shape: the error term
/// D(l) = (D(l+1) Theta(l))[cols 1..] .* g'(Z(l)) written straight from the GEMM, g' taken from A(l).
/// </summary>
/// <remarks>The same order of operations as <see cref="SigmoidGradientProduct"/>: (e a)(1 - a).</remarks>
internal readonly ref struct SigmoidGradientEpilogue<T> : IGemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ReadOnlySpan<T> _activations;
    private readonly int _leadingDimension;

    /// <param name="activations">a, with at least C's rows and columns (row-major).</param>
    /// <param name="leadingDimension">Elements between consecutive rows of a.</param>
    public SigmoidGradientEpilogue(ReadOnlySpan<T> activations, int leadingDimension)
    {
        _activations = activations;
        _leadingDimension = leadingDimension;
    }

    public void CheckShape(int rows, int columns)
    {
        if (rows > 0 && columns > 0 && (_leadingDimension < columns || _activations.Length < ((long)(rows - 1) * _leadingDimension) + columns))
        {
            throw new ArgumentException(
                $"The activations must cover a {rows} x {columns} matrix with leading dimension {_leadingDimension} (>= {columns}); got {_activations.Length} elements.",
                "activations");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchTile(int row, int column, int rows, int columns)
        => Prefetch.TileToL1(
            in Unsafe.Add(ref MemoryMarshal.GetReference(_activations), ((nint)row * _leadingDimension) + column), _leadingDimension, rows, columns);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Apply<TOps, TVec>(TVec value, int row, int column)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
    {
        TVec a = TOps.Load(in Unsafe.Add(ref MemoryMarshal.GetReference(_activations), ((nint)row * _leadingDimension) + column));
        return TOps.Multiply(TOps.Multiply(value, a), TOps.Subtract(TOps.Create(T.One), a));
    }
}
