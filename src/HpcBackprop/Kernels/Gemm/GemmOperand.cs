namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// One factor op(X) of a GEMM, read in place (or, when it carries one, from a packed copy made once for
/// several products, <see cref="WithPacked"/>): a row-major matrix with a leading dimension, used as it
/// is or transposed. op(X) is <see cref="Rows"/> x <see cref="Columns"/>; its element (i, j) is
/// X[i * ld + j], or X[j * ld + i] when <see cref="Transposed"/>. A strided view (for example Theta
/// without its bias column: start at element 1, ld = s(l) + 1) is a slice and a leading dimension,
/// so no product ever copies or transposes a matrix in memory outside the packing buffers.
/// </summary>
internal readonly ref struct GemmOperand<T>
{
    /// <summary>Describes op(X) and checks that <paramref name="data"/> holds every element it names.</summary>
    /// <param name="data">The stored matrix, starting at op(X)'s element (0, 0).</param>
    /// <param name="rows">Rows of op(X).</param>
    /// <param name="columns">Columns of op(X).</param>
    /// <param name="leadingDimension">Elements between consecutive stored rows (at least the stored row length).</param>
    /// <param name="transposed">Whether op(X) is the transpose of the stored matrix.</param>
    public GemmOperand(ReadOnlySpan<T> data, int rows, int columns, int leadingDimension, bool transposed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        int storedRows = transposed ? columns : rows;
        int storedColumns = transposed ? rows : columns;
        if (leadingDimension < Math.Max(storedColumns, 1))
        {
            throw new ArgumentOutOfRangeException(nameof(leadingDimension), leadingDimension,
                $"A stored row has {storedColumns} elements; the leading dimension must be at least that.");
        }

        long needed = storedRows == 0 || storedColumns == 0 ? 0 : ((long)(storedRows - 1) * leadingDimension) + storedColumns;
        if (data.Length < needed)
        {
            throw new ArgumentException(
                $"A {storedRows} x {storedColumns} matrix with leading dimension {leadingDimension} needs {needed} elements; got {data.Length}.",
                nameof(data));
        }

        Data = data;
        Rows = rows;
        Columns = columns;
        LeadingDimension = leadingDimension;
        Transposed = transposed;
    }

    /// <summary>
    /// op(X) with its packed form attached: the whole operand as <see cref="GemmPacking.PackRange"/> lays it out,
    /// of which this operand starts at row (op(A)) or column (op(B)) <paramref name="offset"/>, a multiple of MR
    /// or NR. The driver then reads the packed slivers instead of packing its own: the same values, so the same bits.
    /// </summary>
    /// <param name="packed">The packed whole: k block by k block, each <paramref name="extent"/> x kc elements.</param>
    /// <param name="extent">The whole's rows (op(A)) or columns (op(B)) rounded up to MR or NR.</param>
    /// <param name="offset">This operand's first row or column within the whole.</param>
    /// <param name="depth">The k steps per k block of the packing (its KC, <see cref="Gemm.Depth{T}(int, bool)"/>).</param>
    public GemmOperand<T> WithPacked(ReadOnlySpan<T> packed, int extent, int offset, int depth)
        => new(this, packed, extent, offset, depth);

    private GemmOperand(GemmOperand<T> unpacked, ReadOnlySpan<T> packed, int extent, int offset, int depth)
    {
        Data = unpacked.Data;
        Rows = unpacked.Rows;
        Columns = unpacked.Columns;
        LeadingDimension = unpacked.LeadingDimension;
        Transposed = unpacked.Transposed;
        Packed = packed;
        PackedExtent = extent;
        PackedOffset = offset;
        PackedDepth = depth;
    }

    public ReadOnlySpan<T> Data { get; }

    /// <summary>The packed whole this operand is part of (<see cref="WithPacked"/>), or empty.</summary>
    public ReadOnlySpan<T> Packed { get; }

    /// <summary>Rows (op(A)) or columns (op(B)) of the packed whole, rounded up to a sliver: elements per k step.</summary>
    public int PackedExtent { get; }

    /// <summary>This operand's first row (op(A)) or column (op(B)) within the packed whole.</summary>
    public int PackedOffset { get; }

    /// <summary>The k steps per k block of the packed whole: a product reads it only if it runs k blocks that deep.</summary>
    public int PackedDepth { get; }

    public int Rows { get; }

    public int Columns { get; }

    public int LeadingDimension { get; }

    public bool Transposed { get; }

    /// <summary>Elements between op(X)(i, j) and op(X)(i + 1, j).</summary>
    public nint RowStride => Transposed ? 1 : LeadingDimension;

    /// <summary>Elements between op(X)(i, j) and op(X)(i, j + 1).</summary>
    public nint ColumnStride => Transposed ? LeadingDimension : 1;

    /// <summary>The element (i, j) of op(X), for tests and remainders.</summary>
    public T this[int i, int j] => Data[(int)((i * RowStride) + (j * ColumnStride))];
}
