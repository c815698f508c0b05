using HpcBackprop.Training;

namespace HpcBackprop.Tests.Training;

/// <summary>
/// f(x) = sum_i x_i^4 / 4 + a_i x_i^2 / 2 - b_i x_i: smooth, strictly convex, not quadratic (so conjugate
/// gradient needs many iterations), and evaluating it allocates nothing, which the allocation tests need.
/// As a stochastic objective, "example" i is term i, scaled by n / b.
/// </summary>
internal sealed class QuarticObjective : IStochasticObjective<double>
{
    private readonly double[] _a;
    private readonly double[] _b;

    public QuarticObjective(int n)
    {
        _a = new double[n];
        _b = new double[n];
        var random = new Random(5);
        for (int i = 0; i < n; i++)
        {
            _a[i] = 0.1 + (10 * random.NextDouble()); // condition number about 100
            _b[i] = (2 * random.NextDouble()) - 1;
        }
    }

    public int Dimension => _a.Length;

    public int ExampleCount => _a.Length;

    public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double f = 0;
        for (int i = 0; i < x.Length; i++)
        {
            f += Term(x[i], i, out gradient[i]);
        }

        return f;
    }

    public double Evaluate(ReadOnlySpan<double> x, ReadOnlySpan<int> examples, Span<double> gradient)
    {
        gradient.Clear();
        double scale = (double)_a.Length / examples.Length, f = 0;
        foreach (int i in examples)
        {
            f += scale * Term(x[i], i, out double g);
            gradient[i] = scale * g;
        }

        return f;
    }

    private double Term(double x, int i, out double gradient)
    {
        gradient = (x * x * x) + (_a[i] * x) - _b[i];
        return (x * x * x * x / 4) + (_a[i] * x * x / 2) - (_b[i] * x);
    }
}

/// <summary>Small labelled data sets for network objectives.</summary>
internal static class TrainingData
{
    /// <summary>m examples of s(1) features in [-1, 1] whose label is the arg max of a fixed random linear map, so a network can learn it.</summary>
    public static (double[] Features, int[] Labels) Linear(int m, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var w = new double[classes * features];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (2 * random.NextDouble()) - 1;
        }

        var x = new double[m * features];
        var y = new int[m];
        for (int t = 0; t < m; t++)
        {
            for (int j = 0; j < features; j++)
            {
                x[(t * features) + j] = (2 * random.NextDouble()) - 1;
            }

            double best = double.NegativeInfinity;
            for (int k = 0; k < classes; k++)
            {
                double score = 0;
                for (int j = 0; j < features; j++)
                {
                    score += w[(k * features) + j] * x[(t * features) + j];
                }

                if (score > best)
                {
                    best = score;
                    y[t] = k;
                }
            }
        }

        return (x, y);
    }
}

/// <summary>
/// f(x) = sum sqrt(1 + (x_i - Target)^2) (a pseudo-Huber bowl: nearly linear far from its minimum, so a line
/// search from 0 extrapolates in growing steps) for |x_i| &lt;= wall, and an overflow beyond it, thrown as the
/// network objective does (ArithmeticException).
/// </summary>
internal sealed class WalledBowl(int n, double wall) : IObjective<double>
{
    public const double Target = 10;

    public int Dimension => n;

    public int Overflows { get; private set; }

    public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double f = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (Math.Abs(x[i]) > wall)
            {
                Overflows++;
                throw new ArithmeticException("overflow");
            }

            double r = Math.Sqrt(1 + ((x[i] - Target) * (x[i] - Target)));
            f += r;
            gradient[i] = (x[i] - Target) / r;
        }

        return f;
    }
}
