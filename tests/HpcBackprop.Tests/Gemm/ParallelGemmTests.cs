using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Engine;
using HpcBackprop.Kernels.Gemm;
using GemmKernel = HpcBackprop.Kernels.Gemm.Gemm;

namespace HpcBackprop.Tests.Gemm;

/// <summary>
/// The GEMM split into output blocks among threads equals the unsplit GEMM bitwise, for every epilogue,
/// transpose, beta and bias, and for 1..4 threads.
/// </summary>
[Trait("Category", "Simd")]
public class ParallelGemmTests
{
    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property Float_split_equals_unsplit(PositiveInt seed) => SplitEqualsUnsplit<float>(seed.Get);

    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property Double_split_equals_unsplit(PositiveInt seed) => SplitEqualsUnsplit<double>(seed.Get);

    [Theory]
    [InlineData(256, 1024, 1024)]
    [InlineData(1024, 1024, 256)]
    [InlineData(10, 1024, 512)]
    [InlineData(300, 200, 300)]
    public void Big_shapes_are_split_and_equal_the_unsplit_product(int m, int n, int k)
    {
        ParallelGemm<float>.Blocks(m, n, k, ParallelEpilogue.None, out _, out _, out int rowPanels, out int columnPanels);
        Assert.True(rowPanels * columnPanels > 1);
        var rng = new Random(m + n + k);
        foreach (bool transA in new[] { false, true })
        {
            var g = GemmCase<float>.Create(rng, m, n, k, transA, rng.Next(2) == 0, rng.Next(2) == 0 ? 0f : 1f, useBias: false);
            Assert.True(Compare(g, ParallelEpilogue.None, out string why), why);
            Assert.True(Compare(g, ParallelEpilogue.RegularizedGradient, out why, withPrior: true), why);
        }
    }

    /// <summary>
    /// Products with few multiply-adds but many elements (<see cref="ParallelGemm{T}.MinElements"/>): the three products
    /// of a 10-unit layer next to a 1024-unit one, 256 examples (k = 10, n = 10 and m = 10), are split, and equal the
    /// unsplit product for every epilogue.
    /// </summary>
    [Theory]
    [InlineData(256, 1024, 10)]
    [InlineData(256, 10, 1024)]
    [InlineData(10, 1024, 256)]
    public void Memory_bound_shapes_are_split_and_equal_the_unsplit_product(int m, int n, int k)
    {
        Assert.True((long)m * n * k < ParallelGemm<float>.MinMultiplyAdds);
        ParallelGemm<float>.Blocks(m, n, k, ParallelEpilogue.None, out _, out _, out int rowPanels, out int columnPanels);
        Assert.True(rowPanels * columnPanels > 1, $"{rowPanels} x {columnPanels} blocks");
        EveryEpilogueEqualsTheUnsplitProduct(new Random(m + n + k), m, n, k, 0f);
    }

    /// <summary>
    /// An unsplit product whose MC x NC blocks of C exceed <see cref="GemmDriver.EpilogueStreamBytes"/> runs its last k
    /// block in bands of columns, row by row (<see cref="GemmDriver.EpilogueBandBytes"/>); the split product's 128-wide
    /// blocks run theirs sliver by sliver. The same tiles either way, so the same bits, for every epilogue (the None
    /// epilogue takes no bands) and both element types; with k past KC the last k block is a partial one. The shapes
    /// take bands at every width (MC is 72 rows at 128 bits and in scalar code, so n is near 2000).
    /// </summary>
    [Theory]
    [InlineData(150, 2000, 300)]
    [InlineData(300, 1900, 170)]
    public void An_unsplit_product_in_bands_equals_the_split_product(int m, int n, int k)
    {
        GemmBlocking b = GemmBlocking.ForActiveWidth<float>();
        Assert.True((long)Math.Min(m, b.MC) * Math.Min(n, b.NC) * sizeof(float) > GemmDriver.EpilogueStreamBytes);
        var rng = new Random(m + n + k + 2);
        EveryEpilogueEqualsTheUnsplitProduct(rng, m, n, k, 0f);
        DoubleEqualsTheUnsplitProduct(rng, m, n, k, ParallelEpilogue.SigmoidGradient, ParallelEpilogue.RegularizedGradient);
    }

