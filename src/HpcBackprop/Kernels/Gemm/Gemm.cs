using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// General matrix product C = beta C + op(A) op(B) for row-major operands given in place, with an
/// optional bias row and an epilogue: everything the batched backprop needs without transposing a
/// matrix in memory.
/// </summary>
/// <remarks>
/// The three batched products (spec, "The same thing for a batch"), with s = s(l), s' = s(l+1):
/// - Z = A Theta': a = A (m x s, as stored), b = Theta[:,1:] transposed (start at element 1, ld s + 1),
///   bias = Theta[:,0] (gathered contiguously), beta = 0; the <see cref="SigmoidEpilogue{T}"/> writes A(l+1).
/// - E = D Theta[:,1:]: a = D(l+1) (m x s'), b = Theta[:,1:] as stored (ld s + 1); the
///   <see cref="SigmoidGradientEpilogue{T}"/> turns it into D(l).
/// - Delta[:,1:] += D' A: a = D(l+1) transposed (s' x m), b = A (m x s), c = Delta at element 1 with
///   ldc = s + 1, beta = 1; the bias column is <see cref="ColumnSums"/> of D(l+1).
/// </remarks>
internal static class Gemm
{
    /// <summary>C (m x n, rows <paramref name="ldc"/> apart) = beta C + op(A) op(B).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<T>(scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Compute(in a, in b, beta, ReadOnlySpan<T>.Empty, c, ldc, default(NoEpilogue<T>));

    /// <summary>
    /// C (m x n, rows <paramref name="ldc"/> apart) = f(beta C + bias' + op(A) op(B)), with bias' the row
    /// vector <paramref name="bias"/> added to every row (when not empty) and f the epilogue.
    /// </summary>
    /// <param name="a">op(A), m x k.</param>
    /// <param name="b">op(B), k x n.</param>
    /// <param name="beta">The weight of C's old value: 0 (C is not read: stale NaNs do not leak) or any other value.</param>
    /// <param name="bias">Empty, or n values added to every row.</param>
    /// <param name="c">C, at least (m - 1) ldc + n elements.</param>
    /// <param name="ldc">Elements between rows of C, at least n.</param>
    /// <param name="epilogue">The function applied to every final value of C.</param>
    /// <param name="forcedPath">
    /// The packing to use instead of <see cref="GemmPathChoice.For"/>, for tests and tuning (an operand that comes
    /// packed is read packed all the same).
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<T, TEpilogue>(
        scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, T beta, ReadOnlySpan<T> bias, Span<T> c, int ldc,
        scoped in TEpilogue epilogue, GemmPathChoice? forcedPath = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : IGemmEpilogue<T>, allows ref struct
    {
        int m = a.Rows, k = a.Columns, n = b.Columns;
        CheckShapes(in a, in b, bias, c.Length, ldc);
        epilogue.CheckShape(m, n);
        int depth = Depth(in a, in b);
        CheckPacked(in a, asA: true, depth);
        CheckPacked(in b, asA: false, depth);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (beta != T.Zero && beta != T.One)
        {
            Scale(c, m, n, ldc, beta);
        }

        bool accumulate = beta != T.Zero;
        if (accumulate && !bias.IsEmpty && k > 0)
        {
            // The kernel starts a tile from C or from the bias, not both: C = beta C + bias' first, then the product
            // accumulates onto it. (No engine asks for both; the batched engine's forward products overwrite.)
            for (int i = 0; i < m; i++)
            {
                Span<T> row = c.Slice(i * ldc, n);
                ScaledSum.Compute(T.One, row, T.One, bias[..n], row); // 1 x + 1 y is exactly x + y
            }

            bias = ReadOnlySpan<T>.Empty;
        }

        if (k == 0)
        {
            FinishWithoutProduct(accumulate, bias, c, m, n, ldc, in epilogue);
            return;
        }

        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512:
                GemmDriver.Run<Ops512<T>, Vector512<T>, T, TEpilogue>(in a, in b, accumulate, bias, c, ldc, in epilogue, Choose<T>(m, n, in a, in b, Vector512<T>.Count, forcedPath), depth);
                break;
            case SimdWidth.Vector256:
                GemmDriver.Run<Ops256<T>, Vector256<T>, T, TEpilogue>(in a, in b, accumulate, bias, c, ldc, in epilogue, Choose<T>(m, n, in a, in b, Vector256<T>.Count, forcedPath), depth);
                break;
            case SimdWidth.Vector128:
                GemmDriver.Run<Ops128<T>, Vector128<T>, T, TEpilogue>(in a, in b, accumulate, bias, c, ldc, in epilogue, Choose<T>(m, n, in a, in b, Vector128<T>.Count, forcedPath), depth);
                break;
            default:
                GemmDriver.Run<OpsScalar<T>, T, T, TEpilogue>(in a, in b, accumulate, bias, c, ldc, in epilogue, Choose<T>(m, n, in a, in b, 1, forcedPath), depth);
                break;
        }
    }

