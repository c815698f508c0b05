using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// The batched engine equals the literal reference, and the per-example engine, within rounding, for
/// random layouts, m, lambda and row blocks (including blocks that do not divide m).
/// </summary>
[Trait("Category", "Simd")]
public class BatchedEngineTests
{
    [Property(MaxTest = 100, QuietOnSuccess = true)]
    public Property Double_with_labels(PositiveInt seed) => Compare<double>(Problem.Create(seed.Get), seed.Get, useTargets: false);

    [Property(MaxTest = 100, QuietOnSuccess = true)]
    public Property Float_with_labels(PositiveInt seed) => Compare<float>(Problem.Create(seed.Get), seed.Get, useTargets: false);

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Float_with_targets(PositiveInt seed) => Compare<float>(Problem.Create(seed.Get), seed.Get, useTargets: true);

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Double_with_targets(PositiveInt seed) => Compare<double>(Problem.Create(seed.Get), seed.Get, useTargets: true);

    /// <summary>Wide enough that the GEMM packs its operands and crosses its KC and MC blocks.</summary>
    [Property(MaxTest = 12, QuietOnSuccess = true)]
    public Property Wide_layers_and_many_examples(PositiveInt seed)
        => Compare<float>(Problem.Create(seed.Get, maxLayers: 4, maxSize: 300, maxM: 300, weightScale: 0.1), seed.Get, useTargets: false);

