using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// C = invM (prior + s) + scale Theta from the product s = D' A of the last row block: a layer's regularized
/// gradient D(l)[:, 1:] = (1/m) (Delta(l) + D(l+1)' A(l)) + (lambda/m) Theta(l)[:, 1:], written straight from the
/// GEMM, with prior the earlier row blocks' Delta (or none: zero).
/// </summary>
/// <remarks>
/// Without it the last Delta product writes Delta, and a separate pass reads Delta and Theta back to write D:
/// for 1024-1024-1024-10 that pass moves three matrices of 4 MiB each that no longer sit in L2. Here each tile
/// of D is formed while the product's tile is still in L1. The prior is added to the product's sum as the
/// GEMM's accumulating store adds C to it (prior + s), and D is formed as <see cref="ScaledSum"/> forms it
/// (invM x + scale theta), so when the product has a single k block (k at most KC: the engine's default row
/// block of 256 at 256-bit and narrower widths, where KC is 256 or more) the result is bit for bit that of
/// accumulating into Delta followed by the separate pass. At 512-bit KC is 128, and the prior then meets the
/// sum of the two k blocks rather than the first of them: a difference of rounding only, and the same for
/// every thread count, since the k blocks do not depend on it.
/// The gradient (C) must not overlap Theta or the prior: the GEMM stores the raw product in C before the
/// epilogue reads them.
/// </remarks>
internal readonly ref struct RegularizedGradientEpilogue<T> : IGemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ReadOnlySpan<T> _theta;
    private readonly ReadOnlySpan<T> _prior;
    private readonly int _leadingDimension;
    private readonly T _invM;
    private readonly T _scale;

    /// <param name="theta">Theta(l)[:, 1:], at least C's rows and columns, rows <paramref name="leadingDimension"/> apart.</param>
    /// <param name="prior">Empty (zero), or the earlier blocks' Delta(l)[:, 1:], laid out as <paramref name="theta"/>.</param>
    /// <param name="leadingDimension">Elements between consecutive rows of theta and prior.</param>
    /// <param name="invM">1/m.</param>
    /// <param name="scale">lambda/m.</param>
    public RegularizedGradientEpilogue(ReadOnlySpan<T> theta, ReadOnlySpan<T> prior, int leadingDimension, T invM, T scale)
    {
        _theta = theta;
        _prior = prior;
        _leadingDimension = leadingDimension;
        _invM = invM;
        _scale = scale;
    }

    public void CheckShape(int rows, int columns)
    {
        if (rows <= 0 || columns <= 0)
        {
            return;
        }

        long needed = ((long)(rows - 1) * _leadingDimension) + columns;
        if (_leadingDimension < columns || _theta.Length < needed)
        {
            throw new ArgumentException(
                $"Theta must cover a {rows} x {columns} matrix with leading dimension {_leadingDimension} (>= {columns}); got {_theta.Length} elements.",
                "theta");
        }

        if (!_prior.IsEmpty && _prior.Length < needed)
        {
            throw new ArgumentException(
                $"The prior Delta must be empty or cover a {rows} x {columns} matrix with leading dimension {_leadingDimension}; got {_prior.Length} elements.",
                "prior");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchTile(int row, int column, int rows, int columns)
    {
        nint at = ((nint)row * _leadingDimension) + column;
        Prefetch.TileToL1(in Unsafe.Add(ref MemoryMarshal.GetReference(_theta), at), _leadingDimension, rows, columns);
        if (!_prior.IsEmpty)
        {
            Prefetch.TileToL1(in Unsafe.Add(ref MemoryMarshal.GetReference(_prior), at), _leadingDimension, rows, columns);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Apply<TOps, TVec>(TVec value, int row, int column)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
    {
        nint at = ((nint)row * _leadingDimension) + column;
        if (!_prior.IsEmpty)
        {
            value = TOps.Add(TOps.Load(in Unsafe.Add(ref MemoryMarshal.GetReference(_prior), at)), value);
        }

        TVec theta = TOps.Load(in Unsafe.Add(ref MemoryMarshal.GetReference(_theta), at));
        return TOps.Add(TOps.Multiply(TOps.Create(_invM), value), TOps.Multiply(TOps.Create(_scale), theta));
    }
}
