using HpcBackprop.Engine;
using HpcBackprop.Reference;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// Finite inputs whose forward pass is finite but whose backward pass is not: every engine and route throws
/// ArithmeticException before writing the gradient, instead of returning a finite J with NaN or infinite entries.
/// </summary>
[Trait("Category", "Simd")]
public class BackwardOverflowTests
{
    public static TheoryData<BackpropagationEngine, int> Routes => new()
    {
        { BackpropagationEngine.PerExample, 1 },
        { BackpropagationEngine.PerExample, 20 },   // three blocks
        { BackpropagationEngine.Batched, 1 },
        { BackpropagationEngine.Batched, 300 },     // narrow layers: the row-block-parallel route, as at 600
        { BackpropagationEngine.Batched, 600 },
    };

    /// <summary>
    /// Layout, engine and m for each way the earlier blocks' Delta enters the bound: per-example with Delta measured
    /// (1-1: the Delta pass is the shorter) or bounded block by block (128-128), batched with row blocks in
    /// sequence (128-128: products big enough to split) or in parallel chunks (1-1, through Regularization.Finish).
    /// </summary>
    public static TheoryData<string, BackpropagationEngine, int> EarlierBlockRoutes => new()
    {
        { "1-1", BackpropagationEngine.PerExample, 20 },
        { "128-128", BackpropagationEngine.PerExample, 20 },
        { "128-128", BackpropagationEngine.Batched, 300 },
        { "1-1", BackpropagationEngine.Batched, 600 },
    };

    /// <summary>
    /// 1-1-10, float: the hidden unit is saturated to exactly 0 (z = -100) and the output weights are 1e38, so
    /// z(3) = 0 is finite, but Theta(2)' d(3) = 4e38 overflows and d(2) = inf * a(1 - a) = inf * 0 = NaN.
    /// </summary>
    [Theory]
    [MemberData(nameof(Routes))]
    public void Overflowing_error_terms_throw_and_leave_the_gradient_as_it_was(BackpropagationEngine engine, int m)
    {
        var layout = new NetworkLayout(1, 1, 10);
        var theta = new float[layout.ParameterCount];
        theta[0] = -100f;
        for (int i = 0; i < 10; i++)
        {
            theta[2 + (i * 2) + 1] = 1e38f;
        }

        AssertThrowsAndKeepsGradient(layout, theta, new float[m], new int[m], null, engine);
    }

    /// <summary>
    /// 1-1 (no hidden layer), dense target 0, x = 3e38 and weight 1e-37: z = 30, d = h - y ~ 1, every term of
    /// Delta(1) = sum over examples of d x ~ 3e38 is finite, but two of them overflow float.
    /// </summary>
    [Theory]
    [MemberData(nameof(Routes))]
    public void Delta_sums_that_overflow_throw_and_leave_the_gradient_as_it_was(BackpropagationEngine engine, int m)
    {
        if (m < 2)
        {
            m = 2;
        }

        var layout = new NetworkLayout(1, 1);
        float[] theta = [0f, 1e-37f];
        float[] x = Enumerable.Repeat(3e38f, m).ToArray();
        AssertThrowsAndKeepsGradient(layout, theta, x, null, new float[m], engine);
    }

    /// <summary>The bound is not eager: features of 1e35 (Delta near 2e35 x m / m) give the reference's gradient.</summary>
    [Theory]
    [MemberData(nameof(Routes))]
    public void Large_but_representable_sums_are_computed(BackpropagationEngine engine, int m)
    {
        var layout = new NetworkLayout(1, 1);
        float[] theta = [0f, 1e-34f];
        float[] x = Enumerable.Repeat(1e35f, m).ToArray();
        float[] y = new float[m];
        var expected = new float[layout.ParameterCount];
        ReferenceBackprop.CostAndGradient<float>(layout, theta, x, y, 0.5f, expected);
        var gradient = new float[layout.ParameterCount];
        float j = Backpropagation.CostAndGradient<float>(layout, theta, x, y, 0.5f, gradient, Options(engine));
        Assert.True(float.IsFinite(expected[1]) && expected[1] > 1e34f, $"the case is meant to be large: {expected[1]}");

        // J = softplus(z) with z = 1e-34 x = 10 (y = 0; the reference's literal log(1 - h) is inexact this close to
        // h = 1), plus lambda / 2 theta^2, which is far below float's resolution of J. The sums below add m equal
        // terms in another order than the reference: a few units of roundoff of each.
        double z = (double)theta[1] * x[0];
        double expectedJ = z + Math.Log(1 + Math.Exp(-z));
        float tolerance = 4e-7f * m;
        // J: each softplus term within a few ulps, then a float sum of m terms (sequential on the scalar path):
        // (m + 8) units of roundoff.
        Assert.Equal(expectedJ, j, expectedJ * (m + 8) * 6e-8);
        for (int i = 0; i < gradient.Length; i++)
        {
            Assert.True(Math.Abs(gradient[i] - expected[i]) <= tolerance * Math.Abs(expected[i]), $"entry {i}: {gradient[i]} against {expected[i]}");
        }
    }

