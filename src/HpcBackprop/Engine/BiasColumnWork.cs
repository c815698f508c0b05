using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Gemm;

namespace HpcBackprop.Engine;

/// <summary>
/// Column 0 of one layer's Delta, or of its regularized gradient: the column sums of D(l+1), the products with the ones
/// column of [1 A(l)], which is never materialized. The layer's Delta product writes the other columns, so as an item
/// this runs beside that product's blocks in one team run (<see cref="WorkSequence"/>). <see cref="IntoDelta"/> and
/// <see cref="IntoGradient"/> are the same sums on spans, for a caller that runs them itself.
/// </summary>
internal sealed unsafe class BiasColumnWork<T> : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _sums;   // s(l+1): one per layer, as the items of several layers may run at once
    private T* _errors;           // count x next, D(l+1)
    private int _count;
    private int _next;
    private T* _column;           // next values stride apart: the layer's Delta or gradient, at its column 0
    private T* _prior;            // into the gradient: null, or the earlier row blocks' Delta laid out as _column
    private int _stride;
    private bool _toGradient;
    private bool _overwrite;      // into Delta: the column is overwritten, not added to
    private T _invM;

    /// <param name="units">s(l+1), the rows of the layer's Theta.</param>
    public BiasColumnWork(int units) => _sums = new T[units];

    /// <summary>The bytes held, for the workspace pool's budget.</summary>
    public long Bytes => (long)_sums.Length * sizeof(T);

    /// <summary>
    /// Sets up <see cref="IntoGradient"/> as the one item. The caller keeps the spans pinned until the item has run and
    /// then calls <see cref="Release"/>.
    /// </summary>
    public void SetGradient(ReadOnlySpan<T> errors, int count, int next, ReadOnlySpan<T> prior, Span<T> gradient, int stride, T invM)
    {
        CheckShapes(errors, count, next, gradient.Length, stride);
        if (!prior.IsEmpty)
        {
            CheckShapes(errors, count, next, prior.Length, stride);
        }

        Set(errors, count, next, gradient, stride);
        fixed (T* p = prior)
        {
            _prior = p;
        }

        _toGradient = true;
        _invM = invM;
    }

    /// <summary>Sets up <see cref="IntoDelta"/> as the one item; pinning and <see cref="Release"/> as for <see cref="SetGradient"/>.</summary>
    public void SetDelta(ReadOnlySpan<T> errors, int count, int next, Span<T> delta, int stride, bool overwrite)
    {
        CheckShapes(errors, count, next, delta.Length, stride);
        Set(errors, count, next, delta, stride);
        _prior = null;
        _toGradient = false;
        _overwrite = overwrite;
    }

    /// <summary>Drops the pointers the last Set kept.</summary>
    public void Release() => _errors = _column = _prior = null;

    /// <summary>Its items are small: handed out in order.</summary>
    public int HomeItems => 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void Execute(int item)
    {
        var errors = new ReadOnlySpan<T>(_errors, _count * _next);
        var column = new Span<T>(_column, Extent(_next, _stride));
        if (_toGradient)
        {
            ReadOnlySpan<T> prior = _prior is null ? default : new ReadOnlySpan<T>(_prior, Extent(_next, _stride));
            IntoGradient(errors, _count, _next, prior, column, _stride, _invM, _sums);
        }
        else
        {
            IntoDelta(errors, _count, _next, column, _stride, _overwrite, _sums);
        }
    }

    /// <summary>
    /// gradient[i stride] = invM (prior[i stride] + the sum over rows t of errors[t next + i]), for i &lt; next, with no prior
    /// when <paramref name="prior"/> is empty: the bias column of D(l), not regularized. The sums are carried contiguously
    /// in <paramref name="sums"/> (at least next), so the strided column (a line and a page per row) is written once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void IntoGradient(ReadOnlySpan<T> errors, int count, int next, ReadOnlySpan<T> prior, Span<T> gradient, int stride, T invM, Span<T> sums)
    {
        sums = sums[..next];
        for (int i = 0; i < next; i++)
        {
            sums[i] = prior.IsEmpty ? T.Zero : prior[i * stride];
        }

        ColumnSums.AddRows(errors, count, next, sums);
        for (int i = 0; i < next; i++)
        {
            gradient[i * stride] = sums[i] * invM;
        }
    }

    /// <summary>
    /// delta[i stride] (+)= the sum over rows t of errors[t next + i], for i &lt; next: overwritten when
    /// <paramref name="overwrite"/>, else added to (<see cref="ColumnSums.Accumulate"/>, <paramref name="scratch"/> at least next).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void IntoDelta(ReadOnlySpan<T> errors, int count, int next, Span<T> delta, int stride, bool overwrite, Span<T> scratch)
    {
        if (overwrite)
        {
            for (int i = 0; i < next; i++)
            {
                delta[i * stride] = T.Zero;
            }
        }

        ColumnSums.Accumulate(errors, count, next, delta, stride, scratch);
    }

    private void Set(ReadOnlySpan<T> errors, int count, int next, Span<T> column, int stride)
    {
        if (next > _sums.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(next), next, $"This column holds {_sums.Length} sums.");
        }

        fixed (T* e = errors)
        fixed (T* c = column)
        {
            _errors = e;
            _column = c;
        }

        _count = count;
        _next = next;
        _stride = stride;
    }

    private static void CheckShapes(ReadOnlySpan<T> errors, int count, int next, int columnLength, int stride)
    {
        if (errors.Length < (long)count * next)
        {
            throw new ArgumentException($"D(l+1) must hold {count} x {next} values; got {errors.Length}.", nameof(errors));
        }

        if (stride < 1 || columnLength < Extent(next, stride))
        {
            throw new ArgumentException($"The column needs {next} values {stride} apart; got {columnLength} elements.", nameof(columnLength));
        }
    }

    private static int Extent(int next, int stride) => next == 0 ? 0 : ((next - 1) * stride) + 1;
}