    // The shapes of op(A) op(B) into C with a bias row: every check but the epilogue's and the packed copies'.
    internal static void CheckShapes<T>(scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, ReadOnlySpan<T> bias, int cLength, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = a.Rows, k = a.Columns, n = b.Columns;
        if (b.Rows != k)
        {
            throw new ArgumentException($"op(A) is {m} x {k} but op(B) is {b.Rows} x {n}: the inner dimensions differ.", nameof(b));
        }

        if (ldc < Math.Max(n, 1) || (m > 0 && n > 0 && cLength < ((long)(m - 1) * ldc) + n))
        {
            throw new ArgumentException($"C must cover {m} x {n} with ldc = {ldc} >= {n}; got {cLength} elements.", "c");
        }

        if (!bias.IsEmpty && bias.Length < n)
        {
            throw new ArgumentException($"The bias row needs {n} elements; got {bias.Length}.", nameof(bias));
        }
    }

    // A packed copy must be one Pack made at the active width for an operand with this k, in k blocks as deep as this
    // product's, and hold this operand's rows (columns) from a sliver boundary: the kernel reads whole slivers of it
    // without bounds checks.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    internal static void CheckPacked<T>(scoped in GemmOperand<T> x, bool asA, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Packed.IsEmpty)
        {
            return;
        }

        if (x.PackedDepth != depth)
        {
            throw new ArgumentException(
                $"The packed copy of op({(asA ? "A" : "B")}) was packed in k blocks of {x.PackedDepth}; this product runs k blocks of {depth} (Gemm.Depth).",
                asA ? "a" : "b");
        }

