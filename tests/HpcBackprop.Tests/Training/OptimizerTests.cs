using HpcBackprop.Training;

namespace HpcBackprop.Tests.Training;

[Collection(AllocationCollection.Name)]
public class OptimizerTests
{
    public static TheoryData<string> AllOptimizers => ["cg", "lbfgs", "sgd", "adam"];

    private static Optimizer<T> Create<T>(string name, int iterations, Action<OptimizationProgress>? progress = null, double tolerance = 0)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => name switch
        {
            "cg" => new ConjugateGradient<T> { MaxIterations = iterations, Progress = progress, GradientTolerance = tolerance },
            "lbfgs" => new Lbfgs<T> { MaxIterations = iterations, Progress = progress, GradientTolerance = tolerance },
            "sgd" => new MomentumGradientDescent<T> { MaxIterations = iterations, Progress = progress, LearningRate = 0.5, BatchSize = 8 },
            _ => new Adam<T> { MaxIterations = iterations, Progress = progress, LearningRate = 0.02, BatchSize = 8 },
        };

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Every_optimizer_lowers_the_cost_of_a_small_network(string name)
    {
        var layout = new NetworkLayout(4, 5, 3);
        (double[] x, int[] y) = TrainingData.Linear(60, 4, 3, seed: 1);
        var objective = new NetworkObjective<double>(layout, x, y, 0.1);
        double[] theta = WeightInitializer.Create<double>(layout, 3);
        var gradient = new double[layout.ParameterCount];
        double before = objective.Evaluate(theta, gradient);

        OptimizationResult result = Create<double>(name, 20).Minimize(objective, theta);

        double after = objective.Evaluate(theta, gradient);
        Assert.True(after < 0.8 * before, $"{name}: cost {before} -> {after}");
        Assert.Equal(20, result.Iterations);
        Assert.Equal(StopReason.MaxIterations, result.StopReason);
    }

