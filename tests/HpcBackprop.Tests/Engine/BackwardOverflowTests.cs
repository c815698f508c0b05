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
        { BackpropagationEngine.PerExample, 20 },   // several blocks: the earlier ones' Delta is measured
        { BackpropagationEngine.Batched, 1 },
        { BackpropagationEngine.Batched, 300 },     // two row blocks
        { BackpropagationEngine.Batched, 600 },     // the row-block-parallel route (asserted below)
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

    [Fact]
    public void The_600_example_cases_take_the_row_block_parallel_route()
    {
        Assert.True(BatchedEngine.Chunks(new NetworkLayout(1, 1, 10), 600, BatchedWorkspace<float>.DefaultRowBlock, sizeof(float)) > 1);
        Assert.True(BatchedEngine.Chunks(new NetworkLayout(1, 1), 600, BatchedWorkspace<float>.DefaultRowBlock, sizeof(float)) > 1);
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
