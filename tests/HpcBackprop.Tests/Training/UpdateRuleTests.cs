using HpcBackprop.Training;

namespace HpcBackprop.Tests.Training;

/// <summary>
/// The mini-batch optimizers take exactly the steps their documentation gives, replayed here from the formulas
/// (momentum: v = mu v - eta g, x += v; Adam: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
/// x -= eta (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)), on a quadratic whose gradient is known exactly, with
/// non-default settings so that a swapped or ignored setting shows.
/// </summary>
public class UpdateRuleTests
{
    private static readonly double[] Curvature = [0.5, 2, 7, 0.01];
    private static readonly double[] Target = [1, -3, 0.25, 40];
    private static readonly double[] Start = [0, 0, 1, -2];

    [Fact]
    public void Momentum_takes_the_documented_steps()
    {
        const double mu = 0.7, eta = 0.05;
        const int steps = 25;
        var optimizer = new MomentumGradientDescent<double> { Momentum = mu, LearningRate = eta, MaxIterations = steps };
        double[] x = (double[])Start.Clone();
        optimizer.Minimize(new Quadratic(), x);

        double[] expected = (double[])Start.Clone();
        var velocity = new double[expected.Length];
        for (int t = 1; t <= steps; t++)
        {
            double[] g = Gradient(expected);
            for (int i = 0; i < expected.Length; i++)
            {
                velocity[i] = (mu * velocity[i]) - (eta * g[i]);
                expected[i] += velocity[i];
            }
        }

        AssertClose(expected, x, steps);
    }

    [Fact]
    public void Adam_takes_the_documented_steps()
    {
        const double beta1 = 0.8, beta2 = 0.95, epsilon = 1e-3, eta = 0.02;
        const int steps = 25;
        var optimizer = new Adam<double> { Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon, LearningRate = eta, MaxIterations = steps };
        double[] x = (double[])Start.Clone();
        optimizer.Minimize(new Quadratic(), x);

        double[] expected = (double[])Start.Clone();
        var m = new double[expected.Length];
        var v = new double[expected.Length];
        for (int t = 1; t <= steps; t++)
        {
            double[] g = Gradient(expected);
            for (int i = 0; i < expected.Length; i++)
            {
                m[i] = (beta1 * m[i]) + ((1 - beta1) * g[i]);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * g[i] * g[i]);
                double mHat = m[i] / (1 - Math.Pow(beta1, t)), vHat = v[i] / (1 - Math.Pow(beta2, t));
                expected[i] -= eta * mHat / (Math.Sqrt(vHat) + epsilon);
            }
        }

        AssertClose(expected, x, steps);
    }

    // The optimizer and the replay may order a step's few operations differently: each step adds at most about
    // ten roundings of the step's size, and the quadratic's contraction does not amplify them (curvature times
    // step below 2), so 10 u per step of the largest coordinate bounds the difference; the wrong rule misses by
    // orders of magnitude more.
    private static void AssertClose(double[] expected, double[] actual, int steps)
    {
        double scale = expected.Max(Math.Abs) + Start.Max(Math.Abs);
        double tolerance = 10 * steps * Math.ScaleB(1.0, -53) * scale;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"x[{i}] = {actual[i]:R}, documented rule {expected[i]:R}");
        }

        Assert.NotEqual(Start, actual); // the steps moved x
    }

    private static double[] Gradient(double[] x) => x.Select((xi, i) => Curvature[i] * (xi - Target[i])).ToArray();

    // f(x) = sum c_i (x_i - t_i)^2 / 2 as a one-example stochastic objective, so every batch is the whole of it.
    private sealed class Quadratic : IStochasticObjective<double>
    {
        public int Dimension => Curvature.Length;

        public int ExampleCount => 1;

        public double Evaluate(ReadOnlySpan<double> parameters, Span<double> gradient)
        {
            double f = 0;
            for (int i = 0; i < parameters.Length; i++)
            {
                double r = parameters[i] - Target[i];
                f += 0.5 * Curvature[i] * r * r;
                gradient[i] = Curvature[i] * r;
            }

            return f;
        }

        public double Evaluate(ReadOnlySpan<double> parameters, ReadOnlySpan<int> examples, Span<double> gradient)
            => Evaluate(parameters, gradient);
    }
}
