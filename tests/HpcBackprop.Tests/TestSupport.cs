using System.Numerics;
using HpcBackprop.Reference;

namespace HpcBackprop.Tests;

/// <summary>Random problems (layout, parameters, features, labels) built from one seed, so a failure names its seed.</summary>
internal sealed record Problem(int Seed, NetworkLayout Layout, double[] Parameters, double[] Features, int[] Labels, double[] Targets, double Lambda)
{
    public int M => Labels.Length;

    public static Problem Create(int seed, int maxLayers = 5, int maxSize = 20, int maxM = 10, double maxLambda = 4, double weightScale = 1, int minM = 1)
    {
        var rng = new Random(seed);
        int layers = rng.Next(2, maxLayers + 1);
        var sizes = new int[layers];
        for (int i = 0; i < layers; i++)
        {
            sizes[i] = rng.Next(1, maxSize + 1);
        }

        var layout = new NetworkLayout(sizes);
        int m = rng.Next(minM, maxM + 1);
        return Fill(seed, rng, layout, m, maxLambda, weightScale);
    }

    /// <summary>A random problem on a given layout and m.</summary>
    public static Problem ForLayout(int seed, NetworkLayout layout, int m, double maxLambda = 4, double weightScale = 1)
        => Fill(seed, new Random(seed), layout, m, maxLambda, weightScale);

    private static Problem Fill(int seed, Random rng, NetworkLayout layout, int m, double maxLambda, double weightScale)
    {
        var parameters = new double[layout.ParameterCount];
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = ((2 * rng.NextDouble()) - 1) * weightScale;
        }

        var features = new double[m * layout.InputSize];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (2 * rng.NextDouble()) - 1;
        }

        var labels = new int[m];
        var targets = new double[m * layout.OutputSize];
        for (int t = 0; t < m; t++)
        {
            labels[t] = rng.Next(layout.OutputSize);
            for (int k = 0; k < layout.OutputSize; k++)
            {
                targets[(t * layout.OutputSize) + k] = rng.NextDouble();
            }
        }

        double lambda = rng.NextDouble() * maxLambda;
        return new Problem(seed, layout, parameters, features, labels, targets, lambda);
    }

    public override string ToString() => $"seed {Seed}: layout {Layout}, m = {M}, lambda = {Lambda}";
}

internal static class Numerics
{
    /// <summary>norm(a - b) / norm(a + b), the spec's relative difference for gradient checks.</summary>
    public static double RelativeDifference(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double diff = 0, sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            sum += (a[i] + b[i]) * (a[i] + b[i]);
        }

        return sum == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff) / Math.Sqrt(sum);
    }

    /// <summary>Central differences of the reference's J: (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps).</summary>
    public static double[] NumericGradient(Problem p, double eps, bool useTargets = false)
    {
        double[] theta = (double[])p.Parameters.Clone();
        var numeric = new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double saved = theta[i];
            theta[i] = saved + eps;
            double plus = Cost(p, theta, useTargets);
            theta[i] = saved - eps;
            double minus = Cost(p, theta, useTargets);
            theta[i] = saved;
            numeric[i] = (plus - minus) / (2 * eps);
        }

        return numeric;
    }

    private static double Cost(Problem p, double[] theta, bool useTargets) => useTargets
        ? ReferenceBackprop.CostAndGradient<double>(p.Layout, theta, p.Features, p.Targets, p.Lambda, Span<double>.Empty)
        : ReferenceBackprop.CostAndGradient(p.Layout, theta, p.Features, OneHot(p.Labels, p.Layout.OutputSize), p.Lambda, Span<double>.Empty);

    /// <summary>The one-hot targets of labels, m x K.</summary>
    public static double[] OneHot(int[] labels, int outputs)
    {
        var y = new double[labels.Length * outputs];
        for (int t = 0; t < labels.Length; t++)
        {
            y[(t * outputs) + labels[t]] = 1;
        }

        return y;
    }

    public static T[] Convert<T>(double[] values)
        where T : IFloatingPointIeee754<T>
        => Array.ConvertAll(values, v => T.CreateChecked(v));

    public static double[] ToDouble<T>(T[] values)
        where T : IFloatingPointIeee754<T>
        => Array.ConvertAll(values, v => double.CreateChecked(v));

    /// <summary>The unit roundoff u of T: 2^-24 for float, 2^-53 for double.</summary>
    public static double UnitRoundoff<T>()
        where T : IFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
}
