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
        var (library, reference) = RunningErrorBound.ForLibraryAndReference<T>(
            p.Layout, Numerics.ToDouble(theta), Numerics.ToDouble(x), new double[p.M * k], 0);

        bool ok = true;
        string detail = "";
        for (int t = 0; t < p.M; t++)
        {
            int best = 0;
            for (int i = 0; i < k; i++)
            {
                double want = expected[(t * k) + i];
                double got = double.CreateChecked(outputs[(t * k) + i]);
                if (Math.Abs(got - want) > library.Outputs[(t * k) + i] + reference.Outputs[(t * k) + i])
                {
                    ok = false;
                    detail = $"h[{t},{i}] = {got:R}, reference {want:R}";
                }

                best = expected[(t * k) + i] > expected[(t * k) + best] ? i : best;
            }

            // The class must be an argmax of the outputs within rounding: a near-tie may go either way.
            double margin = expected[(t * k) + best] - expected[(t * k) + classes[t]];
            if (margin > library.Outputs[(t * k) + best] + library.Outputs[(t * k) + classes[t]] + reference.Outputs[(t * k) + best] + reference.Outputs[(t * k) + classes[t]])
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

    [Theory]
    [InlineData(9, 1e30f, 1e10f)]    // one example past a block: its second block overflows; 1e30 squares to inf,
    [InlineData(40, 1e30f, 1e10f)]   // so the bound gives up and the unwritten pass finds the overflow
    [InlineData(9, 1e15f, 1e25f)]    // squares stay finite: the bound itself must see that 1e15 x 1e25 overflows
    [InlineData(40, 1e15f, 1e25f)]
    public void An_overflow_in_a_later_block_leaves_outputs_and_classes_unchanged(int m, float weight, float feature)
    {
        // Float, 3-2: the weight is harmless for zero features, but the last example's feature makes z ~ 1e40.
        var layout = new NetworkLayout(3, 2);
        float[] theta = [0, weight, 0, 0, 0, 0, 0, 1e-30f];
        var x = new float[3 * m];
        x[3 * (m - 1)] = feature;
        var outputs = Enumerable.Repeat(9f, 2 * m).ToArray();
        var classes = Enumerable.Repeat(7, m).ToArray();

        Assert.Throws<ArithmeticException>(() => Backpropagation.Forward<float>(layout, theta, x, outputs));
        Assert.Throws<ArithmeticException>(() => Backpropagation.Predict<float>(layout, theta, x, classes));
        using var ws = new BackpropagationWorkspace<float>(layout);
        Assert.Throws<ArithmeticException>(() => ws.Forward(theta, x, outputs));
        Assert.Throws<ArithmeticException>(() => ws.Predict(theta, x, classes));
        Assert.All(outputs, o => Assert.Equal(9f, o));
        Assert.All(classes, c => Assert.Equal(7, c));
    }

    [Fact]
    public void Inputs_the_overflow_bound_cannot_clear_still_score_when_nothing_overflows()
    {
        // Weights of 1e20 square to inf in float, so the up-front bound gives up; the checked pass finds no overflow.
        var layout = new NetworkLayout(3, 2);
        float[] theta = [0, 1e20f, -1e20f, 0, 0.5f, 0, 0, 0];
        var x = new float[3 * 20];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 5) * 0.25f;
        }

        var outputs = new float[2 * 20];
        Backpropagation.Forward<float>(layout, theta, x, outputs);
        double[] expected = ReferenceBackprop.Forward<double>(layout, Numerics.ToDouble(theta), Numerics.ToDouble(x));
        var (library, reference) = RunningErrorBound.ForLibraryAndReference<float>(layout, Numerics.ToDouble(theta), Numerics.ToDouble(x), new double[outputs.Length], 0);
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.True(Math.Abs(outputs[i] - expected[i]) <= library.Outputs[i] + reference.Outputs[i], $"h[{i}] = {outputs[i]}, reference {expected[i]}");
        }
    }

    [Fact]
    public void Outputs_sharing_memory_with_the_inputs_are_rejected()
    {
        var layout = new NetworkLayout(2, 2);
        var buffer = new double[6 + (2 * 20)];   // Theta (6) then 20 examples of 2 features
        double[] before = (double[])buffer.Clone();
        var e = Assert.Throws<ArgumentException>(() => Backpropagation.Forward<double>(layout, buffer.AsSpan(0, 6), buffer.AsSpan(6), buffer.AsSpan(6, 40)));
        Assert.Equal("outputs", e.ParamName);
        using var ws = new BackpropagationWorkspace<double>(layout);
        e = Assert.Throws<ArgumentException>(() => ws.Forward(buffer.AsSpan(0, 6), buffer.AsSpan(6), buffer.AsSpan(0, 40)));
        Assert.Equal("outputs", e.ParamName);
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void The_overflow_bound_clears_ordinary_inputs_and_not_overflowing_ones()
    {
        // Ordinary inputs must take the fast path (a bound that always gave up would pass every other test).
        var layout = new NetworkLayout(784, 256, 10);
        float[] theta = WeightInitializer.Create<float>(layout, 1);
        var x = Enumerable.Range(0, 784 * 20).Select(i => (i % 17) / 16f).ToArray();
        Assert.True(HpcBackprop.Engine.ForwardBound.CannotOverflow<float>(layout, theta, x));

        // z = 1e15 x 1e25 overflows float (and the squares, 1e30 and 1e50 in double, stay finite).
        var small = new NetworkLayout(3, 2);
        float[] big = [0, 1e15f, 0, 0, 0, 0, 0, 0];
        float[] features = [1e25f, 0, 0];
        Assert.False(HpcBackprop.Engine.ForwardBound.CannotOverflow<float>(small, big, features));
        Assert.True(HpcBackprop.Engine.ForwardBound.CannotOverflow<double>(small, Numerics.ToDouble(big), Numerics.ToDouble(features)));
        features[1] = float.NaN;
        Assert.False(HpcBackprop.Engine.ForwardBound.CannotOverflow<float>(small, [0, 1, 0, 0, 0, 0, 0, 0], features));
    }
}