    /// <summary>
    /// Products with an empty dimension are never split (the element count alone would reach
    /// <see cref="ParallelGemm{T}.MinElements"/>): with k = 0, C is its start value through the epilogue, as unsplit.
    /// </summary>
    [Theory]
    [InlineData(0, 1024, 512)]
    [InlineData(512, 0, 1024)]
    [InlineData(1024, 1024, 0)]
    public void Products_with_an_empty_dimension_run_unsplit(int m, int n, int k)
    {
        Assert.False(ParallelGemm<float>.WorthSplitting(m, n, k));
        EveryEpilogueEqualsTheUnsplitProduct(new Random(m + n + k + 1), m, n, k, 1f);
    }

    /// <summary>
    /// The last column panel but one runs as two halves, the last as quarters or halves (<see cref="ParallelGemm{T}.LastPanelPieces"/>):
    /// whole panels of 128 columns (quarters of 32), and of 192 with a last panel of 186 (at 512 bits NR is 32 for float,
    /// so quarters of 48 do not fit and the last panel runs as halves of 96 and 90, the last with an edge tile; at 256 bits
    /// as quarters of 48, 48, 48 and 42), each epilogue, both element types. Both panel widths are multiples of twice NR at
    /// every width, so every run of the SIMD matrix cuts the last panels.
    /// </summary>
    [Theory]
    [InlineData(256, 1024, 300)]
    [InlineData(128, 1530, 200)]
    public void Cut_last_panels_equal_the_unsplit_product(int m, int n, int k)
    {
        ParallelGemm<float>.Blocks(m, n, k, ParallelEpilogue.None, out _, out int columnPanel, out int rowPanels, out int columnPanels);
        Assert.True(ParallelGemm<float>.LastPanelPieces(rowPanels, columnPanels, columnPanel) > 0, $"{rowPanels} x {columnPanels} blocks of {columnPanel} columns");
        var rng = new Random(m + n + k);
        foreach (bool transA in new[] { false, true })
        {
            var g = GemmCase<float>.Create(rng, m, n, k, transA, rng.Next(2) == 0, 0f, useBias: true);
            foreach (ParallelEpilogue epilogue in Enum.GetValues<ParallelEpilogue>())
            {
                Assert.True(Compare(g, epilogue, out string why, withPrior: true), why);
            }

            var d = GemmCase<double>.Create(rng, m, n, k, transA, rng.Next(2) == 0, 1.0, useBias: false);
            Assert.True(Compare(d, ParallelEpilogue.RegularizedGradient, out string whyD, withPrior: true), whyD);
        }
    }

    /// <summary>
    /// Blocks that read packed copies at an offset: a caller's packed op(B) (the batched engine's Theta' over
    /// several row blocks) across column panels, and the op(A) that ParallelGemm packs once and shares, across
    /// row panels (a transposed A with 4 KiB between k steps is always packed).
    /// </summary>
    [Theory]
    [InlineData(256, 1024, 300, false)]
    [InlineData(1024, 256, 300, true)]
    public void Blocks_reading_packed_copies_equal_the_unsplit_product(int m, int n, int k, bool transA)
    {
        ParallelGemm<float>.Blocks(m, n, k, ParallelEpilogue.None, out _, out _, out int rowPanels, out int columnPanels);
        Assert.True(columnPanels > 1 && (!transA || rowPanels > 1), $"{rowPanels} x {columnPanels} blocks");
        var rng = new Random(m + n + k);
        CallerPackedBEqualsTheUnsplitProduct(GemmCase<float>.Create(rng, m, n, k, transA, transB: true, 0f, useBias: true), regularized: false);
    }

