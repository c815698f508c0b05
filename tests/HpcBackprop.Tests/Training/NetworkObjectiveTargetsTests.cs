using HpcBackprop.Training;

namespace HpcBackprop.Tests.Training;

/// <summary>NetworkObjective given dense targets: the library's targets overload, full and by batch.</summary>
[Collection(AllocationCollection.Name)]
public class NetworkObjectiveTargetsTests
{
    /// <summary>A binary task for one output unit: target 1 when x0 + x1 &gt; 0, else 0; features in [-1, 1].</summary>
    private static (double[] X, double[] Y) Binary(int m, int seed)
    {
        var random = new Random(seed);
        var x = new double[2 * m];
        var y = new double[m];
        for (int t = 0; t < m; t++)
        {
            x[2 * t] = (2 * random.NextDouble()) - 1;
            x[(2 * t) + 1] = (2 * random.NextDouble()) - 1;
            y[t] = x[2 * t] + x[(2 * t) + 1] > 0 ? 1 : 0;
        }

        return (x, y);
    }

    [Fact]
    public void Full_and_whole_batch_evaluations_are_the_library_targets_cost_and_gradient()
    {
        var layout = new NetworkLayout(2, 3, 1);
        (double[] x, double[] y) = Binary(40, seed: 1);
        double[] theta = WeightInitializer.Create<double>(layout, 2);
        var expected = new double[layout.ParameterCount];
        double j = Backpropagation.CostAndGradient<double>(layout, theta, x, y, 0.3, expected);

        var objective = new NetworkObjective<double>(layout, x, y, 0.3);
        Assert.Equal(40, objective.ExampleCount);
        var full = new double[layout.ParameterCount];
        Assert.Equal(j, objective.Evaluate(theta, full));
        Assert.Equal(expected, full);

        // Every example once, in order: lambda b / m = lambda, the same call.
        var batch = new double[layout.ParameterCount];
        Assert.Equal(j, objective.Evaluate(theta, Enumerable.Range(0, 40).ToArray(), batch));
        Assert.Equal(expected, batch);

        // A batch of examples 3 and 7 is the library's cost of those two rows with lambda 2 / 40.
        var two = new double[layout.ParameterCount];
        double[] x2 = [.. x.AsSpan(6, 2), .. x.AsSpan(14, 2)];
        double[] y2 = [y[3], y[7]];
        double j2 = Backpropagation.CostAndGradient<double>(layout, theta, x2, y2, 0.3 * (2.0 / 40), two);
        var got = new double[layout.ParameterCount];
        Assert.Equal(j2, objective.Evaluate(theta, [3, 7], got));
        Assert.Equal(two, got);
    }

    [Fact]
    public void A_binary_network_with_one_output_learns_a_separable_task()
    {
        var layout = new NetworkLayout(2, 4, 1);
        (double[] x, double[] y) = Binary(200, seed: 2);
        double[] theta = WeightInitializer.Create<double>(layout, 3);
        new Lbfgs<double> { MaxIterations = 200 }.Minimize(new NetworkObjective<double>(layout, x, y, 0.01), theta);

        var h = new double[200];
        Backpropagation.Forward<double>(layout, theta, x, h);
        int correct = Enumerable.Range(0, 200).Count(t => (h[t] >= 0.5 ? 1 : 0) == (int)y[t]);
        Assert.True(correct >= 194, $"{correct} of 200 right"); // a line through the origin: a logistic unit can learn it
    }

    [Fact]
    public void Warm_evaluations_allocate_nothing_for_targets_and_for_labels()
    {
        var layout = new NetworkLayout(2, 3, 2);
        (double[] x, double[] binary) = Binary(40, seed: 4);
        double[] targets = [.. binary.SelectMany(v => new[] { v, 1 - v })];
        int[] labels = [.. binary.Select(v => (int)v)];
        double[] theta = WeightInitializer.Create<double>(layout, 5);
        var gradient = new double[layout.ParameterCount];
        var byTargets = new NetworkObjective<double>(layout, x, targets, 0.1);
        var byLabels = new NetworkObjective<double>(layout, x, labels, 0.1);
        int[] batch = [5, 1, 30, 7];
        AllocationProbe.AssertWarmCallsAllocateNothing(() =>
        {
            byTargets.Evaluate(theta, gradient);
            byTargets.Evaluate(theta, batch, gradient);
            byLabels.Evaluate(theta, gradient);
            byLabels.Evaluate(theta, batch, gradient);
        });
    }

    [Fact]
    public void Bad_targets_are_rejected_up_front_with_the_parameter_named()
    {
        var layout = new NetworkLayout(2, 3, 2);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => new NetworkObjective<double>(layout, new double[6], new double[5], 0)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => new NetworkObjective<double>(layout, new double[0], new double[0], 0)).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => new NetworkObjective<double>(layout, new double[5], new double[6], 0)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkObjective<double>(layout, new double[6], new[] { 0, 1, 0.5, 1.5, 0, 0 }, 0)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkObjective<double>(layout, new double[6], new[] { 0, 1, double.NaN, 1, 0, 0 }, 0)).ParamName);
    }
}
