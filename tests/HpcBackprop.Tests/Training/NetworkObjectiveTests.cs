using HpcBackprop.Training;

namespace HpcBackprop.Tests.Training;

public class NetworkObjectiveTests
{
    private static readonly NetworkLayout Layout = new(5, 4, 3);

    [Fact]
    public void Full_evaluation_is_the_library_cost_and_gradient()
    {
        (double[] x, int[] y) = TrainingData.Linear(50, 5, 3, seed: 1);
        double[] theta = WeightInitializer.Create<double>(Layout, 2);
        var expected = new double[Layout.ParameterCount];
        var actual = new double[Layout.ParameterCount];

        double j = Backpropagation.CostAndGradient<double>(Layout, theta, x, y, 0.7, expected);
        double f = new NetworkObjective<double>(Layout, x, y, 0.7).Evaluate(theta, actual);

        Assert.Equal(j, f);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Several_threads_give_the_one_thread_cost_and_gradient()
    {
        (double[] x, int[] y) = TrainingData.Linear(300, 5, 3, seed: 3);
        double[] theta = WeightInitializer.Create<double>(Layout, 2);
        var one = new double[Layout.ParameterCount];
        var three = new double[Layout.ParameterCount];

        double j1 = new NetworkObjective<double>(Layout, x, y, 0.7, threads: 1).Evaluate(theta, one);
        var threaded = new NetworkObjective<double>(Layout, x, y, 0.7, threads: 3);
        double j3 = threaded.Evaluate(theta, three);

        Assert.Equal(3, threaded.Threads);
        Assert.Equal(j1, j3);       // the batched engine's result does not depend on the thread count
        Assert.Equal(one, three);
    }

    [Fact]
    public void A_batch_of_every_example_is_the_full_objective()
    {
        // lambda is scaled by b / m, so b = m must give J and D exactly (up to the order of the examples).
        (double[] x, int[] y) = TrainingData.Linear(40, 5, 3, seed: 4);
        double[] theta = WeightInitializer.Create<double>(Layout, 2);
        var objective = new NetworkObjective<double>(Layout, x, y, 0.7);
        var full = new double[Layout.ParameterCount];
        var batch = new double[Layout.ParameterCount];

        double j = objective.Evaluate(theta, full);
        double b = objective.Evaluate(theta, Enumerable.Range(0, 40).Reverse().ToArray(), batch);

        AssertClose(j, full, b, batch);
    }

    [Fact]
    public void Batch_estimates_average_to_the_full_objective_over_a_partition()
    {
        (double[] x, int[] y) = TrainingData.Linear(40, 5, 3, seed: 5);
        double[] theta = WeightInitializer.Create<double>(Layout, 2);
        var objective = new NetworkObjective<double>(Layout, x, y, 2.0);
        var full = new double[Layout.ParameterCount];
        var part = new double[Layout.ParameterCount];
        double j = objective.Evaluate(theta, full);

        double mean = 0;
        var sum = new double[Layout.ParameterCount];
        for (int start = 0; start < 40; start += 10)
        {
            mean += objective.Evaluate(theta, Enumerable.Range(start, 10).ToArray(), part) / 4;
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] += part[i] / 4;
            }
        }

        AssertClose(j, full, mean, sum);
    }

    /// <summary>The same J and D up to the rounding of a different summation order.</summary>
    private static void AssertClose(double expectedCost, double[] expectedGradient, double cost, double[] gradient)
    {
        Assert.Equal(expectedCost, cost, 1e-12);
        for (int i = 0; i < expectedGradient.Length; i++)
        {
            Assert.Equal(expectedGradient[i], gradient[i], 1e-12);
        }
    }

    [Fact]
    public void Bad_arguments_name_the_parameter()
    {
        (double[] x, int[] y) = TrainingData.Linear(10, 5, 3, seed: 1);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => new NetworkObjective<double>(Layout, x.AsMemory(1), y, 0)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkObjective<double>(Layout, x, y.Select(_ => 3).ToArray(), 0)).ParamName);
        Assert.Equal("lambda", Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkObjective<double>(Layout, x, y, -1)).ParamName);
        var objective = new NetworkObjective<double>(Layout, x, y, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => objective.Evaluate(new double[Layout.ParameterCount], [10], new double[Layout.ParameterCount]));
    }
}
