using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Engine;
using HpcBackprop.Kernels.Gemm;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// The multi-threaded batched engine gives bitwise the same J and gradient for 1, 2, 3 and 4 threads
/// and across repeated calls, and a warm multi-threaded call allocates nothing on the calling thread.
/// </summary>
[Trait("Category", "Simd")]
public class ParallelDeterminismTests
{
    private static readonly int[] ThreadCounts = [1, 2, 3, 4];

    [Fact]
    public void A_big_float_network_is_bitwise_identical_for_every_thread_count()
        => BigNetworkIsDeterministic<float>();

    [Fact]
    public void A_big_double_network_is_bitwise_identical_for_every_thread_count()
        => BigNetworkIsDeterministic<double>();

    // An input 4 KC + 3 wide: the first forward product runs k blocks 2 KC deep (GemmBlocking.ForDepth), over a Theta(1)'
    // packed once at that depth for both row blocks, and is split among the threads.
    [Fact]
    public void A_network_with_deeper_k_blocks_is_bitwise_identical_for_every_thread_count()
    {
        int input = (4 * GemmBlocking.ForActiveWidth<float>().KC) + 3;
        Problem p = Big(13, input, 40, 10, 300);
        Assert.True(Identical<float>(p, BatchedWorkspace<float>.DefaultRowBlock, out string why), why);
        Assert.True(Identical<double>(p, BatchedWorkspace<double>.DefaultRowBlock, out why), why);
    }

    // Narrow layers and many row blocks: every product is too small to split, so the row blocks are shared
    // out instead, in a fixed number of chunks (one row block each up to MaxChunks, several after that).
    [Theory]
    [InlineData(600)]                 // 3 row blocks, one chunk each
    [InlineData(256 * 40 + 17)]       // 41 row blocks in 32 chunks of 1 or 2
    public void Shared_out_row_blocks_are_bitwise_identical_for_every_thread_count(int m)
    {
        Problem p = Big(11, 40, 25, 10, m);
        Assert.True(BatchedEngine.Chunks(p.Layout, m, BatchedWorkspace<float>.DefaultRowBlock, sizeof(float)) > 1);
        Assert.True(Identical<float>(p, BatchedWorkspace<float>.DefaultRowBlock, out string why), why);
        Assert.True(Identical<double>(p, BatchedWorkspace<double>.DefaultRowBlock, out why), why);
    }

    [Property(MaxTest = 10, QuietOnSuccess = true)]
    public Property Random_wide_layouts_are_bitwise_identical_for_every_thread_count(PositiveInt seed)
    {
        Problem p = Problem.Create(seed.Get, maxLayers: 4, maxSize: 300, maxM: 300, weightScale: 0.1);
        int rowBlock = 1 + (seed.Get % 300);
        bool ok = seed.Get % 2 == 0 ? Identical<float>(p, rowBlock, out string why) : Identical<double>(p, rowBlock, out why);
        return ok.Label($"{p}, row block {rowBlock}: {why}");
    }

    [Fact]
    public void An_overflowing_hidden_layer_is_reported_the_same_for_every_thread_count()
    {
        // One z overflows to infinity in a split product (above the threshold) while J stays finite (the
        // sigmoid saturates it): only the fused epilogue's flag can report it, from whichever thread.
        Problem p = Big(7, 300, 200, 10, 300);
        float[] theta = Numerics.Convert<float>(p.Parameters);
        theta[p.Layout.ThetaOffset(0) + (150 * p.Layout.ThetaColumns(0)) + 6] = 1e15f;
        float[] x = Numerics.Convert<float>(p.Features);
        for (int t = 0; t < p.M; t++)
        {
            x[(t * 300) + 5] = 1e25f;
        }

        foreach (int threads in ThreadCounts)
        {
            var gradient = new float[theta.Length];
            Array.Fill(gradient, 123.25f); // a sentinel: a gradient cleared or partly written before the throw would show
            Assert.Throws<ArithmeticException>(() => BatchedEngine.CostAndGradient(
                new BatchedWorkspace<float>(p.Layout), theta, x, new Supervision<float>(p.Labels, p.Layout.OutputSize), 0.1f, gradient, threads));
            Assert.All(gradient, g => Assert.Equal(123.25f, g));
        }
    }