    [Theory]
    [InlineData("cg")]
    [InlineData("lbfgs")]
    public void A_line_search_step_into_overflow_is_shortened_not_fatal(string name)
    {
        // From 0 the minimum is at 10 and the slope nearly constant, so the search extrapolates in growing
        // steps; a wall at 12 makes the step past it overflow.
        var objective = new WalledBowl(2, 12);
        var x = new double[2];
        Create<double>(name, 50, tolerance: 1e-9).Minimize(objective, x);
        Assert.True(objective.Overflows > 0, "the search never reached the wall, so this test shows nothing");
        Assert.All(x, v => Assert.Equal(WalledBowl.Target, v, 1e-5));
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Every_optimizer_works_in_float(string name)
    {
        var layout = new NetworkLayout(4, 5, 3);
        (double[] x, int[] y) = TrainingData.Linear(60, 4, 3, seed: 2);
        var objective = new NetworkObjective<float>(layout, x.Select(v => (float)v).ToArray(), y, 0.1f);
        float[] theta = WeightInitializer.Create<float>(layout, 3);
        var gradient = new float[layout.ParameterCount];
        float before = objective.Evaluate(theta, gradient);

        Create<float>(name, 20).Minimize(objective, theta);

        Assert.True(objective.Evaluate(theta, gradient) < 0.8f * before);
    }

    [Theory]
    [InlineData("cg")]
    [InlineData("lbfgs")]
    public void Full_batch_optimizers_reach_the_minimum_of_regularized_logistic_regression(string name)
    {
        // L = 2 with lambda > 0 is strictly convex in the weights: one minimum, where the gradient vanishes.
        var layout = new NetworkLayout(6, 3);
        (double[] x, int[] y) = TrainingData.Linear(80, 6, 3, seed: 4);
        var objective = new NetworkObjective<double>(layout, x, y, 0.5);
        double[] theta = WeightInitializer.Create<double>(layout, 9);

        OptimizationResult result = Create<double>(name, 1000, tolerance: 1e-9).Minimize(objective, theta);

        var gradient = new double[layout.ParameterCount];
        objective.Evaluate(theta, gradient);
        double norm = Math.Sqrt(gradient.Sum(g => g * g));
        Assert.True(norm < 1e-6, $"{name}: gradient norm {norm} after {result.Iterations} iterations ({result.StopReason})");
    }

    [Fact]
    public void Cg_and_lbfgs_find_the_same_minimum()
    {
        var layout = new NetworkLayout(6, 3);
        (double[] x, int[] y) = TrainingData.Linear(80, 6, 3, seed: 4);
        var objective = new NetworkObjective<double>(layout, x, y, 0.5);
        double[] a = WeightInitializer.Create<double>(layout, 9), b = WeightInitializer.Create<double>(layout, 10);

        new ConjugateGradient<double> { MaxIterations = 1000, GradientTolerance = 1e-10 }.Minimize(objective, a);
        new Lbfgs<double> { MaxIterations = 1000, GradientTolerance = 1e-10 }.Minimize(objective, b);

        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i], 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Iterations_allocate_nothing_once_warm(string name)
    {
        var objective = new QuarticObjective(200);
        var x = new double[200];
        var allocated = new long[64];
        int last = 0;
        Optimizer<double> optimizer = Create<double>(name, 30, p =>
        {
            allocated[p.Iteration] = GC.GetAllocatedBytesForCurrentThread();
            last = p.Iteration;
        });

        optimizer.Minimize(objective, x); // the first call allocates the optimizer's buffers

        // A warm run whose iterations allocate nothing; up to three runs, as AllocationProbe does, so that a
        // one-off the runtime bills to this thread (a tiering promotion) does not fail it, while an
        // allocation per iteration shows in every run.
        long grown = -1;
        for (int run = 0; run < 3 && grown != 0; run++)
        {
            Array.Clear(x);
            optimizer.Minimize(objective, x);
            grown = allocated[last] - allocated[1];
        }

        Assert.True(last >= 5, $"{name} stopped after {last} iterations; the test needs several");
        Assert.Equal(0, grown);
    }

    [Fact]
    public void Progress_reports_every_iteration_in_order_with_growing_time()
    {
        var reports = new List<OptimizationProgress>();
        new Lbfgs<double> { MaxIterations = 8, Progress = reports.Add }.Minimize(new QuarticObjective(50), new double[50]);

        Assert.Equal(Enumerable.Range(1, reports.Count), reports.Select(r => r.Iteration));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.Elapsed >= p.First.Elapsed && p.Second.Cost <= p.First.Cost));
        Assert.True(reports[^1].Evaluations >= reports.Count);
    }

    [Fact]
    public void Cost_tolerance_stops_early()
    {
        OptimizationResult result = new ConjugateGradient<double> { MaxIterations = 10_000, CostTolerance = 1e-6 }
            .Minimize(new QuarticObjective(50), new double[50]);

        Assert.Equal(StopReason.CostTolerance, result.StopReason);
        Assert.True(result.Iterations < 10_000);
    }

    [Fact]
    public void Cancellation_stops_after_the_current_iteration()
    {
        using var cts = new CancellationTokenSource();
        var optimizer = new Adam<double> { MaxIterations = 1000, Progress = p => { if (p.Iteration == 3) { cts.Cancel(); } } };

        OptimizationResult result = optimizer.Minimize(new QuarticObjective(20), new double[20], cts.Token);

        Assert.Equal(StopReason.Cancelled, result.StopReason);
        Assert.Equal(3, result.Iterations);
    }

    [Fact]
    public void Mini_batch_runs_are_reproducible_from_the_seed()
    {
        double[] Run(ulong seed)
        {
            var x = new double[30];
            new MomentumGradientDescent<double> { MaxIterations = 5, BatchSize = 4, LearningRate = 0.01, Seed = seed }.Minimize(new QuarticObjective(30), x);
            return x;
        }

        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void Mini_batch_optimizers_reject_an_objective_without_batches()
    {
        var objective = new FullBatchOnly();
        ArgumentException e = Assert.Throws<ArgumentException>(() => new Adam<double>().Minimize(objective, new double[3]));
        Assert.Equal("objective", e.ParamName);
    }

    [Fact]
    public void Wrong_parameter_length_and_bad_settings_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Lbfgs<double>().Minimize(new QuarticObjective(5), new double[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lbfgs<double> { MaxIterations = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double> { LearningRate = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new MomentumGradientDescent<double> { Momentum = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConjugateGradient<double> { GradientTolerance = double.NaN });
    }

    private sealed class FullBatchOnly : IObjective<double>
    {
        public int Dimension => 3;

        public double Evaluate(ReadOnlySpan<double> parameters, Span<double> gradient) => 0;
    }
}
