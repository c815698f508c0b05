using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Kernels;
using HpcBackprop.Kernels.Gemm;
using HpcBackprop.Kernels.Simd;
using GemmKernel = HpcBackprop.Kernels.Gemm.Gemm;

namespace HpcBackprop.Tests.Gemm;

/// <summary>
/// The packed GEMM against a naive triple loop: random shapes drawn from the edges of the blocking
/// (1, MR +- 1, NR +- 1, KC +- 1, primes), every transpose variant, beta 0, 1 and 0.5, with and
/// without a bias row, every packing choice, leading dimensions with padding. Run once per ISA knob.
/// </summary>
[Trait("Category", "Simd")]
public abstract class GemmTests<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Bounds the naive product's cost (and the software-emulated Vector512 runs) per case.
    private const int MaxWork = 400_000;

    private static readonly GemmPathChoice?[] Paths =
        [null, GemmPathChoice.Packed, new GemmPathChoice(false, false), new GemmPathChoice(true, false), new GemmPathChoice(false, true)];

    [Property(MaxTest = 120, QuietOnSuccess = true)]
    public Property Matches_the_naive_product(PositiveInt seed)
    {
        var g = GemmCase<T>.Random(seed.Get, MaxWork);
        GemmPathChoice? path = Paths[seed.Get % Paths.Length];
        string? failure = Verify(g, g.Run(path));
        return (failure is null).Label($"{failure}, path {path?.ToString() ?? "auto"}");
    }

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Packing_does_not_change_the_bits(PositiveInt seed)
    {
        // The kernel adds each tile's k terms in the same order whether it reads packed or in-place
        // operands, and edge tiles go through the same kernel: every path gives the same bits.
        var g = GemmCase<T>.Random(seed.Get, MaxWork);
        T[] first = g.Run(GemmPathChoice.Packed);
        bool same = Paths.All(p => g.Run(p).AsSpan().SequenceEqual(first));
        return same.Label(g.ToString());
    }

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Operands_packed_beforehand_give_the_same_bits(PositiveInt seed)
    {
        // Gemm.Pack lays out the whole of op(A) or op(B) as the driver packs its blocks, so reading the packed whole
        // (for the whole product, or for a quadrant of it starting at a multiple of MR and NR, as ParallelGemm's
        // blocks and the batched engine's row blocks read it) must give exactly the product packed as it goes.
        var g = GemmCase<T>.Random(seed.Get, MaxWork);
        var rng = new Random(seed.Get);
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        T[] expected = g.Run(GemmPathChoice.Packed);
        var packedA = new T[GemmKernel.PackedLength<T>(g.M, g.K, asA: true) + 3];
        var packedB = new T[GemmKernel.PackedLength<T>(g.N, g.K, asA: false) + 3];
        Array.Fill(packedA, T.NaN); // an element the kernel reads but the packing never wrote would show as NaN
        Array.Fill(packedB, T.NaN);
        GemmOperand<T> a = GemmKernel.Pack(g.OperandA, asA: true, packedA, GemmKernel.Depth(g.OperandA, g.OperandB)), bp = GemmKernel.Pack(g.OperandB, asA: false, packedB, GemmKernel.Depth(g.OperandA, g.OperandB));

        T[] whole = (T[])g.C0.Clone();
        GemmKernel.Compute(a, bp, g.Beta, g.BiasSpan, whole, g.Ldc, default(NoEpilogue<T>));
        T[] onlyA = (T[])g.C0.Clone();
        GemmKernel.Compute(a, g.OperandB, g.Beta, g.BiasSpan, onlyA, g.Ldc, default(NoEpilogue<T>));

        // Quadrants split at a row that is a multiple of MR and a column that is a multiple of NR.
        int r0 = Math.Min(g.M, b.MR * rng.Next(0, (g.M / b.MR) + 1)), c0 = Math.Min(g.N, b.NR * rng.Next(0, (g.N / b.NR) + 1));
        T[] quadrants = (T[])g.C0.Clone();
        foreach ((int row, int rows) in new[] { (0, r0), (r0, g.M - r0) })
        {
            foreach ((int column, int columns) in new[] { (0, c0), (c0, g.N - c0) })
            {
                if (rows == 0 || columns == 0)
                {
                    continue;
                }

                var subA = new GemmOperand<T>(g.A.AsSpan(g.TransA ? row : row * g.Lda), rows, g.K, g.Lda, g.TransA).WithPacked(a.Packed, a.PackedExtent, row, a.PackedDepth);
                var subB = new GemmOperand<T>(g.B.AsSpan(g.TransB ? column * g.Ldb : column), g.K, columns, g.Ldb, g.TransB).WithPacked(bp.Packed, bp.PackedExtent, column, bp.PackedDepth);
                ReadOnlySpan<T> bias = g.UseBias ? g.Bias.AsSpan(column, columns) : ReadOnlySpan<T>.Empty;
                GemmKernel.Compute(subA, subB, g.Beta, bias, quadrants.AsSpan((row * g.Ldc) + column), g.Ldc, default(NoEpilogue<T>));
            }
        }

        bool same = whole.AsSpan().SequenceEqual(expected) && onlyA.AsSpan().SequenceEqual(expected) && quadrants.AsSpan().SequenceEqual(expected);
        return same.Label($"{g}, split at row {r0}, column {c0}");
    }

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Packing_in_ranges_writes_what_packing_whole_writes(PositiveInt seed)
    {
        // ParallelGemm's threads pack one shared op(A) between them, each a range of rows starting on a multiple of MR:
        // the ranges, packed in any order, must leave every element (the zero padding included) as Pack leaves it.
        var g = GemmCase<T>.Random(seed.Get, MaxWork);
        var rng = new Random(seed.Get);
        foreach (bool asA in new[] { true, false })
        {
            GemmOperand<T> x = asA ? g.OperandA : g.OperandB;
            int count = asA ? g.M : g.N, k = g.K, unit = GemmKernel.PackUnit<T>(asA), depth = GemmKernel.Depth(g.OperandA, g.OperandB);
            int length = GemmKernel.PackedLength<T>(count, k, asA);
            var whole = new T[length];
            Array.Fill(whole, T.NaN);
            GemmKernel.Pack(x, asA, whole, depth);

            // Up to three cuts on multiples of the unit, the ranges packed in a random order.
            var cuts = new SortedSet<int> { 0, count };
            for (int i = rng.Next(4); i > 0; i--)
            {
                cuts.Add(Math.Min(count, unit * rng.Next(0, (count / unit) + 1)));
            }

            int[] edges = [.. cuts];
            var ranges = Enumerable.Range(0, edges.Length - 1).Select(i => (First: edges[i], Count: edges[i + 1] - edges[i])).OrderBy(_ => rng.Next()).ToArray();
            var pieces = new T[length];
            Array.Fill(pieces, T.NaN);
            foreach ((int first, int rows) in ranges)
            {
                GemmKernel.PackRange(x, asA, first, rows, pieces, depth);
            }

            if (!pieces.AsSpan().SequenceEqual(whole) || Array.Exists(whole, T.IsNaN))
            {
                return false.Label($"{g}, {(asA ? "op(A)" : "op(B)")} cut at {string.Join(", ", edges)}");
            }
        }

        return true.ToProperty();
    }

    [Fact]
    public void A_packing_range_off_the_unit_throws_and_writes_nothing()
    {
        var g = GemmCase<T>.Random(3, MaxWork);
        int unit = GemmKernel.PackUnit<T>(asA: true);
        var packed = new T[GemmKernel.PackedLength<T>(Math.Max(g.M, unit + 2), g.K, asA: true)];
        var data = new T[(unit + 2) * g.K];
        Array.Fill(packed, T.NaN);
        void PackRows(int first, int count) => GemmKernel.PackRange(new GemmOperand<T>(data, unit + 2, g.K, g.K, transposed: false), asA: true, first, count, packed, GemmKernel.Depth<T>(g.K, packsBothAnyway: false));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PackRows(1, unit));
        Assert.Equal("first", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => PackRows(0, 1)); // ends inside a sliver
        Assert.Throws<ArgumentOutOfRangeException>(() => PackRows(unit, 3)); // past the last row
        Assert.True(Array.TrueForAll(packed, T.IsNaN));
    }

    /// <summary>
    /// Shapes that take every offset the driver adds into a packed copy: more columns than NC (a second column panel),
    /// more rows than MC (a second row block), more k than KC (a second k block).
    /// </summary>
    public static TheoryData<int, int, int> PackedBlockShapes()
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        return new TheoryData<int, int, int>
        {
            { b.MR + 1, b.NC + b.NR + 3, b.KC + 3 },
            { b.MC + b.MR + 1, (2 * b.NR) + 5, b.KC + 3 },
        };
    }

    [Theory]
    [MemberData(nameof(PackedBlockShapes))]
    public void Operands_packed_beforehand_across_panel_row_and_k_blocks_give_the_same_bits(int m, int n, int k)
    {
        var rng = new Random(m + n + k);
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        foreach (bool transA in new[] { false, true })
        {
            var g = GemmCase<T>.Create(rng, m, n, k, transA, !transA, T.Zero, useBias: true);
            T[] expected = g.Run(GemmPathChoice.Packed);
            var packedA = new T[GemmKernel.PackedLength<T>(m, k, asA: true)];
            var packedB = new T[GemmKernel.PackedLength<T>(n, k, asA: false)];
            GemmOperand<T> a = GemmKernel.Pack(g.OperandA, asA: true, packedA, GemmKernel.Depth(g.OperandA, g.OperandB)), bp = GemmKernel.Pack(g.OperandB, asA: false, packedB, GemmKernel.Depth(g.OperandA, g.OperandB));

            // The whole product, then quadrants split after the first sliver: the large quadrant still spans a second
            // row block (MC) and a second column panel (NC), from an offset into the packed copies.
            foreach ((int r0, int c0) in new[] { (0, 0), (b.MR, b.NR) })
            {
                T[] c = (T[])g.C0.Clone();
                foreach ((int row, int rows) in new[] { (0, r0), (r0, m - r0) })
                {
                    foreach ((int column, int columns) in new[] { (0, c0), (c0, n - c0) })
                    {
                        if (rows == 0 || columns == 0)
                        {
                            continue;
                        }

                        var subA = new GemmOperand<T>(g.A.AsSpan(g.TransA ? row : row * g.Lda), rows, k, g.Lda, g.TransA).WithPacked(a.Packed, a.PackedExtent, row, a.PackedDepth);
                        var subB = new GemmOperand<T>(g.B.AsSpan(g.TransB ? column * g.Ldb : column), k, columns, g.Ldb, g.TransB).WithPacked(bp.Packed, bp.PackedExtent, column, bp.PackedDepth);
                        GemmKernel.Compute(subA, subB, g.Beta, g.Bias.AsSpan(column, columns), c.AsSpan((row * g.Ldc) + column), g.Ldc, default(NoEpilogue<T>));
                    }
                }

                Assert.True(c.AsSpan().SequenceEqual(expected), $"{g}: split at row {r0}, column {c0}");
            }
        }
    }

    /// <summary>
    /// Products whose k blocks run 2 KC deep (<see cref="GemmBlocking.ForDepth"/>): a k of 4 KC or more, or both operands
    /// packed by their strides (a transposed op(A) whose k steps are 4 KiB apart, a transposed op(B)), against the naive
    /// product on every path, with the same bits on every path and from operands packed beforehand at that depth; and the
    /// k just under the rule, whose blocks stay KC deep.
    /// </summary>
    [Fact]
    public void Deep_k_blocks_match_the_naive_product_on_every_path()
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        int wide = GemmPathChoice.PackATransposedMinStrideBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>(); // op(A)' rows this long are 4 KiB apart
        var rng = new Random(11);
        (int M, int N, int K, bool Strided, int Depth)[] cases =
        [
            (b.MR + 1, b.NR + 1, (4 * b.KC) - 1, false, b.KC),
            (b.MR + 1, b.NR + 1, 4 * b.KC, false, 2 * b.KC),
            ((2 * b.MR) + 1, (2 * b.NR) + 1, (4 * b.KC) + 1, false, 2 * b.KC),
            (wide, b.NR + 1, b.KC, true, b.KC),
            (wide, b.NR + 1, b.KC + 1, true, 2 * b.KC),
            (wide + 1, b.NR - 1, 2 * b.KC, true, 2 * b.KC),
            (wide, b.NR + 1, (2 * b.KC) + 1, true, 2 * b.KC),
        ];
        foreach ((int m, int n, int k, bool strided, int depth) in cases)
        {
            bool[] orientations = strided ? [true] : [false, true];
            foreach (bool transA in orientations)
            {
                var g = GemmCase<T>.Create(rng, m, n, k, transA, transB: strided || rng.Next(2) == 0, T.One, useBias: false);
                Assert.Equal(depth, GemmKernel.Depth(g.OperandA, g.OperandB));
                T[] first = g.Run(GemmPathChoice.Packed);
                Assert.Null(Verify(g, first));
                foreach (GemmPathChoice? path in Paths)
                {
                    Assert.True(g.Run(path).AsSpan().SequenceEqual(first), $"{g}, path {path?.ToString() ?? "auto"}");
                }

                var packedA = new T[GemmKernel.PackedLength<T>(m, k, asA: true)];
                var packedB = new T[GemmKernel.PackedLength<T>(n, k, asA: false)];
                GemmOperand<T> a = GemmKernel.Pack(g.OperandA, asA: true, packedA, depth), bp = GemmKernel.Pack(g.OperandB, asA: false, packedB, depth);
                T[] c = (T[])g.C0.Clone();
                GemmKernel.Compute(a, bp, g.Beta, c, g.Ldc);
                Assert.True(c.AsSpan().SequenceEqual(first), $"{g}, packed beforehand");
                if (strided && depth > b.KC)
                {
                    // The same product with op(A) stored along k (k steps adjacent, so not packed by the stride rules) runs
                    // KC-deep blocks: it matches the naive product too, and its bits differ from the deep product's.
                    var alongK = new T[m * k];
                    for (int i = 0; i < m; i++)
                    {
                        for (int p = 0; p < k; p++)
                        {
                            alongK[(i * k) + p] = g.OperandA[i, p];
                        }
                    }

                    var shallowA = new GemmOperand<T>(alongK, m, k, k, transposed: false);
                    Assert.Equal(b.KC, GemmKernel.Depth(shallowA, g.OperandB));
                    T[] shallow = (T[])g.C0.Clone();
                    GemmKernel.Compute(shallowA, g.OperandB, g.Beta, shallow, g.Ldc);
                    Assert.Null(Verify(g, shallow));
                    Assert.False(shallow.AsSpan().SequenceEqual(first), $"{g}: k blocks of KC and of 2 KC gave the same bits");
                }
            }
        }
    }

    [Fact]
    public void A_packed_copy_that_does_not_fit_the_operand_throws()
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        var g = GemmCase<T>.Create(new Random(3), (2 * b.MR) + 1, (2 * b.NR) + 1, b.KC + 1, false, false, T.Zero, useBias: false);
        var packedB = new T[GemmKernel.PackedLength<T>(g.N, g.K, asA: false)];
        GemmOperand<T> bp = GemmKernel.Pack(g.OperandB, asA: false, packedB, GemmKernel.Depth(g.OperandA, g.OperandB));
        T[] c = (T[])g.C0.Clone();
        var offByOne = g.OperandB.WithPacked(bp.Packed, bp.PackedExtent, 1, bp.PackedDepth);                   // not a sliver boundary
        var tooShort = g.OperandB.WithPacked(bp.Packed[..^1], bp.PackedExtent, 0, bp.PackedDepth);             // one element short
        var pastTheEnd = g.OperandB.WithPacked(bp.Packed, bp.PackedExtent, b.NR, bp.PackedDepth);              // columns beyond the extent
        Assert.Equal("b", ThrownParameter(g.OperandA, offByOne, c, g.Ldc));
        Assert.Equal("b", ThrownParameter(g.OperandA, tooShort, c, g.Ldc));
        Assert.Equal("b", ThrownParameter(g.OperandA, pastTheEnd, c, g.Ldc));
        GemmOperand<T> deeper = GemmKernel.Pack(g.OperandB, asA: false, new T[packedB.Length], 2 * b.KC); // k blocks of another depth
        Assert.Equal("b", ThrownParameter(g.OperandA, deeper, c, g.Ldc));
        GemmOperand<T> deeperA = GemmKernel.Pack(g.OperandA, asA: true, new T[GemmKernel.PackedLength<T>(g.M, g.K, asA: true)], 2 * b.KC);
        Assert.Equal("a", ThrownParameter(deeperA, g.OperandB, c, g.Ldc));
        Assert.True(c.AsSpan().SequenceEqual(g.C0), "C was written");

        // A product whose blocks run 2 KC deep (both operands packed by their strides) given op(B) packed KC deep.
        int wide = GemmPathChoice.PackATransposedMinStrideBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var deep = GemmCase<T>.Create(new Random(4), wide, b.NR + 1, b.KC + 1, transA: true, transB: true, T.Zero, useBias: false);
        Assert.Equal(2 * b.KC, GemmKernel.Depth(deep.OperandA, deep.OperandB));
        GemmOperand<T> shallower = GemmKernel.Pack(deep.OperandB, asA: false, new T[GemmKernel.PackedLength<T>(deep.N, deep.K, asA: false)], b.KC);
        T[] cDeep = (T[])deep.C0.Clone();
        Assert.Equal("b", ThrownParameter(deep.OperandA, shallower, cDeep, deep.Ldc));
        Assert.True(cDeep.AsSpan().SequenceEqual(deep.C0), "C was written");

        // A depth no product runs.
        string? invalid = null;
        try
        {
            GemmKernel.Pack(g.OperandB, asA: false, new T[packedB.Length], b.KC + 1);
        }
        catch (ArgumentOutOfRangeException e)
        {
            invalid = e.ParamName;
        }

        Assert.Equal("depth", invalid);

        // GemmOperand is a ref struct: no lambda for Assert.Throws.
        static string? ThrownParameter(scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, T[] c, int ldc)
        {
            try
            {
                GemmKernel.Compute(a, b, T.Zero, c, ldc);
                return "(nothing thrown)";
            }
            catch (ArgumentException e)
            {
                return e.ParamName;
            }
        }
    }

    public static TheoryData<int, int, int> EdgeShapes()
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        return new TheoryData<int, int, int>
        {
            { 1, 1, 1 }, { b.MR - 1, b.NR - 1, b.KC - 1 }, { b.MR + 1, b.NR + 1, b.KC + 1 }, { b.MR, b.NR, b.KC },
            { (2 * b.MR) + 1, (2 * b.NR) + 1, (2 * b.KC) + 1 }, { b.MC + 1, 3, 5 }, { 3, b.NR * 3, 2 }, { 1, 97, 13 }, { 97, 1, 13 },
            // Short k blocks run their tiles row by row (GemmDriver.ShortK): several rows and columns of tiles, both orders.
            { (3 * b.MR) + 2, (3 * b.NR) + 5, GemmDriver.ShortK }, { (3 * b.MR) + 2, (3 * b.NR) + 5, GemmDriver.ShortK + 1 }, { b.MC + 7, (2 * b.NR) + 1, 3 },
            // Every height of a bottom-edge tile (the kernel is compiled once per height), across a k block boundary.
            { (2 * b.MR) + 2, b.NR + 3, b.KC + 1 }, { (2 * b.MR) + 3, (2 * b.NR) - 1, b.KC + 1 }, { (2 * b.MR) + 4, b.NR, b.KC + 1 },
            // Edge tiles narrower than a vector but at least half one wide, copied by two narrower overlapping moves.
            { (2 * b.MR) + 1, b.NR + (b.NR / GemmMicroKernel.VectorsPerRow / 2) + 1, b.KC + 1 }, { b.MR, (b.NR / GemmMicroKernel.VectorsPerRow / 2) + 1, 5 },
            // An edge tile exactly one vector wide (the widest the kernel runs one register wide), over two k blocks.
            { b.MR + 1, b.NR + (b.NR / GemmMicroKernel.VectorsPerRow), b.KC + 1 },
        };
    }

    [Theory]
    [MemberData(nameof(EdgeShapes))]
    public void Edge_shapes_match_the_naive_product_in_every_variant(int m, int n, int k)
    {
        var rng = new Random((m * 7919) + (n * 104729) + k);
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                foreach (T beta in new[] { T.Zero, T.One })
                {
                    var g = GemmCase<T>.Create(rng, m, n, k, transA, transB, beta, useBias: beta == T.Zero);
                    foreach (GemmPathChoice? path in Paths)
                    {
                        string? failure = Verify(g, g.Run(path));
                        Assert.True(failure is null, $"{failure}, path {path?.ToString() ?? "auto"}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Products whose C is one column sliver (n &lt;= NR) over several k blocks: with op(A) in place they run tile by
    /// tile (<see cref="GemmDriver.OneSliverMaxBytes"/>), with op(A) packed through the five loops; partial and whole
    /// slivers, op(B) in place, packed as it goes and packed beforehand, and a k just past the tile-by-tile limit.
    /// </summary>
    public static TheoryData<int, int, int> OneSliverShapes()
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        int kPastLimit = (GemmDriver.OneSliverMaxBytes / (b.NR * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())) + 1;
        return new TheoryData<int, int, int>
        {
            { 1, 1, b.KC + 1 }, { b.MR + 1, b.NR - 1, (2 * b.KC) + 3 }, { (2 * b.MR) + 5, b.NR, 3 * b.KC }, { b.MC + 7, 3, b.KC + 5 },
            { b.MR - 1, (b.NR / 2) + 1, (3 * b.KC) + 1 }, { 2, 5, kPastLimit },
            { b.MR + 1, b.NR - 1, (4 * b.KC) + 1 }, // k blocks 2 KC deep (GemmBlocking.ForDepth): 2 KC, 2 KC and 1
            { b.MR + 1, b.NR / GemmMicroKernel.VectorsPerRow, b.KC + 1 }, // one vector wide: the kernel runs one register wide
        };
    }

    // Whether the driver runs a product with op(A) in place tile by tile: one column sliver, k longer than the
    // product's k blocks (Gemm.Depth), and k x NR within GemmDriver.OneSliverMaxBytes.
    private static bool TileByTile(GemmCase<T> g)
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        return g.N <= b.NR && g.K > GemmKernel.Depth(g.OperandA, g.OperandB)
            && (long)g.K * b.NR * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() <= GemmDriver.OneSliverMaxBytes;
    }

    [Theory]
    [MemberData(nameof(OneSliverShapes))]
    public void One_column_sliver_tile_by_tile_has_the_bits_of_the_five_loops(int m, int n, int k)
    {
        // Tile by tile, each tile still receives its k blocks in order from the same start, so the bits are those of
        // the five loops (packed op(A)); both match the naive product. The epilogues are applied once, after the
        // last k block, at each entry's own position (the sigmoid gradient reads its operand there).
        var rng = new Random((m * 31) + (n * 1009) + k);
        var operand = new T[m * n];
        for (int i = 0; i < operand.Length; i++)
        {
            operand[i] = T.CreateChecked(rng.NextDouble());
        }

        var inPlaceA = new GemmPathChoice[] { new(false, false), new(false, true) };
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                foreach (T beta in new[] { T.Zero, T.One, T.CreateChecked(0.5) })
                {
                    // Every start: overwrite (beta 0, no bias), the bias, C, C scaled, and C plus the bias.
                    var g = GemmCase<T>.Create(rng, m, n, k, transA, transB, beta, useBias: beta != T.CreateChecked(0.5) || transB);
                    T[] fiveLoops = g.Run(GemmPathChoice.Packed);
                    T[] fiveLoopsSigmoid = RunSigmoid(g, GemmPathChoice.Packed, g.OperandB);
                    T[] fiveLoopsGradient = RunGradient(g, GemmPathChoice.Packed, operand);
                    var packedB = new T[GemmKernel.PackedLength<T>(n, k, asA: false)];
                    GemmOperand<T> prepackedB = GemmKernel.Pack(g.OperandB, asA: false, packedB, GemmKernel.Depth(g.OperandA, g.OperandB));
                    foreach (GemmPathChoice path in inPlaceA)
                    {
                        long runs = GemmDriver.OneSliverRuns;
                        T[] c = g.Run(path);
                        Assert.Equal(TileByTile(g), GemmDriver.OneSliverRuns > runs);
                        string? failure = Verify(g, c);
                        Assert.True(failure is null, $"{failure}, path {path}");
                        Assert.True(c.AsSpan().SequenceEqual(fiveLoops), $"{g}, path {path}: not the bits of the five loops");
                        Assert.True(RunSigmoid(g, path, g.OperandB).AsSpan().SequenceEqual(fiveLoopsSigmoid), $"{g}, path {path}: sigmoid epilogue");
                        Assert.True(RunSigmoid(g, path, prepackedB).AsSpan().SequenceEqual(fiveLoopsSigmoid), $"{g}, path {path}: op(B) packed beforehand");
                        Assert.True(RunGradient(g, path, operand).AsSpan().SequenceEqual(fiveLoopsGradient), $"{g}, path {path}: sigmoid-gradient epilogue");
                    }
                }
            }
        }

        static T[] RunSigmoid(GemmCase<T> g, GemmPathChoice path, scoped in GemmOperand<T> b)
        {
            T[] c = (T[])g.C0.Clone();
            bool finite = true;
            GemmKernel.Compute(g.OperandA, b, g.Beta, g.BiasSpan, c, g.Ldc, new SigmoidEpilogue<T>(ref finite), path);
            return c;
        }

        static T[] RunGradient(GemmCase<T> g, GemmPathChoice path, T[] operand)
        {
            T[] c = (T[])g.C0.Clone();
            GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new SigmoidGradientEpilogue<T>(operand, g.N), path);
            return c;
        }
    }

    [Theory]
    [MemberData(nameof(OneSliverShapes))]
    public void One_column_sliver_of_a_wider_packed_operand_has_the_bits_of_the_wide_product(int m, int n, int k)
    {
        // A ParallelGemm column block can be one sliver wide while op(B) was packed whole for all blocks: the sliver is
        // then read at an offset into a packed copy wider than NR. Its columns must be those of the whole product.
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        int offset = 2 * b.NR;
        var rng = new Random((m * 37) + (n * 101) + k);
        foreach (bool transB in new[] { false, true })
        {
            var g = GemmCase<T>.Create(rng, m, offset + n, k, transA: false, transB, T.One, useBias: false);
            T[] whole = g.Run(GemmPathChoice.Packed);
            var packed = new T[GemmKernel.PackedLength<T>(g.N, k, asA: false)];
            GemmOperand<T> packedWhole = GemmKernel.Pack(g.OperandB, asA: false, packed, GemmKernel.Depth(g.OperandA, g.OperandB));
            ReadOnlySpan<T> sliverData = transB ? g.B.AsSpan(offset * g.Ldb) : g.B.AsSpan(offset);
            GemmOperand<T> sliver = new GemmOperand<T>(sliverData, k, n, g.Ldb, transB).WithPacked(packedWhole.Packed, packedWhole.PackedExtent, offset, packedWhole.PackedDepth);
            T[] c = (T[])g.C0.Clone();
            long runs = GemmDriver.OneSliverRuns;
            GemmKernel.Compute(g.OperandA, sliver, g.Beta, ReadOnlySpan<T>.Empty, c.AsSpan(offset), g.Ldc, default(NoEpilogue<T>), new GemmPathChoice(false, true));
            bool tileByTile = n <= b.NR && k > GemmKernel.Depth(g.OperandA, sliver)
                && (long)k * b.NR * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() <= GemmDriver.OneSliverMaxBytes;
            Assert.Equal(tileByTile, GemmDriver.OneSliverRuns > runs);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < g.N; j++)
                {
                    T want = j < offset ? g.C0[(i * g.Ldc) + j] : whole[(i * g.Ldc) + j];
                    Assert.True(c[(i * g.Ldc) + j].Equals(want), $"{g}: C[{i},{j}] = {c[(i * g.Ldc) + j]}, expected {want}");
                }
            }
        }
    }

    [Fact]
    public void Empty_inner_dimension_leaves_the_start_value()
    {
        var rng = new Random(5);
        var g = GemmCase<T>.Create(rng, 7, 9, 0, false, true, T.CreateChecked(0.5), useBias: false);
        string? failure = Verify(g, g.Run());
        Assert.True(failure is null, failure);
        var h = GemmCase<T>.Create(rng, 7, 9, 0, true, false, T.Zero, useBias: true);
        failure = Verify(h, h.Run());
        Assert.True(failure is null, failure);
    }

    /// <summary>
    /// Column counts whose last sliver ends the rows of C in each way the epilogue handles: 2 NR + 3 (a remainder
    /// shorter than a vector, element by element at 256 and 512 bits), NR + w + 3 (a whole vector and a remainder
    /// done as an overlapping vector) and NR + w (whole vectors), w being the active width's vector.
    /// </summary>
    public static TheoryData<int> EpilogueColumns() => new(EpilogueColumnCounts());

    private static int[] EpilogueColumnCounts()
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        int w = b.NR / GemmMicroKernel.VectorsPerRow;
        return [(2 * b.NR) + 3, b.NR + w + 3, b.NR + w];
    }

    [Theory]
    [MemberData(nameof(EpilogueColumns))]
    public void Sigmoid_epilogue_equals_the_sigmoid_of_the_product(int n)
    {
        var g = GemmCase<T>.Create(new Random(11 + n), 37, n, 29, false, true, T.Zero, useBias: true);
        T[] c = (T[])g.C0.Clone();
        bool finite = true;
        GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new SigmoidEpilogue<T>(ref finite));
        Assert.True(finite);
        double u = Tests.Numerics.UnitRoundoff<T>();
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < g.N; j++)
            {
                (double z, double magnitude) = g.Expected(i, j);
                double want = 1 / (1 + Math.Exp(-z));

                // g is 1/4-Lipschitz, so the product's error shrinks by 4; evaluating g in T adds the
                // relative errors of e^-z (at most 4 u assumed for the runtime's exp), of 1 + t and of the
                // division: 6 u relative, and g <= 1; 8 u leaves a margin.
                double tol = (0.25 * g.Tolerance(magnitude)) + (8 * u);
                double got = double.CreateChecked(c[(i * g.Ldc) + j]);
                Assert.True(Math.Abs(got - want) <= tol, $"{g}: C[{i},{j}] = {got:R}, expected {want:R} within {tol:E2}");
            }

            for (int j = g.N; j < g.Ldc; j++)
            {
                Assert.True(T.IsNaN(c[(i * g.Ldc) + j]), "the padding past column n was written");
            }
        }
    }

    [Theory]
    [InlineData(double.NaN, 0)]
    [InlineData(double.PositiveInfinity, 5)]
    [InlineData(double.NegativeInfinity, 38)]
    public void Sigmoid_epilogue_reports_a_non_finite_z_that_it_saturates(double bad, int where)
    {
        // An infinite z becomes an activation of exactly 0 or 1, so only the epilogue can still see it.
        var g = GemmCase<T>.Create(new Random(13), 9, GemmBlocking.ForActiveWidth<T>().NR + 3, 7, false, true, T.Zero, useBias: true);
        g.Bias[where % g.N] = T.CreateChecked(bad);
        T[] c = (T[])g.C0.Clone();
        bool finite = true;
        GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new SigmoidEpilogue<T>(ref finite));
        Assert.False(finite);
    }

    [Theory]
    [MemberData(nameof(EpilogueColumns))]
    public void Sigmoid_gradient_epilogue_equals_e_a_one_minus_a(int n)
    {
        var rng = new Random(12 + n);
        var g = GemmCase<T>.Create(rng, 41, n + 2, 19, false, false, T.Zero, useBias: false);
        int lda = g.N + 2;
        var a = new T[g.M * lda];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = T.CreateChecked(rng.NextDouble());
        }

        T[] c = (T[])g.C0.Clone();
        GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new SigmoidGradientEpilogue<T>(a, lda));
        double u = Tests.Numerics.UnitRoundoff<T>();
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < g.N; j++)
            {
                (double e, double magnitude) = g.Expected(i, j);
                double aij = double.CreateChecked(a[(i * lda) + j]);
                double slope = aij * (1 - aij);

                // The product's error is scaled by a (1 - a); computing (e a)(1 - a) in T adds three
                // roundings (two products, one difference) relative to the result: gamma(3).
                double tol = (g.Tolerance(magnitude) * slope) + (GemmCase<T>.Gamma(3, u) * (Math.Abs(e) + g.Tolerance(magnitude)) * slope);
                double got = double.CreateChecked(c[(i * g.Ldc) + j]);
                Assert.True(Math.Abs(got - (e * slope)) <= tol, $"{g}: C[{i},{j}] = {got:R}, expected {e * slope:R} within {tol:E2}");
            }
        }
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 1)]
    public void Regularized_gradient_epilogue_equals_inv_m_prior_plus_product_plus_scale_theta(bool withPrior, int columnCase)
    {
        var rng = new Random(withPrior ? 21 : 22);
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        int n = EpilogueColumnCounts()[columnCase] + 2;
        var g = GemmCase<T>.Create(rng, (2 * b.MR) + 5, n, b.KC + 3, true, false, T.Zero, useBias: false);
        (T[] theta, T[] prior, int ld) = RegularizedOperands(rng, g, withPrior);
        T invM = T.One / T.CreateChecked(7), scale = T.CreateChecked(0.3);
        T[] c = (T[])g.C0.Clone();
        GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new RegularizedGradientEpilogue<T>(theta, prior, ld, invM, scale));
        double u = Tests.Numerics.UnitRoundoff<T>();
        double invMd = double.CreateChecked(invM), scaled = double.CreateChecked(scale);
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < g.N; j++)
            {
                (double e, double magnitude) = g.Expected(i, j);
                double p = withPrior ? double.CreateChecked(prior[(i * ld) + j]) : 0;
                double t = double.CreateChecked(theta[(i * ld) + j]);

                // v = p + s carries the product's error and one rounding of the sum; invM v + scale theta three more
                // (two products, one sum) relative to its terms: gamma(3).
                double vError = g.Tolerance(magnitude) + (u * (Math.Abs(p) + Math.Abs(e) + g.Tolerance(magnitude)));
                double tol = (invMd * vError) + (GemmCase<T>.Gamma(3, u) * ((invMd * (Math.Abs(p + e) + vError)) + Math.Abs(scaled * t)));
                double want = (invMd * (p + e)) + (scaled * t);
                double got = double.CreateChecked(c[(i * g.Ldc) + j]);
                Assert.True(Math.Abs(got - want) <= tol, $"{g}: C[{i},{j}] = {got:R}, expected {want:R} within {tol:E2}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Regularized_gradient_epilogue_is_bitwise_delta_then_the_separate_pass(bool withPrior)
    {
        // With one k block (k <= KC, as the engine's default row block is at 256-bit and narrower) the epilogue adds the prior to the sum
        // exactly as an accumulating store does, and forms D as ScaledSum does.
        var rng = new Random(withPrior ? 31 : 32);
        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        var g = GemmCase<T>.Create(rng, (3 * b.MR) + 1, (3 * b.NR) + 3, b.KC - 1, true, false, T.Zero, useBias: false);
        (T[] theta, T[] prior, int ld) = RegularizedOperands(rng, g, withPrior);
        T invM = T.One / T.CreateChecked(13), scale = T.CreateChecked(0.7);
        T[] fused = (T[])g.C0.Clone();
        GemmKernel.Compute(g.OperandA, g.OperandB, T.Zero, ReadOnlySpan<T>.Empty, fused, g.Ldc, new RegularizedGradientEpilogue<T>(theta, prior, ld, invM, scale));

        // Delta = prior (or 0) + product; then D = invM Delta + scale theta, row by row.
        var delta = new T[g.M * ld];
        if (withPrior)
        {
            prior.CopyTo(delta, 0);
        }

        GemmKernel.Compute(g.OperandA, g.OperandB, withPrior ? T.One : T.Zero, delta, ld);
        for (int i = 0; i < g.M; i++)
        {
            var row = new T[g.N];
            ScaledSum.Compute(invM, delta.AsSpan(i * ld, g.N), scale, theta.AsSpan(i * ld, g.N), row);
            Assert.Equal(row, fused.AsSpan(i * g.Ldc, g.N).ToArray());
        }
    }

    private static (T[] Theta, T[] Prior, int Ld) RegularizedOperands(Random rng, GemmCase<T> g, bool withPrior)
    {
        int ld = g.N + 2;
        var theta = new T[g.M * ld];
        var prior = new T[withPrior ? g.M * ld : 0];
        for (int i = 0; i < theta.Length; i++)
        {
            theta[i] = T.CreateChecked((2 * rng.NextDouble()) - 1);
        }

        for (int i = 0; i < prior.Length; i++)
        {
            prior[i] = T.CreateChecked((4 * rng.NextDouble()) - 2);
        }

        return (theta, prior, ld);
    }

    [Fact]
    public void Mismatched_shapes_throw_before_writing()
    {
        var g = GemmCase<T>.Create(new Random(3), 5, 6, 7, false, false, T.One, useBias: false);
        T[] c = (T[])g.C0.Clone();
        Assert.Throws<ArgumentException>(() => GemmKernel.Compute(g.OperandA, new GemmOperand<T>(g.B, g.K - 1, g.N, g.Ldb, false), g.Beta, c, g.Ldc));
        Assert.Throws<ArgumentException>(() => GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, c.AsSpan(0, ((g.M - 1) * g.Ldc) + g.N - 1), g.Ldc));
        Assert.Throws<ArgumentException>(() => GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, c, g.N - 1));
        Assert.Throws<ArgumentException>(() => new GemmOperand<T>(g.A, g.M + 1, g.K, g.Lda, false));
        Assert.Throws<ArgumentException>(() => GemmKernel.Compute(
            g.OperandA, g.OperandB, T.Zero, new T[g.N - 1], c, g.Ldc, default(NoEpilogue<T>)));
        Assert.Throws<ArgumentException>(() => GemmKernel.Compute(
            g.OperandA, g.OperandB, T.Zero, ReadOnlySpan<T>.Empty, c, g.Ldc, new SigmoidGradientEpilogue<T>(new T[g.M * g.N - 1], g.N)));
        Assert.Throws<ArgumentException>(() => GemmKernel.Compute(
            g.OperandA, g.OperandB, T.Zero, ReadOnlySpan<T>.Empty, c, g.Ldc, new RegularizedGradientEpilogue<T>(new T[g.M * g.N - 1], default, g.N, T.One, T.One)));
        Assert.Throws<ArgumentException>(() => GemmKernel.Compute(
            g.OperandA, g.OperandB, T.Zero, ReadOnlySpan<T>.Empty, c, g.Ldc, new RegularizedGradientEpilogue<T>(new T[g.M * g.N], new T[g.M * g.N - 1], g.N, T.One, T.One)));
        Assert.Equal(g.C0, c);
    }

    [Theory]
    [InlineData(11)]  // float at 512 bits: a 256-bit vector and an overlapping one
    [InlineData(16)]  // whole vectors
    [InlineData(37)]  // whole vectors and an overlapping tail
    [InlineData(3)]   // narrower than any vector of float
    [InlineData(10)]  // the output layer: a narrower vector than the active one
    [InlineData(25)]  // the 400-25-10 hidden layer
    [InlineData(64)]  // four 512-bit float vectors, the most one strip carries in registers
    [InlineData(65)]  // one column more: the last w columns overlap the strip's last vector
    [InlineData(100)] // float at 512 bits: a strip of four vectors, then one of two with the tail
    [InlineData(128)] // two whole strips (a 128-unit layer)
    [InlineData(1023)] // float: 63 vectors and a tail in 16 strips, rows just under a page
    [InlineData(1024)] // float: rows of a page, added one row at a time
    [InlineData(1029)]
    public void Column_sums_add_every_row_in_order(int n)
    {
        var rng = new Random(9 + n);
        int rows = 23, stride = 3;
        var d = new T[rows * n];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = T.CreateChecked(rng.NextDouble() - 0.5);
        }

        // Every sum starts from its own value, so a lane that starts from a neighbour's shows.
        var sums = new T[n * stride];
        var start = new T[n];
        for (int i = 0; i < n; i++)
        {
            start[i] = T.CreateChecked(i + 1 - (2.5 * rng.NextDouble()));
            sums[i * stride] = start[i];
        }

        ColumnSums.Accumulate<T>(d, rows, n, sums, stride, new T[n + 3]);
        for (int i = 0; i < n; i++)
        {
            T want = start[i];
            for (int t = 0; t < rows; t++)
            {
                want += d[(t * n) + i];
            }

            Assert.Equal(want, sums[i * stride]);
            for (int s = 1; s < stride && (i * stride) + s < sums.Length; s++)
            {
                Assert.Equal(T.Zero, sums[(i * stride) + s]);
            }
        }
    }

    [Theory]
    [InlineData(3, 40)]
    [InlineData(10, 40)]
    [InlineData(25, 0)]   // no rows: the sums stay as they were
    [InlineData(25, 7)]
    [InlineData(49, 13)]  // three 512-bit float vectors and an overlapping tail
    [InlineData(63, 13)]
    [InlineData(130, 5)]
    [InlineData(200, 9)]  // strips of four vectors, the last shorter, with a tail
    [InlineData(1023, 3)]
    public void Column_sums_touch_nothing_past_n(int n, int rows)
    {
        var rng = new Random((n * 17) + rows);
        var d = new T[rows * n];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = T.CreateChecked(rng.NextDouble() - 0.5);
        }

        // n sums followed by sentinels a store past n would overwrite.
        var sums = new T[n + 64];
        Array.Fill(sums, T.NaN);
        var want = new T[n];
        for (int i = 0; i < n; i++)
        {
            sums[i] = want[i] = T.CreateChecked(i - (0.5 * rng.NextDouble()));
            for (int t = 0; t < rows; t++)
            {
                want[i] += d[(t * n) + i];
            }
        }

        ColumnSums.AddRows<T>(d, rows, n, sums.AsSpan(0, n));
        Assert.Equal(want, sums.AsSpan(0, n).ToArray());
        Assert.All(sums.AsSpan(n).ToArray(), x => Assert.True(T.IsNaN(x), "a store past n"));
    }

    [Fact]
    public void A_tile_one_register_wide_has_the_bits_of_the_first_vector_of_a_whole_tile()
    {
        // An edge tile whose columns fit one vector runs the kernel one register wide: its first vector of each row must
        // be bitwise that of the two-register tile (same chains of multiply-adds, same start), and it must leave the
        // lanes past that vector as they were. Every width, every height, every way of storing.
        OneRegisterWide<Ops512<T>, System.Runtime.Intrinsics.Vector512<T>>();
        OneRegisterWide<Ops256<T>, System.Runtime.Intrinsics.Vector256<T>>();
        OneRegisterWide<Ops128<T>, System.Runtime.Intrinsics.Vector128<T>>();
        OneRegisterWide<OpsScalar<T>, T>();

        static void OneRegisterWide<TOps, TVec>()
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
        {
            int w = TOps.Count, nr = GemmMicroKernel.VectorsPerRow * w, mr = GemmMicroKernel.Rows, kc = 37, ldc = nr + 3;
            var rng = new Random(w);
            T[] a = Random(rng, mr * kc), b = Random(rng, kc * nr), bias = Random(rng, nr), start = Random(rng, mr * ldc);
            foreach (TileStore store in new[] { TileStore.Overwrite, TileStore.Accumulate, TileStore.Bias })
            {
                for (int rows = 1; rows <= mr; rows++)
                {
                    T[] whole = (T[])start.Clone(), narrow = (T[])start.Clone();
                    // op(A) as packed (k step MR), op(B) a packed sliver (k step NR).
                    GemmMicroKernel.Compute<TOps, TVec, T>(kc, rows, in a[0], 1, mr, in b[0], nr, ref whole[0], ldc, store, in bias[0]);
                    GemmMicroKernel.Compute<TOps, TVec, T>(kc, rows, in a[0], 1, mr, in b[0], nr, ref narrow[0], ldc, store, in bias[0], vectors: 1);
                    for (int r = 0; r < mr; r++)
                    {
                        for (int j = 0; j < ldc; j++)
                        {
                            int i = (r * ldc) + j;
                            T expected = r < rows && j < w ? whole[i] : start[i];
                            Assert.True(
                                narrow[i].Equals(expected),
                                $"{typeof(TOps).Name}, {store}, {rows} rows: ({r}, {j}) is {narrow[i]}, not {expected}");
                        }
                    }
                }
            }
        }

        static T[] Random(Random rng, int length)
        {
            var x = new T[length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = T.CreateChecked(rng.NextDouble() - 0.5);
            }

            return x;
        }
    }

    [Fact]
    public void Runs_at_the_forced_width()
    {
        // Guards the ISA matrix: a knob that is silently ignored would retest the same path.
        string? forced = Environment.GetEnvironmentVariable(SimdPath.EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            Assert.Equal(Enum.Parse<SimdWidth>(forced, ignoreCase: true), SimdPath.Active);
        }

        GemmBlocking b = GemmBlocking.ForActiveWidth<T>();
        int lanes = SimdPath.Active == SimdWidth.Scalar ? 1 : (int)SimdPath.Active / (8 * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        Assert.Equal(GemmMicroKernel.VectorsPerRow * lanes, b.NR);
    }

    /// <summary>Null when every entry of C is within the bound and the padding is untouched; else what failed.</summary>
    private static string? Verify(GemmCase<T> g, T[] c)
    {
        string worst = "";
        double worstExcess = 0;
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < g.Ldc; j++)
            {
                double got = double.CreateChecked(c[(i * g.Ldc) + j]);
                if (j >= g.N)
                {
                    if (!double.IsNaN(got))
                    {
                        return $"{g}: the padding C[{i},{j}] was written";
                    }

                    continue;
                }

                (double want, double magnitude) = g.Expected(i, j);
                double tol = g.Tolerance(magnitude);
                double excess = Math.Abs(got - want) <= tol ? 0 : double.IsNaN(got) ? double.PositiveInfinity : Math.Abs(got - want) / Math.Max(tol, double.Epsilon);
                if (excess > worstExcess)
                {
                    worstExcess = excess;
                    worst = $"C[{i},{j}] = {got:R}, expected {want:R} within {tol:E2}";
                }
            }
        }

        return worstExcess == 0 ? null : $"{g}: {worst}";
    }
}

public sealed class FloatGemmTests : GemmTests<float>;

public sealed class DoubleGemmTests : GemmTests<double>;