    /// <summary>
    /// Dense targets 0 and, in the first two examples only, feature 0 = 3e38 with weights 1e-37 on it: z = 30, d ~ 1,
    /// and those two examples' Delta terms (3e38 each) overflow float between them. The last block is harmless
    /// (features 1 and 0), so only the earlier blocks' part of the bound can catch it.
    /// </summary>
    [Theory]
    [MemberData(nameof(EarlierBlockRoutes))]
    public void An_overflow_in_an_earlier_block_alone_throws_and_leaves_the_gradient_as_it_was(string layoutText, BackpropagationEngine engine, int m)
    {
        var layout = NetworkLayout.Parse(layoutText);
        int n = layout.InputSize, k = layout.OutputSize;
        var theta = new float[layout.ParameterCount];
        for (int i = 0; i < k; i++)
        {
            theta[(i * (n + 1)) + 1] = 1e-37f; // Theta(1)[i, feature 0]
        }

        var x = new float[m * n];
        for (int t = 0; t < m; t++)
        {
            x[t * n] = t < 2 ? 3e38f : 1f;
        }

        AssertThrowsAndKeepsGradient(layout, theta, x, null, new float[m * k], engine);
    }

    [Fact]
    public void The_cases_take_the_routes_they_are_meant_to()
    {
        int rowBlock = BatchedWorkspace<float>.DefaultRowBlock;
        Assert.True(BatchedEngine.Chunks(new NetworkLayout(1, 1, 10), 300, rowBlock, sizeof(float)) > 1);
        Assert.True(BatchedEngine.Chunks(new NetworkLayout(1, 1, 10), 600, rowBlock, sizeof(float)) > 1);
        Assert.True(BatchedEngine.Chunks(new NetworkLayout(1, 1), 600, rowBlock, sizeof(float)) > 1);
        Assert.Equal(1, BatchedEngine.Chunks(new NetworkLayout(128, 128), 300, rowBlock, sizeof(float)));
    }

    private static BackpropagationOptions Options(BackpropagationEngine engine) => new() { Engine = engine, MaxDegreeOfParallelism = 1 };

    private static void AssertThrowsAndKeepsGradient(NetworkLayout layout, float[] theta, float[] x, int[]? labels, float[]? targets, BackpropagationEngine engine)
    {
        var gradient = Enumerable.Repeat(7f, layout.ParameterCount).ToArray();
        ArithmeticException e = Assert.Throws<ArithmeticException>(() => labels is not null
            ? Backpropagation.CostAndGradient<float>(layout, theta, x, labels, 0f, gradient, Options(engine))
            : Backpropagation.CostAndGradient<float>(layout, theta, x, targets!, 0f, gradient, Options(engine)));
        Assert.Contains("backward pass would overflow", e.Message, StringComparison.Ordinal);
        Assert.All(gradient, g => Assert.Equal(7f, g));

        // The cost alone is finite and does not throw: only the gradient is out of range.
        float j = labels is not null
            ? Backpropagation.Cost<float>(layout, theta, x, labels, 0f, Options(engine))
            : Backpropagation.Cost<float>(layout, theta, x, targets!, 0f, Options(engine));
        Assert.True(float.IsFinite(j), $"J = {j}");
    }
}
