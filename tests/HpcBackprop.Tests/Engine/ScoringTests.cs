using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Reference;

namespace HpcBackprop.Tests.Engine;

/// <summary>Forward-only scoring equals the reference's forward pass; predictions are its argmax.</summary>
[Trait("Category", "Simd")]
public class ScoringTests
{
    [Property(MaxTest = 80, QuietOnSuccess = true)]
    public Property Forward_and_predict_match_the_reference_double(PositiveInt seed) => Check<double>(seed.Get);

    [Property(MaxTest = 80, QuietOnSuccess = true)]
    public Property Forward_and_predict_match_the_reference_float(PositiveInt seed) => Check<float>(seed.Get);

    private static Property Check<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = Problem.Create(seed, maxSize: 40, maxM: 12);
        T[] theta = Numerics.Convert<T>(p.Parameters);
        T[] x = Numerics.Convert<T>(p.Features);
        int k = p.Layout.OutputSize;
        var outputs = new T[p.M * k];
        var classes = new int[p.M];
        Backpropagation.Forward<T>(p.Layout, theta, x, outputs);
        Backpropagation.Predict<T>(p.Layout, theta, x, classes);
        double[] expected = ReferenceBackprop.Forward<double>(p.Layout, Numerics.ToDouble(theta), Numerics.ToDouble(x));

        bool ok = true;
        string detail = "";
        for (int t = 0; t < p.M; t++)
        {
            int best = 0;
            for (int i = 0; i < k; i++)
            {
                double want = expected[(t * k) + i];
                double got = double.CreateChecked(outputs[(t * k) + i]);
                if (Math.Abs(got - want) > EngineTolerance.For<T>(p.Layout, want))
                {
                    ok = false;
                    detail = $"h[{t},{i}] = {got:R}, reference {want:R}";
                }

                best = expected[(t * k) + i] > expected[(t * k) + best] ? i : best;
            }

            // The class must be an argmax of the outputs within rounding: a near-tie may go either way.
            double margin = expected[(t * k) + best] - expected[(t * k) + classes[t]];
            if (margin > EngineTolerance.For<T>(p.Layout, 1))
            {
                ok = false;
                detail = $"example {t}: class {classes[t]}, reference argmax {best}";
            }
        }

        return ok.Label($"{typeof(T).Name}, {p}: {detail}");
    }

    [Fact]
    public void Scoring_rejects_bad_shapes_and_leaves_outputs_unchanged()
    {
        var layout = new NetworkLayout(3, 2);
        var theta = new double[8];
        var outputs = new[] { 9.0, 9.0, 9.0, 9.0 };
        var e = Assert.Throws<ArgumentException>(() => Backpropagation.Forward<double>(layout, theta, new double[5], outputs));
        Assert.Equal("features", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Backpropagation.Forward<double>(layout, theta, new double[6], outputs.AsSpan(0, 3)));
        Assert.Equal("outputs", e.ParamName);
        Assert.Contains("2 x 2", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Backpropagation.Predict<double>(layout, theta, new double[6], new int[3]));
        Assert.Equal("classes", e.ParamName);
        theta[2] = double.NaN;
        e = Assert.Throws<ArgumentException>(() => Backpropagation.Forward<double>(layout, theta, new double[6], outputs));
        Assert.Equal("parameters", e.ParamName);
        var many = new double[3 * 40];
        e = Assert.Throws<ArgumentException>(() => Backpropagation.Forward<double>(layout, theta, many, new double[80]));
        Assert.Equal("parameters", e.ParamName);
        Assert.All(outputs, o => Assert.Equal(9.0, o));
    }
}