    /// <summary>
    /// Products with an epilogue whose C (4 MiB or more) is at least as large as op(A) and op(B) together, with rows for <see cref="ParallelGemm{T}.TargetBlocks"/>
    /// panels (the Delta products of wide layers: k is a row block's examples), go by rows alone (<see cref="ParallelGemm{T}.RowsOnly"/>)
    /// over one op(B) packed once: by the team (n k of 64 Ki elements or more), by the calling thread (fewer), or by the
    /// caller beforehand (without an epilogue they go by columns). Each equals the unsplit product bit for bit, every
    /// epilogue, both orientations of op(A), float and double; m and n off MR and NR, and a k with a short last k block at 512 bits (1100 x 1001 x 150).
    /// </summary>
    [Theory]
    [InlineData(1024, 1024, 256)]
    [InlineData(1100, 1001, 150)]
    [InlineData(1500, 701, 67)]
    public void Products_split_by_rows_alone_equal_the_unsplit_product(int m, int n, int k)
    {
        Assert.True(ParallelGemm<float>.RowsOnly(m, n, k, ParallelEpilogue.RegularizedGradient));
        Assert.False(ParallelGemm<float>.RowsOnly(m, n, k, ParallelEpilogue.None));
        ParallelGemm<float>.Blocks(m, n, k, ParallelEpilogue.RegularizedGradient, out _, out _, out int rowPanels, out int columnPanels);
        Assert.True(columnPanels == 1 && rowPanels >= ParallelGemm<float>.TargetBlocks, $"{rowPanels} x {columnPanels} blocks");
        var rng = new Random(m + n + k + 3);
        long shared = ParallelGemm<float>.SharedPacks;
        EveryEpilogueEqualsTheUnsplitProduct(rng, m, n, k, 0f);
        Assert.True(ParallelGemm<float>.SharedPacks > shared, "no op(B) was packed once for the blocks");
        DoubleEqualsTheUnsplitProduct(rng, m, n, k, ParallelEpilogue.RegularizedGradient);

        // op(B) packed by the caller: the blocks read it instead of packing their own.
        CallerPackedBEqualsTheUnsplitProduct(GemmCase<float>.Create(rng, m, n, k, transA: true, transB: false, 0f, useBias: false), regularized: true);
    }

    /// <summary>
    /// The shapes that go by columns stay there: the forward and error products of wide layers (long k), few rows, and Cs
    /// under 4 MiB (the Delta products of 784-1024-10 and 512-512-512-10, which lost by rows).
    /// </summary>
    [Theory]
    [InlineData(256, 1024, 1024)]
    [InlineData(256, 1024, 10)]
    [InlineData(10, 1024, 256)]
    [InlineData(128, 784, 256)]
    [InlineData(1024, 256, 300)]
    [InlineData(1024, 784, 256)]
    [InlineData(512, 512, 256)]
    public void Other_split_shapes_do_not_go_by_rows_alone(int m, int n, int k)
    {
        Assert.False(ParallelGemm<float>.RowsOnly(m, n, k, ParallelEpilogue.RegularizedGradient));
        ParallelGemm<float>.Blocks(m, n, k, ParallelEpilogue.None, out _, out _, out _, out int columnPanels);
        Assert.True(columnPanels > 1, $"{columnPanels} column panels");
    }

