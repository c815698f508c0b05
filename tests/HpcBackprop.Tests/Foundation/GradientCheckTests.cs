using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Reference;

namespace HpcBackprop.Tests.Foundation;

/// <summary>The reference implementation against mathematics: its D equals central differences of its own J.</summary>
public class GradientCheckTests
{
    // The spec: central differences with eps = 1e-4 in double agree with D to a relative difference
    // near 1e-9 on small networks; the truncation error is O(eps^2) = 1e-8 relative to the third
    // derivative, so 1e-7 leaves room for that and nothing else.
    private const double Eps = 1e-4;
    private const double MaxRelativeDifference = 1e-7;

    [Property(MaxTest = 220, QuietOnSuccess = true)]
    public Property Reference_gradient_matches_central_differences_with_labels(PositiveInt seed)
    {
        var p = Problem.Create(seed.Get);
        var analytic = new double[p.Layout.ParameterCount];
        ReferenceBackprop.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, p.Lambda, analytic);
        double[] numeric = Numerics.NumericGradient(p, Eps);
        double rel = Numerics.RelativeDifference(numeric, analytic);
        return (rel < MaxRelativeDifference).Label($"{p}: relative difference {rel:E3}");
    }

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Reference_gradient_matches_central_differences_with_dense_targets(PositiveInt seed)
    {
        var p = Problem.Create(seed.Get);
        var analytic = new double[p.Layout.ParameterCount];
        ReferenceBackprop.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Targets, p.Lambda, analytic);
        double[] numeric = Numerics.NumericGradient(p, Eps, useTargets: true);
        double rel = Numerics.RelativeDifference(numeric, analytic);
        return (rel < MaxRelativeDifference).Label($"{p}: relative difference {rel:E3}");
    }

    [Property(MaxTest = 60, QuietOnSuccess = true)]
    public Property Library_gradient_matches_central_differences_of_the_library_cost(PositiveInt seed)
    {
        var p = Problem.Create(seed.Get);
        var analytic = new double[p.Layout.ParameterCount];
        Backpropagation.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, p.Lambda, analytic);
        double[] theta = (double[])p.Parameters.Clone();
        var numeric = new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double saved = theta[i];
            theta[i] = saved + Eps;
            double plus = Backpropagation.Cost<double>(p.Layout, theta, p.Features, p.Labels, p.Lambda);
            theta[i] = saved - Eps;
            double minus = Backpropagation.Cost<double>(p.Layout, theta, p.Features, p.Labels, p.Lambda);
            theta[i] = saved;
            numeric[i] = (plus - minus) / (2 * Eps);
        }

        double rel = Numerics.RelativeDifference(numeric, analytic);
        return (rel < MaxRelativeDifference).Label($"{p}: relative difference {rel:E3}");
    }
}