    [Theory]
    [InlineData(300, 200, 300)]   // split products
    [InlineData(300, 200, 256)]   // one row block: its split first product also runs the input reductions
    [InlineData(40, 25, 900)]     // shared-out row blocks
    public void A_warm_multi_threaded_call_allocates_nothing(int inputs, int hidden, int m)
    {
        Problem p = Big(5, inputs, hidden, 10, m);
        float[] theta = Numerics.Convert<float>(p.Parameters);
        float[] x = Numerics.Convert<float>(p.Features);
        var gradient = new float[theta.Length];
        var ws = new BatchedWorkspace<float>(p.Layout);
        foreach (int threads in new[] { 2, 4 })
        {
            // The shared team may be held by another test's call (this call then runs its blocks alone and
            // never waits), so a first-ever monitor wait could still come: a cost paid once per thread, which
            // the probe's windows separate from a cost paid per call (that one shows in every window).
            AllocationProbe.AssertWarmCallsAllocateNothing(
                () => BatchedEngine.CostAndGradient(ws, theta, x, new Supervision<float>(p.Labels, p.Layout.OutputSize), 0.1f, gradient, threads),
                warmCalls: 10,
                callsPerWindow: 1);
        }
    }

    private static void BigNetworkIsDeterministic<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Problem p = Big(3, 300, 200, 10, 300);
        long splitBefore = ParallelGemm<T>.SplitCalls;
        Assert.True(Identical<T>(p, BatchedWorkspace<T>.DefaultRowBlock, out string why), why);
        Assert.True(Identical<T>(p, 128, out why), why);

        // One row block of all 300 examples: its first product, split, also runs the squared weights and the largest
        // feature as one more item (InputReductions), on whichever thread takes it.
        Assert.True(Identical<T>(p, 300, out why), why);

        // The products really were split into blocks (300 x 200 x 300 is above the threshold).
        Assert.True(ParallelGemm<T>.SplitCalls > splitBefore);
        ParallelGemm<T>.Blocks(300, 200, 300, ParallelEpilogue.None, out _, out _, out int rowPanels, out int columnPanels);
        Assert.True(rowPanels * columnPanels > 1);
    }

    /// <summary>J and the gradient, twice for each thread count, all bitwise equal to the first.</summary>
    private static bool Identical<T>(Problem p, int rowBlock, out string why)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] theta = Numerics.Convert<T>(p.Parameters);
        T[] x = Numerics.Convert<T>(p.Features);
        T lambda = T.CreateChecked(p.Lambda);
        var y = new Supervision<T>(p.Labels, p.Layout.OutputSize);
        var ws = new BatchedWorkspace<T>(p.Layout, rowBlock);
        T[]? firstGradient = null;
        T firstJ = T.Zero;
        foreach (int threads in ThreadCounts)
        {
            for (int repeat = 0; repeat < 2; repeat++)
            {
                var gradient = new T[theta.Length];
                T j = BatchedEngine.CostAndGradient(ws, theta, x, y, lambda, gradient, threads);
                if (firstGradient is null)
                {
                    (firstGradient, firstJ) = (gradient, j);
                    continue;
                }

                if (!Bits(j).Equals(Bits(firstJ)))
                {
                    why = $"{threads} threads, call {repeat + 1}: J = {j} against {firstJ}";
                    return false;
                }

                for (int i = 0; i < gradient.Length; i++)
                {
                    if (!Bits(gradient[i]).Equals(Bits(firstGradient[i])))
                    {
                        why = $"{threads} threads, call {repeat + 1}: D[{i}] = {gradient[i]} against {firstGradient[i]}";
                        return false;
                    }
                }
            }
        }

        why = "";
        return true;
    }

    private static long Bits<T>(T value)
        where T : unmanaged, IFloatingPointIeee754<T>
        => value switch
        {
            float f => BitConverter.SingleToInt32Bits(f),
            double d => BitConverter.DoubleToInt64Bits(d),
            _ => throw new NotSupportedException(),
        };

    /// <summary>A problem with the given layout and m, from a seed.</summary>
    private static Problem Big(int seed, int input, int hidden, int output, int m)
    {
        var rng = new Random(seed);
        var layout = new NetworkLayout(input, hidden, output);
        double[] Fill(int n, double scale)
        {
            var v = new double[n];
            for (int i = 0; i < n; i++)
            {
                v[i] = ((2 * rng.NextDouble()) - 1) * scale;
            }

            return v;
        }

        double[] parameters = Fill(layout.ParameterCount, 0.1);
        double[] features = Fill(m * input, 1);
        var labels = new int[m];
        for (int t = 0; t < m; t++)
        {
            labels[t] = rng.Next(output);
        }

        return new Problem(seed, layout, parameters, features, labels, Fill(m * output, 1), 0.5);
    }
}
