using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace HpcBackprop.Tests.Foundation;

/// <summary>The public entry point equals the literal reference for random problems, float and double.</summary>
[Trait("Category", "Simd")]
public class LibraryMatchesReferenceTests
{
    [Property(MaxTest = 150, QuietOnSuccess = true)]
    public Property Double_with_labels(PositiveInt seed) => Compare<double>(Problem.Create(seed.Get), useTargets: false);

    [Property(MaxTest = 150, QuietOnSuccess = true)]
    public Property Float_with_labels(PositiveInt seed) => Compare<float>(Problem.Create(seed.Get), useTargets: false);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Double_with_targets(PositiveInt seed) => Compare<double>(Problem.Create(seed.Get), useTargets: true);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Float_with_targets(PositiveInt seed) => Compare<float>(Problem.Create(seed.Get), useTargets: true);

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Wide_layers_and_many_examples(PositiveInt seed)
        => Compare<float>(Problem.Create(seed.Get, maxLayers: 4, maxSize: 90, maxM: 40, weightScale: 0.2), useTargets: false);

    private static readonly BackpropagationOptions PerExample = new() { Engine = BackpropagationEngine.PerExample };
    private static readonly BackpropagationOptions Batched = new() { Engine = BackpropagationEngine.Batched };
    private static readonly BackpropagationOptions Batched2 = new() { Engine = BackpropagationEngine.Batched, MaxDegreeOfParallelism = 2 };

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Per_example_engine_double(PositiveInt seed) => Compare<double>(Problem.Create(seed.Get, maxM: 70), useTargets: seed.Get % 2 == 0, PerExample);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Per_example_engine_float(PositiveInt seed) => Compare<float>(Problem.Create(seed.Get, maxM: 70), useTargets: seed.Get % 2 == 0, PerExample);

    // m <= 8 (Workspace.DefaultBlockSize) is one block of the per-example engine, which writes D straight from the block (no Delta) and
    // takes J's sum of squares from the forward GEMVs: its own route, so its own properties.
    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property One_block_per_example_double(PositiveInt seed) => Compare<double>(Problem.Create(seed.Get, maxSize: 40, maxM: HpcBackprop.Engine.Workspace<double>.DefaultBlockSize), useTargets: seed.Get % 2 == 0, PerExample);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property One_block_per_example_float(PositiveInt seed) => Compare<float>(Problem.Create(seed.Get, maxSize: 40, maxM: HpcBackprop.Engine.Workspace<float>.DefaultBlockSize), useTargets: seed.Get % 2 == 0, PerExample);

    // Several row blocks of narrow layers: the batched engine shares out the row blocks (its
    // row-block-parallel mode), each chunk with its own Delta, added up at the end.
    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property Batched_engine_many_row_blocks_double(PositiveInt seed)
        => Compare<double>(Problem.Create(seed.Get, maxLayers: 4, maxSize: 12, minM: 257, maxM: 1100), useTargets: seed.Get % 2 == 0, Batched2);

    [Property(MaxTest = 25, QuietOnSuccess = true)]
    public Property Batched_engine_many_row_blocks_float(PositiveInt seed)
        => Compare<float>(Problem.Create(seed.Get, maxLayers: 4, maxSize: 12, minM: 257, maxM: 1100), useTargets: seed.Get % 2 == 0, Batched2);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Batched_engine_double(PositiveInt seed) => Compare<double>(Problem.Create(seed.Get, maxM: 70), useTargets: seed.Get % 2 == 0, Batched);

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Batched_engine_float(PositiveInt seed) => Compare<float>(Problem.Create(seed.Get, maxM: 70), useTargets: seed.Get % 2 == 0, Batched);

    [Property(MaxTest = 20, QuietOnSuccess = true)]
    public Property Batched_engine_wide_layers(PositiveInt seed)
        => Compare<float>(Problem.Create(seed.Get, maxLayers: 4, maxSize: 300, maxM: 300, weightScale: 0.1), useTargets: false, Batched);

    [Fact]
    public void Options_are_checked()
    {
        var layout = new NetworkLayout(2, 2);
        double[] gradient = [123.25, 123.25, 123.25, 123.25, 123.25, 123.25]; // a sentinel, to be left as it is
        var e = Assert.Throws<ArgumentNullException>(() =>
            Backpropagation.CostAndGradient<double>(layout, new double[6], new double[2], [0], 0, gradient, null!));
        Assert.Equal("options", e.ParamName);
        var bad = new BackpropagationOptions { Engine = (BackpropagationEngine)7 };
        var r = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Backpropagation.CostAndGradient<double>(layout, new double[6], new double[2], [0], 0, gradient, bad));
        Assert.Equal("options", r.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackpropagationOptions { MaxDegreeOfParallelism = 0 });
        Assert.All(gradient, g => Assert.Equal(123.25, g));
    }

    /// <summary>
    /// The library runs in T; the reference runs in double on the same inputs rounded to T, so the
    /// difference is bounded by the two evaluations' <see cref="RunningErrorBound"/>s, entry by entry (and,
    /// for J, the reference's literal log(1 - h)).
    /// </summary>
    internal static Property Compare<T>(Problem p, bool useTargets, BackpropagationOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] theta = Numerics.Convert<T>(p.Parameters);
        T[] x = Numerics.Convert<T>(p.Features);
        T[] y = Numerics.Convert<T>(p.Targets);
        T lambda = T.CreateChecked(p.Lambda);
        var gradient = new T[theta.Length];
        T j = (useTargets, options) switch
        {
            (true, null) => Backpropagation.CostAndGradient<T>(p.Layout, theta, x, y, lambda, gradient),
            (false, null) => Backpropagation.CostAndGradient<T>(p.Layout, theta, x, p.Labels, lambda, gradient),
            (true, _) => Backpropagation.CostAndGradient<T>(p.Layout, theta, x, y, lambda, gradient, options),
            (false, _) => Backpropagation.CostAndGradient<T>(p.Layout, theta, x, p.Labels, lambda, gradient, options),
        };

        var reference = ReferenceWithTolerance.Of(p.Layout, theta, x, p.Labels, useTargets ? y : null, lambda);
        string worst = "";
        double worstExcess = 0;
        Check(double.CreateChecked(j), reference.J, reference.JTolerance, "J");
        for (int i = 0; i < reference.Gradient.Length; i++)
        {
            Check(double.CreateChecked(gradient[i]), reference.Gradient[i], reference.GradientTolerance[i], $"D[{i}]");
        }

        return (worstExcess <= 1).Label($"{typeof(T).Name}, {options?.Engine.ToString() ?? "default"}, {p}: {worst}");

        void Check(double actual, double want, double tol, string what)
        {
            double excess = Math.Abs(actual - want) / tol;
            if (!(excess <= worstExcess))
            {
                worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                worst = $"{what}: {actual:R} vs reference {want:R} (tolerance {tol:E2})";
            }
        }
    }
}