        GemmBlocking blocking = GemmBlocking.ForActiveWidth<T>();
        int unit = asA ? blocking.MR : blocking.NR;
        int count = asA ? x.Rows : x.Columns, k = asA ? x.Columns : x.Rows;
        if (x.PackedOffset < 0 || x.PackedOffset % unit != 0 || x.PackedExtent % unit != 0
            || (long)x.PackedOffset + count > x.PackedExtent || x.Packed.Length < (long)x.PackedExtent * k)
        {
            throw new ArgumentException(
                $"The packed copy of op({(asA ? "A" : "B")}) ({x.Packed.Length} elements, extent {x.PackedExtent}, offset {x.PackedOffset}) does not hold "
                + $"{count} {(asA ? "rows" : "columns")} x {k} from a multiple of {unit}.",
                asA ? "a" : "b");
        }
    }

    /// <summary>The packing <see cref="Compute{T, TEpilogue}"/> chooses for op(A) op(B) at the active width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static GemmPathChoice PathFor<T>(scoped in GemmOperand<T> a, scoped in GemmOperand<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Choose<T>(a.Rows, b.Columns, in a, in b, SimdPath.Active switch
        {
            SimdWidth.Vector512 => Vector512<T>.Count,
            SimdWidth.Vector256 => Vector256<T>.Count,
            SimdWidth.Vector128 => Vector128<T>.Count,
            _ => 1,
        }, null);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static GemmPathChoice Choose<T>(int m, int n, scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, int width, GemmPathChoice? forced)
    {
        // A transposed op(B) cannot be read in place: the kernel loads its rows as vectors. An operand packed
        // beforehand is read packed: it costs nothing more here, and its slivers are contiguous.
        GemmPathChoice path = forced is { } f
            ? f with { PackB = f.PackB || b.Transposed }
            : GemmPathChoice.For(m, n, b.Transposed, GemmMicroKernel.Rows, GemmMicroKernel.VectorsPerRow * width, (long)a.ColumnStride * Unsafe.SizeOf<T>(), (long)b.RowStride * Unsafe.SizeOf<T>());
        return path with { PackA = path.PackA || !a.Packed.IsEmpty, PackB = path.PackB || !b.Packed.IsEmpty };
    }

    /// <summary>
    /// How many k steps each k block of op(A) op(B) runs at the active width (<see cref="GemmBlocking.ForDepth"/>): a function
    /// of k and the operands' strides alone, so the same for every block of the product. A packing made for the product
    /// (<see cref="Pack{T}"/>) must be made this deep.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static int Depth<T>(scoped in GemmOperand<T> a, scoped in GemmOperand<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Depth<T>(a.Columns, GemmPathChoice.PacksBothAnyway((long)a.ColumnStride * Unsafe.SizeOf<T>(), b.Transposed, (long)b.RowStride * Unsafe.SizeOf<T>()));

    /// <summary>The depth of a product's k blocks from its k and whether both operands are packed anyway (<see cref="GemmPathChoice.PacksBothAnyway"/>).</summary>
    public static int Depth<T>(int k, bool packsBothAnyway)
        where T : unmanaged, IFloatingPointIeee754<T>
        => GemmBlocking.ForActiveWidth<T>().ForDepth(k, packsBothAnyway).KC;

    /// <summary>
    /// Elements <see cref="Pack{T}"/> writes for op(X) of <paramref name="count"/> rows (op(A)) or columns (op(B)) and
    /// inner dimension <paramref name="k"/>, at the active width's blocking.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static int PackedLength<T>(int count, int k, bool asA)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmBlocking blocking = GemmBlocking.ForActiveWidth<T>();
        int unit = asA ? blocking.MR : blocking.NR;
        return checked((count + unit - 1) / unit * unit * k);
    }

    /// <summary>
    /// op(X) packed whole into <paramref name="packed"/> (at least <see cref="PackedLength{T}"/> elements) and
    /// attached to it (<see cref="GemmOperand{T}.WithPacked"/>), in k blocks <paramref name="depth"/> deep (the <see cref="Depth{T}(in GemmOperand{T}, in GemmOperand{T})"/>
    /// of the products that will read it): products that use one operand many times (a
    /// Theta' over many row blocks, a D' over many column blocks, an A over many row blocks) pack it once instead of once per product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static GemmOperand<T> Pack<T>(scoped in GemmOperand<T> x, bool asA, Span<T> packed, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = asA ? x.Rows : x.Columns;
        PackRange(in x, asA, 0, count, packed, depth);
        return Packed(in x, asA, packed, depth);
    }

    /// <summary>
    /// Rows (op(A)) or columns (op(B)) <paramref name="first"/> .. + <paramref name="count"/> of what
    /// <see cref="Pack{T}"/> writes, and only those: <paramref name="first"/> a multiple of <see cref="PackUnit{T}"/>,
    /// the range ending on one or at the last row (column). Threads that pack disjoint ranges of one operand, then
    /// attach it with <see cref="Packed{T}"/>, get what Pack gives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void PackRange<T>(scoped in GemmOperand<T> x, bool asA, int first, int count, Span<T> packed, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmBlocking blocking = GemmBlocking.ForActiveWidth<T>().WithDepth(depth);
        int total = asA ? x.Rows : x.Columns, unit = asA ? blocking.MR : blocking.NR;
        if (first < 0 || count < 0 || first % unit != 0 || first + count > total || ((first + count) % unit != 0 && first + count != total))
        {
            bool firstIsWrong = first < 0 || first % unit != 0 || first > total;
            throw new ArgumentOutOfRangeException(firstIsWrong ? nameof(first) : nameof(count), $"The range {first} .. + {count} must start on a multiple of {unit} within 0 .. {total} and end on one or at {total}.");
        }

        if (packed.Length < PackedLength<T>(total, asA ? x.Columns : x.Rows, asA))
        {
            throw new ArgumentException($"The packed operand needs {PackedLength<T>(total, asA ? x.Columns : x.Rows, asA)} elements; got {packed.Length}.", nameof(packed));
        }

        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512:
                GemmPacking.PackRange<Ops512<T>, Vector512<T>, T>(in x, asA, blocking, first, count, packed);
                break;
            case SimdWidth.Vector256:
                GemmPacking.PackRange<Ops256<T>, Vector256<T>, T>(in x, asA, blocking, first, count, packed);
                break;
            case SimdWidth.Vector128:
                GemmPacking.PackRange<Ops128<T>, Vector128<T>, T>(in x, asA, blocking, first, count, packed);
                break;
            default:
                GemmPacking.PackRange<OpsScalar<T>, T, T>(in x, asA, blocking, first, count, packed);
                break;
        }
    }

    /// <summary>The multiple of which <see cref="PackRange{T}"/> ranges start: MR for op(A), NR for op(B).</summary>
    public static int PackUnit<T>(bool asA)
        where T : unmanaged, IFloatingPointIeee754<T>
        => asA ? GemmBlocking.ForActiveWidth<T>().MR : GemmBlocking.ForActiveWidth<T>().NR;

    /// <summary>op(X) with its packing in <paramref name="packed"/> (all of it written by <see cref="PackRange{T}"/>) attached.</summary>
    public static GemmOperand<T> Packed<T>(scoped in GemmOperand<T> x, bool asA, Span<T> packed, int depth)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        _ = GemmBlocking.ForActiveWidth<T>().WithDepth(depth); // a depth no product runs throws here, not in a product
        int count = asA ? x.Rows : x.Columns;
        int length = PackedLength<T>(count, asA ? x.Columns : x.Rows, asA);
        int unit = PackUnit<T>(asA);
        return x.WithPacked(packed[..length], (count + unit - 1) / unit * unit, 0, depth);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Scale<T>(Span<T> c, int m, int n, int ldc, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            foreach (ref T value in c.Slice(i * ldc, n))
            {
                value *= beta;
            }
        }
    }

    // k = 0: the product is empty, so C is its start value (beta C, or the bias) through the epilogue.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void FinishWithoutProduct<T, TEpilogue>(bool accumulate, ReadOnlySpan<T> bias, Span<T> c, int m, int n, int ldc, scoped in TEpilogue epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : IGemmEpilogue<T>, allows ref struct
    {
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            for (int j = 0; j < n; j++)
            {
                T start = (accumulate ? row[j] : T.Zero) + (bias.IsEmpty ? T.Zero : bias[j]);
                row[j] = epilogue.Apply<OpsScalar<T>, T>(start, i, j);
            }
        }
    }
}
