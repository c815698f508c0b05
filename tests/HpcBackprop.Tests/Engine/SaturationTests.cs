using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// Saturated outputs (h rounded to exactly 0 or 1) give a finite J equal to a careful evaluation of
/// the stable formula, where the literal log(1 - h) is -infinity.
/// </summary>
[Trait("Category", "Simd")]
public class SaturationTests
{
    [Theory]
    [InlineData(40.0)]
    [InlineData(100.0)]
    [InlineData(1000.0)]
    public void Saturated_network_has_a_finite_cost_matching_the_stable_formula_double(double scale) => Check<double>(scale);

    [Theory]
    [InlineData(40.0)]
    [InlineData(100.0)]
    [InlineData(1000.0)]
    public void Saturated_network_has_a_finite_cost_matching_the_stable_formula_float(double scale) => Check<float>(scale);

    private static void Check<T>(double scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // 2 inputs, 3 outputs (L = 2): z = Theta [1; x] directly, so every z is known exactly.
        var layout = new NetworkLayout(2, 3);
        double[] thetaD = [0, scale, 0, 0, -scale, 0, 0.5, 0, scale / 2];
        double[] xD = [1, 1, -1, 0.5, 0, -1];
        int[] labels = [1, 0, 2]; // several outputs are confidently wrong: their terms are large and finite
        T[] theta = Numerics.Convert<T>(thetaD);
        T[] x = Numerics.Convert<T>(xD);
        var gradient = new T[9];
        T j = Backpropagation.CostAndGradient<T>(layout, theta, x, labels, T.Zero, gradient);

        // The careful evaluation: z in double (exact here: small integers times powers of two and
        // the scales), softplus(v) = max(v, 0) + log1p(e^-|v|) with log1p by its series where
        // e^-|v| is tiny, summed in double.
        double expected = 0;
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < 3; i++)
            {
                double z = thetaD[i * 3] + (thetaD[(i * 3) + 1] * xD[t * 2]) + (thetaD[(i * 3) + 2] * xD[(t * 2) + 1]);
                double y = labels[t] == i ? 1 : 0;
                expected += (y * Softplus(-z)) + ((1 - y) * Softplus(z));
            }
        }

        expected /= 3;
        double got = double.CreateChecked(j);
        Assert.True(double.IsFinite(got), $"J = {got}");

        // Nine terms, each a softplus evaluated with a few ulps of error in T: 16 u relative is generous
        // for the rounding and cannot hide a wrong term (each term here is >= 0.47 or exactly tiny).
        Assert.Equal(expected, got, 16 * Numerics.UnitRoundoff<T>() * expected);
        Assert.All(gradient, g => Assert.True(T.IsFinite(g)));
    }

    /// <summary>
    /// Weights of 40 to 1000 saturate most units, hidden and output, to exactly 0 or 1: the gradient still equals
    /// the reference's (whose J may be infinite there, but whose D is h - y carried back, finite), entry by entry
    /// within <see cref="RunningErrorBound"/>, on every engine.
    /// </summary>
    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Saturated_gradients_equal_the_reference_float(PositiveInt seed) => SaturatedGradient<float>(seed.Get);

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Saturated_gradients_equal_the_reference_double(PositiveInt seed) => SaturatedGradient<double>(seed.Get);

    private static Property SaturatedGradient<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double scale = new[] { 40.0, 100.0, 1000.0 }[seed % 3];
        Problem p = Problem.Create(seed, maxLayers: 4, maxSize: 12, maxM: 40, weightScale: scale);
        var options = new BackpropagationOptions { Engine = (BackpropagationEngine)(1 + (seed / 3 % 2)) };
        T[] theta = Numerics.Convert<T>(p.Parameters);
        T[] x = Numerics.Convert<T>(p.Features);
        T lambda = T.CreateChecked(p.Lambda);
        var gradient = new T[theta.Length];
        T j = Backpropagation.CostAndGradient<T>(p.Layout, theta, x, p.Labels, lambda, gradient, options);

        var reference = ReferenceWithTolerance.Of(p.Layout, theta, x, p.Labels, null, lambda);
        string worst = T.IsFinite(j) ? "" : $"J = {j}";
        for (int i = 0; i < reference.Gradient.Length; i++)
        {
            double got = double.CreateChecked(gradient[i]);
            if (!(Math.Abs(got - reference.Gradient[i]) <= reference.GradientTolerance[i]))
            {
                worst = $"D[{i}] = {got:R}, reference {reference.Gradient[i]:R} (tolerance {reference.GradientTolerance[i]:E2})";
            }
        }

        return (worst.Length == 0).Label($"{typeof(T).Name}, {options.Engine}, scale {scale}, {p}: {worst}");
    }

    private static double Softplus(double v)
    {
        double t = Math.Exp(-Math.Abs(v));
        double log1p = t < 1e-5 ? t - (t * t / 2) + (t * t * t / 3) : Math.Log(1 + t);
        return Math.Max(v, 0) + log1p;
    }
}