    /// <summary>
    /// The blocks a split product deals out as home items (<see cref="ParallelGemm{T}.HomeItems"/>): when C has
    /// <see cref="ParallelGemm{T}.HomeElements"/> or more, its whole blocks (all of them, or all but the halves and pieces of
    /// the last two column panels); otherwise none, nor for an unsplit or an empty product (prepared after one that had
    /// some). A 10 x 1024 C (the output layer's Delta product) is under the bound in float and in double, 16 x 1024 at it.
    /// </summary>
    [Fact]
    public void Whole_blocks_of_a_large_split_product_are_home_items()
    {
        using var team = new WorkerTeam(1);
        var rng = new Random(11);
        var work = new ParallelGemm<float>();
        var workD = new ParallelGemm<double>();

        // One row panel of 1024 columns: whole panels, and the last two cut.
        ParallelGemm<float>.Blocks(256, 1024, 300, ParallelEpilogue.None, out _, out int columnPanel, out int rowPanels, out int columnPanels);
        int pieces = ParallelGemm<float>.LastPanelPieces(rowPanels, columnPanels, columnPanel);
        Assert.True(rowPanels == 1 && pieces > 0, $"{rowPanels} x {columnPanels} blocks, {pieces} pieces");
        Assert.Equal((columnPanels + pieces, columnPanels - 2), Prepared(work, GemmCase<float>.Create(rng, 256, 1024, 300, false, false, 0f, useBias: false), 2));

        // The same product prepared for one thread, then an empty one: no home items.
        Assert.Equal((1, 0), Prepared(work, GemmCase<float>.Create(rng, 256, 1024, 300, false, false, 0f, useBias: false), 1));
        Assert.Equal((columnPanels + pieces, columnPanels - 2), Prepared(work, GemmCase<float>.Create(rng, 256, 1024, 300, false, false, 0f, useBias: false), 2));
        var b = new float[300 * 1024];
        Assert.Equal(0, work.Prepare(team, 2, new GemmOperand<float>(Array.Empty<float>(), 0, 300, 300, false), new GemmOperand<float>(b, 300, 1024, 1024, false), 0f, default, Span<float>.Empty, 1024, EpilogueArguments<float>.None));
        Assert.Equal(0, work.HomeItems);
        work.Release();

        // Row and column panels: every block whole.
        ParallelGemm<float>.Blocks(1024, 256, 300, ParallelEpilogue.None, out _, out _, out rowPanels, out columnPanels);
        Assert.True(rowPanels > 1 && columnPanels > 1, $"{rowPanels} x {columnPanels} blocks");
        Assert.Equal((rowPanels * columnPanels, rowPanels * columnPanels), Prepared(work, GemmCase<float>.Create(rng, 1024, 256, 300, true, false, 0f, useBias: false), 2));

        // 10 x 1024 and 16 x 1024 (the bound), float and double.
        Assert.True(10 * 1024 < ParallelGemm<float>.HomeElements && 16 * 1024 == ParallelGemm<float>.HomeElements);
        foreach (int rows in new[] { 10, 16 })
        {
            (int blocks, int home) = Prepared(work, GemmCase<float>.Create(rng, rows, 1024, 256, true, false, 0f, useBias: false), 2);
            Assert.True(blocks > 1 && (rows == 10 ? home == 0 : home > 0 && home < blocks), $"float {rows} rows: {blocks} blocks, {home} home");
            (blocks, home) = Prepared(workD, GemmCase<double>.Create(rng, rows, 1024, 256, true, false, 0.0, useBias: false), 2);
            Assert.True(blocks > 1 && (rows == 10 ? home == 0 : home > 0 && home < blocks), $"double {rows} rows: {blocks} blocks, {home} home");
        }

        (int Blocks, int Home) Prepared<T>(ParallelGemm<T> gemm, GemmCase<T> g, int threads)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            T[] c = (T[])g.C0.Clone();
            try
            {
                int items = gemm.Prepare(team, threads, g.OperandA, g.OperandB, T.Zero, default, c, g.Ldc, EpilogueArguments<T>.None);
                return (items, gemm.HomeItems);
            }
            finally
            {
                gemm.Release();
            }
        }
    }

    [Fact]
    public void A_short_prior_throws_before_any_block_is_written()
    {
        var rng = new Random(5);
        var g = GemmCase<float>.Create(rng, 256, 1024, 64, false, false, 0f, useBias: false);
        ParallelGemm<float>.Blocks(g.M, g.N, g.K, ParallelEpilogue.RegularizedGradient, out _, out _, out int rowPanels, out int columnPanels);
        Assert.True(rowPanels * columnPanels > 1);
        var theta = new float[g.M * g.N];
        var prior = new float[(g.M * g.N) - 1];
        float[] c = (float[])g.C0.Clone();
        using var team = new WorkerTeam(1);
        var work = new ParallelGemm<float>();
        var epilogue = EpilogueArguments<float>.RegularizedGradient(theta, prior, g.N, 1f, 1f);
        ArgumentException? e = null;
        try
        {
            work.Compute(team, 2, g.OperandA, g.OperandB, 0f, default, c, g.Ldc, in epilogue); // a ref struct: no lambda
        }
        catch (ArgumentException thrown)
        {
            e = thrown;
        }

        Assert.Equal("prior", Assert.IsType<ArgumentException>(e).ParamName);
        Assert.True(c.AsSpan().SequenceEqual(g.C0), "C was written");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Prepare_throws_on_a_bad_shape_before_any_block_is_written(int threads)
    {
        // Prepare checks the whole product as Compute does, split (2 threads) or not (1): a short prior, an op(B) of
        // another inner dimension and a short C throw with the parameter's name, and C is left as it was.
        var g = GemmCase<float>.Create(new Random(6), 256, 1024, 64, false, false, 0f, useBias: false);
        float[] theta = GC.AllocateArray<float>(g.M * g.N, pinned: true), shortPrior = GC.AllocateArray<float>((g.M * g.N) - 1, pinned: true);
        float[] a = GC.AllocateArray<float>(g.A.Length, pinned: true), b = GC.AllocateArray<float>(g.B.Length, pinned: true);
        float[] c = GC.AllocateArray<float>(g.C0.Length, pinned: true);
        g.C0.CopyTo(c, 0);
        var opA = new GemmOperand<float>(a, g.M, g.K, g.Lda, g.TransA);
        var opB = new GemmOperand<float>(b, g.K, g.N, g.Ldb, g.TransB);
        var wrongB = new GemmOperand<float>(b, g.K - 1, g.N, g.Ldb, g.TransB);
        using var team = new WorkerTeam(1);
        var work = new ParallelGemm<float>();
        Assert.Equal("prior", PrepareError(work, team, threads, opA, opB, c, g.Ldc, EpilogueArguments<float>.RegularizedGradient(theta, shortPrior, g.N, 1f, 1f)));
        Assert.Equal("b", PrepareError(work, team, threads, opA, wrongB, c, g.Ldc, EpilogueArguments<float>.None));
        Assert.Equal("c", PrepareError(work, team, threads, opA, opB, c.AsSpan(0, ((g.M - 1) * g.Ldc) + g.N - 1), g.Ldc, EpilogueArguments<float>.None));
        Assert.True(c.AsSpan().SequenceEqual(g.C0), "C was written");
    }

    [Fact]
    public void A_packed_copy_of_another_depth_throws_before_any_block_is_written()
    {
        // op(B) packed in k blocks of another depth than the product runs (Gemm.Depth): the split product throws as the
        // unsplit one does, with the operand's name, before any block is written, however many threads run it.
        var g = GemmCase<float>.Create(new Random(9), 1024, 1024, 256, transA: true, transB: false, 0f, useBias: false);
        int depth = GemmKernel.Depth(g.OperandA, g.OperandB), kc = GemmBlocking.ForActiveWidth<float>().KC;
        var packedB = new float[GemmKernel.PackedLength<float>(g.N, g.K, asA: false)];
        GemmOperand<float> b = GemmKernel.Pack(g.OperandB, asA: false, packedB, depth == kc ? 2 * kc : kc);
        float[] c = (float[])g.C0.Clone();
        using var team = new WorkerTeam(1);
        var work = new ParallelGemm<float>();
        foreach (int threads in new[] { 1, 2 })
        {
            ArgumentException? e = null;
            try
            {
                work.Compute(team, threads, g.OperandA, b, 0f, default, c, g.Ldc, EpilogueArguments<float>.None); // a ref struct: no lambda
            }
            catch (ArgumentException thrown)
            {
                e = thrown;
            }

            Assert.Equal("b", Assert.IsType<ArgumentException>(e).ParamName);
            Assert.True(c.AsSpan().SequenceEqual(g.C0), "C was written");
        }
    }

    private static string? PrepareError(
        ParallelGemm<float> work, WorkerTeam team, int threads, GemmOperand<float> a, GemmOperand<float> b, Span<float> c, int ldc, EpilogueArguments<float> epilogue)
    {
        try
        {
            work.Prepare(team, threads, in a, in b, 0f, default, c, ldc, in epilogue);
        }
        catch (ArgumentException e)
        {
            return e.ParamName;
        }
        finally
        {
            work.Release();
        }

        return null;
    }

    // Double, both orientations of op(A), beta = 1, no bias, each of the epilogues (with a prior Delta): split equals unsplit.
    private static void DoubleEqualsTheUnsplitProduct(Random rng, int m, int n, int k, params ParallelEpilogue[] epilogues)
    {
        foreach (bool transA in new[] { false, true })
        {
            var d = GemmCase<double>.Create(rng, m, n, k, transA, rng.Next(2) == 0, 1.0, useBias: false);
            foreach (ParallelEpilogue epilogue in epilogues)
            {
                Assert.True(Compare(d, epilogue, out string why, withPrior: true), why);
            }
        }
    }

    // op(B) packed whole by the caller (Gemm.Pack) and read by every block: 1 and 2 threads equal the unsplit product
    // (on op(B) as stored), with no epilogue or the regularized gradient's.
    private static void CallerPackedBEqualsTheUnsplitProduct(GemmCase<float> g, bool regularized)
    {
        var rng = new Random(g.M + g.N);
        float[] theta = Enumerable.Range(0, g.M * g.Ldc).Select(_ => (float)rng.NextDouble()).ToArray();
        EpilogueArguments<float> epilogue = regularized
            ? EpilogueArguments<float>.RegularizedGradient(theta, default, g.Ldc, 0.25f, 0.5f)
            : EpilogueArguments<float>.None;
        float[] expected = (float[])g.C0.Clone();
        ParallelGemm<float>.Unsplit(g.OperandA, g.OperandB, g.Beta, g.BiasSpan, expected, g.Ldc, in epilogue);
        var packedB = new float[GemmKernel.PackedLength<float>(g.N, g.K, asA: false)];
        GemmOperand<float> b = GemmKernel.Pack(g.OperandB, asA: false, packedB, GemmKernel.Depth(g.OperandA, g.OperandB));
        using var team = new WorkerTeam(1);
        var work = new ParallelGemm<float>();
        foreach (int threads in new[] { 1, 2 })
        {
            float[] c = (float[])g.C0.Clone();
            work.Compute(team, threads, g.OperandA, b, g.Beta, g.BiasSpan, c, g.Ldc, in epilogue);
            Assert.True(c.AsSpan().SequenceEqual(expected), $"{g}, {threads} threads");
        }
    }

    // Both orientations of op(A), a bias row, every epilogue (with a prior Delta): split equals unsplit, bit for bit.
    private static void EveryEpilogueEqualsTheUnsplitProduct(Random rng, int m, int n, int k, float beta)
    {
        foreach (bool transA in new[] { false, true })
        {
            var g = GemmCase<float>.Create(rng, m, n, k, transA, rng.Next(2) == 0, beta, useBias: true);
            foreach (ParallelEpilogue epilogue in Enum.GetValues<ParallelEpilogue>())
            {
                Assert.True(Compare(g, epilogue, out string why, withPrior: true), why);
            }
        }
    }

    private static Property SplitEqualsUnsplit<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        GemmBlocking blocking = GemmBlocking.ForActiveWidth<T>();
        int[] edges = [1, blocking.MR - 1, blocking.MR + 1, blocking.NR - 1, blocking.NR + 1, 7, 13];
        int Size(int max) => rng.Next(2) == 0 ? rng.Next(1, max) : Math.Max(1, rng.Next(1, max / 50) * 50) + edges[rng.Next(edges.Length)];
        int m, n, k;
        do
        {
            (m, n, k) = (Size(600), Size(600), Size(400));
        }
        while ((long)m * n * k > 40_000_000);

        T beta = rng.Next(3) switch { 0 => T.Zero, 1 => T.One, _ => T.CreateChecked(0.5) };
        var g = GemmCase<T>.Create(rng, m, n, k, rng.Next(2) == 0, rng.Next(2) == 0, beta, beta == T.Zero && rng.Next(2) == 0);
        var epilogue = (ParallelEpilogue)rng.Next(4);
        return Compare(g, epilogue, out string why, withPrior: rng.Next(2) == 0).Label($"{g}, {epilogue}: {why}");
    }

    private static bool Compare<T>(GemmCase<T> g, ParallelEpilogue epilogue, out string why, bool withPrior = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The epilogue's operands (activations, or Theta and the prior Delta), laid out with their own leading dimension.
        int operandLd = g.N + 3;
        var operand = new T[g.M * operandLd];
        var prior = new T[withPrior ? g.M * operandLd : 0];
        var rng = new Random(g.M * 31 + g.N);
        for (int i = 0; i < operand.Length; i++)
        {
            operand[i] = T.CreateChecked(rng.NextDouble());
        }

        for (int i = 0; i < prior.Length; i++)
        {
            prior[i] = T.CreateChecked(rng.NextDouble() - 0.5);
        }

        T invM = T.One / T.CreateChecked(7), scale = T.CreateChecked(0.3);
        EpilogueArguments<T> arguments = epilogue switch
        {
            ParallelEpilogue.Sigmoid => EpilogueArguments<T>.Sigmoid,
            ParallelEpilogue.SigmoidGradient => EpilogueArguments<T>.SigmoidGradient(operand, operandLd),
            ParallelEpilogue.RegularizedGradient => EpilogueArguments<T>.RegularizedGradient(operand, prior, operandLd, invM, scale),
            _ => EpilogueArguments<T>.None,
        };

        T[] expected = UnsplitProduct(g, g.OperandA, epilogue, operand, prior, operandLd, invM, scale, out bool expectedFinite);

        var work = new ParallelGemm<T>();
        using var team = new WorkerTeam(3);
        foreach (int threads in new[] { 1, 2, 3, 4 })
        {
            T[] c = (T[])g.C0.Clone();
            bool finite = work.Compute(team, threads, g.OperandA, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, in arguments);
            if (finite != expectedFinite)
            {
                why = $"{threads} threads: finite = {finite}";
                return false;
            }

            for (int i = 0; i < c.Length; i++)
            {
                // NaN padding past column n stays NaN in both; compare bits of everything.
                if (!BitwiseEqual(c[i], expected[i]))
                {
                    why = $"{threads} threads: C[{i / g.Ldc}, {i % g.Ldc}] = {c[i]} against {expected[i]}";
                    return false;
                }
            }
        }

        return ThroughASequence(g, epilogue, operand, prior, operandLd, invM, scale, expected, expectedFinite, out why);
    }

    // C = f(beta C0 + bias' + op(A) g.op(B)), unsplit, with the given op(A) (g's shape and layout).
    private static T[] UnsplitProduct<T>(
        GemmCase<T> g, GemmOperand<T> a, ParallelEpilogue epilogue, T[] operand, T[] prior, int operandLd, T invM, T scale, out bool finite)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] c = (T[])g.C0.Clone();
        finite = true;
        switch (epilogue)
        {
            case ParallelEpilogue.Sigmoid:
                GemmKernel.Compute(a, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new SigmoidEpilogue<T>(ref finite));
                break;
            case ParallelEpilogue.SigmoidGradient:
                GemmKernel.Compute(a, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new SigmoidGradientEpilogue<T>(operand, operandLd));
                break;
            case ParallelEpilogue.RegularizedGradient:
                GemmKernel.Compute(a, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, new RegularizedGradientEpilogue<T>(operand, prior, operandLd, invM, scale));
                break;
            default:
                GemmKernel.Compute(a, g.OperandB, g.Beta, g.BiasSpan, c, g.Ldc, default(NoEpilogue<T>));
                break;
        }

        return c;
    }

    // Two products prepared (ParallelGemm.Prepare) into two Cs, the second with op(A)'s values reversed (so a scratch or
    // packing the two shared would show), and run as one list of items (WorkSequence): each equals its unsplit product
    // bit for bit, for 1..4 threads. The spans are pinned arrays, as Prepare requires.
    private static bool ThroughASequence<T>(
        GemmCase<T> g, ParallelEpilogue epilogue, T[] operand, T[] prior, int operandLd, T invM, T scale, T[] expected, bool expectedFinite, out string why)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = Pinned(g.A), b = Pinned(g.B), bias = Pinned(g.BiasSpan.ToArray()), op = Pinned(operand), pr = Pinned(prior);
        EpilogueArguments<T> arguments = epilogue switch
        {
            ParallelEpilogue.Sigmoid => EpilogueArguments<T>.Sigmoid,
            ParallelEpilogue.SigmoidGradient => EpilogueArguments<T>.SigmoidGradient(op, operandLd),
            ParallelEpilogue.RegularizedGradient => EpilogueArguments<T>.RegularizedGradient(op, pr, operandLd, invM, scale),
            _ => EpilogueArguments<T>.None,
        };
        T[] reversed = Pinned<T>(g.A.Reverse().ToArray());
        T[][] aData = [a, reversed]; // op(A) of each product: GemmOperand is a ref struct, so no array of them
        var opB = new GemmOperand<T>(b, g.K, g.N, g.Ldb, g.TransB);
        T[][] expectations = [expected, UnsplitProduct(g, new GemmOperand<T>(reversed, g.M, g.K, g.Lda, g.TransA), epilogue, operand, prior, operandLd, invM, scale, out bool secondFinite)];
        bool[] finites = [expectedFinite, secondFinite];
        ParallelGemm<T>[] works = [new(), new()];
        var sequence = new WorkSequence(2);
        using var team = new WorkerTeam(3);
        foreach (int threads in new[] { 1, 2, 3, 4 })
        {
            T[][] cs = [Pinned(g.C0), Pinned(g.C0)];
            sequence.Clear();
            for (int w = 0; w < works.Length; w++)
            {
                var opA = new GemmOperand<T>(aData[w], g.M, g.K, g.Lda, g.TransA);
                sequence.Add(works[w], works[w].Prepare(team, threads, in opA, in opB, g.Beta, bias, cs[w], g.Ldc, in arguments));
            }

            sequence.Run(team, threads);
            for (int w = 0; w < works.Length; w++)
            {
                works[w].Release();
                if (works[w].SawNonFinite == finites[w])
                {
                    why = $"sequence, {threads} threads, product {w}: finite = {!works[w].SawNonFinite}";
                    return false;
                }

                for (int i = 0; i < cs[w].Length; i++)
                {
                    if (!BitwiseEqual(cs[w][i], expectations[w][i]))
                    {
                        why = $"sequence, {threads} threads, product {w}: C[{i / g.Ldc}, {i % g.Ldc}] = {cs[w][i]} against {expectations[w][i]}";
                        return false;
                    }
                }
            }
        }

        why = "";
        return true;
    }

    private static T[] Pinned<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        T[] copy = GC.AllocateUninitializedArray<T>(values.Length, pinned: true);
        values.CopyTo(copy);
        return copy;
    }

    private static bool BitwiseEqual<T>(T x, T y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => (x, y) switch
        {
            (float a, float b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b),
            (double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b),
            _ => throw new NotSupportedException(),
        };
}