    /// <summary>
    /// Several row blocks whose products are too big to share the row blocks out (<see cref="BatchedEngine.Chunks"/>
    /// is 1): the earlier blocks accumulate Delta and the last block's products write the gradient on top of it.
    /// </summary>
    [Theory]
    [InlineData(100, 350, 4)]
    [InlineData(100, 300, 4)]
    [InlineData(256, 257, 4)]
    [InlineData(100, 350, 0)]   // lambda = 0: no squared weights, no regularization term
    [InlineData(256, 200, 0)]   // one block: no prior Delta
    public void Row_blocks_too_big_to_share_out_write_the_gradient_on_top_of_Delta(int rowBlock, int m, double maxLambda)
    {
        var layout = new NetworkLayout(200, 220, 7, 3);
        Assert.Equal(1, BatchedEngine.Chunks(layout, m, rowBlock, sizeof(float)));
        Problem p = Problem.ForLayout(rowBlock + m, layout, m, maxLambda, weightScale: 0.1);
        Property float32 = Compare<float>(p, useTargets: false, rowBlock), float64 = Compare<double>(p, useTargets: true, rowBlock);
        float32.QuickCheckThrowOnFailure();
        float64.QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Cost_alone_equals_the_cost_of_the_full_call()
    {
        Problem p = Problem.Create(17, maxSize: 40, maxM: 60);
        float[] theta = Numerics.Convert<float>(p.Parameters);
        float[] x = Numerics.Convert<float>(p.Features);
        var ws = new BatchedWorkspace<float>(p.Layout, rowBlock: 7);
        float withGradient = BatchedEngine.CostAndGradient(ws, theta, x, new Supervision<float>(p.Labels, p.Layout.OutputSize), 0.5f, new float[theta.Length]);
        float alone = BatchedEngine.CostAndGradient(ws, theta, x, new Supervision<float>(p.Labels, p.Layout.OutputSize), 0.5f, Span<float>.Empty);
        Assert.Equal(withGradient, alone);
    }

    [Fact]
    public void A_non_finite_weight_throws_and_leaves_the_gradient()
    {
        Problem p = Problem.Create(23, maxSize: 10, maxM: 9);
        double[] theta = (double[])p.Parameters.Clone();
        theta[theta.Length / 2] = double.PositiveInfinity;
        var gradient = new double[theta.Length];
        Array.Fill(gradient, 123.25); // a sentinel: a gradient cleared before the throw would show
        var ws = new BatchedWorkspace<double>(p.Layout);
        var e = Assert.Throws<ArgumentException>(
            () => BatchedEngine.CostAndGradient<double>(ws, theta, p.Features, new Supervision<double>(p.Labels, p.Layout.OutputSize), 1.0, gradient));
        Assert.Equal("parameters", e.ParamName);
        Assert.All(gradient, g => Assert.Equal(123.25, g));
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void A_non_finite_feature_throws_although_the_fused_sigmoid_saturates_it(double bad)
    {
        // Two hidden layers, so the feature only reaches z(L) through saturated activations.
        Problem p = Problem.Create(29, maxSize: 12, maxM: 20);
        var layout = new NetworkLayout(p.Layout.InputSize, 8, 6, 3);
        var theta = new double[layout.ParameterCount];
        for (int i = 0; i < theta.Length; i++)
        {
            theta[i] = 0.3 * Math.Sin(i);
        }

        double[] x = (double[])p.Features.Clone();
        x[x.Length - 1] = bad;
        int[] labels = Array.ConvertAll(p.Labels, l => l % 3);
        var gradient = new double[theta.Length];
        Array.Fill(gradient, 123.25);
        var e = Assert.Throws<ArgumentException>(
            () => BatchedEngine.CostAndGradient<double>(new BatchedWorkspace<double>(layout, 5), theta, x, new Supervision<double>(labels, 3), 0.0, gradient));
        Assert.Equal("features", e.ParamName);
        Assert.All(gradient, g => Assert.Equal(123.25, g));
    }

    /// <summary>
    /// An input 4 KC + 3 wide at the active width: the first layer's forward product runs k blocks 2 KC deep
    /// (GemmBlocking.ForDepth), over a Theta(1)' packed once for both row blocks at that depth (m &gt; the row block).
    /// </summary>
    [Fact]
    public void A_layer_deep_enough_for_deeper_k_blocks_equals_the_reference()
    {
        int input = (4 * HpcBackprop.Kernels.Gemm.GemmBlocking.ForActiveWidth<float>().KC) + 3;
        var layout = new NetworkLayout(input, 20, 3);
        Problem p = Problem.ForLayout(input, layout, 300, 2, weightScale: 0.1);
        Compare<float>(p, useTargets: false, BatchedWorkspace<float>.DefaultRowBlock).QuickCheckThrowOnFailure();
        Compare<double>(p, useTargets: true, BatchedWorkspace<double>.DefaultRowBlock).QuickCheckThrowOnFailure();
    }

    /// <summary>
    /// The batched engine runs in T; the reference runs in double on the same inputs rounded to T, so
    /// the difference is bounded by the two evaluations' <see cref="RunningErrorBound"/>s. The per-example
    /// engine carries the same bound as the batched one, so the two engines may differ by twice it.
    /// </summary>
    private static Property Compare<T>(Problem p, int seed, bool useTargets)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Compare<T>(p, useTargets, 1 + (seed % (p.M + 1)));

    private static Property Compare<T>(Problem p, bool useTargets, int rowBlock)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] theta = Numerics.Convert<T>(p.Parameters);
        T[] x = Numerics.Convert<T>(p.Features);
        T[] y = Numerics.Convert<T>(p.Targets);
        T lambda = T.CreateChecked(p.Lambda);
        int k = p.Layout.OutputSize;
        Supervision<T> supervision = useTargets ? new Supervision<T>(y, k) : new Supervision<T>(p.Labels, k);

        var gradient = new T[theta.Length];
        T j = BatchedEngine.CostAndGradient(new BatchedWorkspace<T>(p.Layout, rowBlock), theta, x, supervision, lambda, gradient);
        var perExample = new T[theta.Length];
        T jPerExample = PerExampleEngine.CostAndGradient(new Workspace<T>(p.Layout, blockSize: 4), theta, x, supervision, lambda, perExample);

        // Against the reference: both evaluations' running error bounds; against the per-example engine: twice T's.
        var reference = ReferenceWithTolerance.Of(p.Layout, theta, x, p.Labels, useTargets ? y : null, lambda);
        RunningErrorBound library = reference.Library;
        string worst = "";
        double worstExcess = 0;
        Check(double.CreateChecked(j), reference.J, reference.JTolerance, "J vs reference");
        Check(double.CreateChecked(j), double.CreateChecked(jPerExample), 2 * library.J, "J vs per-example");
        for (int i = 0; i < reference.Gradient.Length; i++)
        {
            Check(double.CreateChecked(gradient[i]), reference.Gradient[i], reference.GradientTolerance[i], $"D[{i}] vs reference");
            Check(double.CreateChecked(gradient[i]), double.CreateChecked(perExample[i]), 2 * library.Gradient[i], $"D[{i}] vs per-example");
        }

        return (worstExcess <= 1).Label($"{typeof(T).Name}, {p}, row block {rowBlock}: {worst}");

        void Check(double actual, double want, double tol, string what)
        {
            double excess = Math.Abs(actual - want) / tol;
            if (!(excess <= worstExcess))
            {
                worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                worst = $"{what}: {actual:R} vs {want:R} (tolerance {tol:E2})";
            }
        }
    }
}
