namespace HpcBackprop;

/// <summary>A writable row-major matrix view over a span: element [i, j] is at i * Columns + j.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct MatrixSpan<T>
{
    /// <summary>Wraps <paramref name="span"/> as a <paramref name="rows"/> x <paramref name="columns"/> matrix.</summary>
    /// <param name="span">Exactly rows * columns elements.</param>
    /// <param name="rows">The row count, at least 0.</param>
    /// <param name="columns">The column count, at least 0.</param>
    /// <exception cref="ArgumentException">The span is not rows * columns long.</exception>
    public MatrixSpan(Span<T> span, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != span.Length)
        {
            throw new ArgumentException($"Expected {rows} x {columns} = {(long)rows * columns} elements; got {span.Length}.", nameof(span));
        }

        Span = span;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The elements, row-major.</summary>
    public Span<T> Span { get; }

    /// <summary>The row count.</summary>
    public int Rows { get; }

    /// <summary>The column count.</summary>
    public int Columns { get; }

    /// <summary>The element in row <paramref name="i"/>, column <paramref name="j"/>.</summary>
    public ref T this[int i, int j]
    {
        get
        {
            if ((uint)i >= (uint)Rows || (uint)j >= (uint)Columns)
            {
                throw new ArgumentOutOfRangeException(nameof(i), $"[{i}, {j}] is outside a {Rows} x {Columns} matrix.");
            }

            return ref Span[(i * Columns) + j];
        }
    }

    /// <summary>Row <paramref name="i"/> as a span of <see cref="Columns"/> elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="i"/> is outside 0 .. Rows-1.</exception>
    public Span<T> Row(int i)
    {
        if ((uint)i >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(i), i, $"Expected a row index in 0..{Rows - 1}.");
        }

        return Span.Slice(i * Columns, Columns);
    }

    /// <summary>A read-only view of the same elements.</summary>
    public static implicit operator ReadOnlyMatrixSpan<T>(MatrixSpan<T> m) => new(m.Span, m.Rows, m.Columns);

    /// <summary>A read-only view of the same elements.</summary>
    public ReadOnlyMatrixSpan<T> AsReadOnly() => this;
}

/// <summary>A read-only row-major matrix view over a span: element [i, j] is at i * Columns + j.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct ReadOnlyMatrixSpan<T>
{
    /// <summary>Wraps <paramref name="span"/> as a <paramref name="rows"/> x <paramref name="columns"/> matrix.</summary>
    /// <param name="span">Exactly rows * columns elements.</param>
    /// <param name="rows">The row count, at least 0.</param>
    /// <param name="columns">The column count, at least 0.</param>
    /// <exception cref="ArgumentException">The span is not rows * columns long.</exception>
    public ReadOnlyMatrixSpan(ReadOnlySpan<T> span, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != span.Length)
        {
            throw new ArgumentException($"Expected {rows} x {columns} = {(long)rows * columns} elements; got {span.Length}.", nameof(span));
        }

        Span = span;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The elements, row-major.</summary>
    public ReadOnlySpan<T> Span { get; }

    /// <summary>The row count.</summary>
    public int Rows { get; }

    /// <summary>The column count.</summary>
    public int Columns { get; }

    /// <summary>The element in row <paramref name="i"/>, column <paramref name="j"/>.</summary>
    public T this[int i, int j]
    {
        get
        {
            if ((uint)i >= (uint)Rows || (uint)j >= (uint)Columns)
            {
                throw new ArgumentOutOfRangeException(nameof(i), $"[{i}, {j}] is outside a {Rows} x {Columns} matrix.");
            }

            return Span[(i * Columns) + j];
        }
    }

    /// <summary>Row <paramref name="i"/> as a span of <see cref="Columns"/> elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="i"/> is outside 0 .. Rows-1.</exception>
    public ReadOnlySpan<T> Row(int i)
    {
        if ((uint)i >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(i), i, $"Expected a row index in 0..{Rows - 1}.");
        }

        return Span.Slice(i * Columns, Columns);
    }
}
