namespace HpcBackprop.Tests.Foundation;

/// <summary>
/// Every malformed argument throws an ArgumentException naming the argument and saying what was
/// expected, and the gradient buffer is left exactly as it was.
/// </summary>
public class BadInputTests
{
    private static readonly NetworkLayout Layout = new(3, 4, 2); // 4 x 4 + 2 x 5 = 26 parameters
    private const double Sentinel = 123.25;

    private sealed class Args
    {
        public NetworkLayout Layout { get; set; } = BadInputTests.Layout;
        public double[] Parameters { get; set; } = WeightInitializer.Create<double>(BadInputTests.Layout, 7);
        public double[] Features { get; set; } = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        public int[] Labels { get; set; } = [0, 1];
        public double[] Targets { get; set; } = [1, 0, 0.5, 0.5];
        public double Lambda { get; set; } = 1;
        public double[] Gradient { get; set; } = Filled(26);
    }

    private static double[] Filled(int n) => Enumerable.Repeat(Sentinel, n).ToArray();

    private static void ExpectRejected<TException>(Action<Args> spoil, string paramName, string expectedText, bool targets = false)
        where TException : ArgumentException
    {
        var a = new Args();
        spoil(a);
        double[] before = (double[])a.Gradient.Clone();
        TException e = Assert.Throws<TException>(() =>
        {
            if (targets)
            {
                Backpropagation.CostAndGradient<double>(a.Layout, a.Parameters, a.Features, a.Targets, a.Lambda, a.Gradient);
            }
            else
            {
                Backpropagation.CostAndGradient<double>(a.Layout, a.Parameters, a.Features, a.Labels, a.Lambda, a.Gradient);
            }
        });
        Assert.Equal(paramName, e.ParamName);
        Assert.Contains(expectedText, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, a.Gradient);
    }

    [Fact]
    public void Valid_arguments_are_accepted_with_both_overloads()
    {
        var a = new Args();
        double j = Backpropagation.CostAndGradient<double>(a.Layout, a.Parameters, a.Features, a.Labels, a.Lambda, a.Gradient);
        Assert.True(double.IsFinite(j) && j > 0);
        Assert.DoesNotContain(Sentinel, a.Gradient);
        j = Backpropagation.CostAndGradient<double>(a.Layout, a.Parameters, a.Features, a.Targets, a.Lambda, a.Gradient);
        Assert.True(double.IsFinite(j) && j > 0);
    }

    [Fact]
    public void Null_layout() => ExpectRejected<ArgumentNullException>(a => a.Layout = null!, "layout", "layout");

    [Fact]
    public void Parameters_of_the_wrong_length() => ExpectRejected<ArgumentException>(a => a.Parameters = new double[25], "parameters", "26 elements");

    [Fact]
    public void Features_not_m_by_s1() => ExpectRejected<ArgumentException>(a => a.Features = new double[5], "features", "2 x 3 = 6");

    [Fact]
    public void Features_not_m_by_s1_with_targets()
        => ExpectRejected<ArgumentException>(a => a.Features = new double[9], "features", "2 x 3 = 6", targets: true);

    [Fact]
    public void Gradient_that_is_the_parameters() => ExpectRejected<ArgumentException>(a => a.Gradient = a.Parameters, "gradient", "must not share memory");

    [Theory]
    [InlineData(BackpropagationEngine.PerExample)]
    [InlineData(BackpropagationEngine.Batched)]
    public void Gradient_overlapping_the_features(BackpropagationEngine engine)
    {
        // One buffer: the 26 gradient entries, then the 6 features, with the features' first value inside the gradient.
        var shared = new double[26 + 5];
        for (int i = 0; i < shared.Length; i++)
        {
            shared[i] = Sentinel;
        }

        double[] before = (double[])shared.Clone();
        var a = new Args();
        var e = Assert.Throws<ArgumentException>(() => Backpropagation.CostAndGradient<double>(
            a.Layout, a.Parameters, shared.AsSpan(25, 6), a.Labels, a.Lambda, shared.AsSpan(0, 26), new BackpropagationOptions { Engine = engine }));
        Assert.Equal("gradient", e.ParamName);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void Gradient_of_the_wrong_length() => ExpectRejected<ArgumentException>(a => a.Gradient = Filled(27), "gradient", "26 elements");

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    [InlineData(int.MinValue)]
    public void Label_outside_0_to_K_minus_1(int label)
        => ExpectRejected<ArgumentOutOfRangeException>(a => a.Labels = [0, label], "labels", "0..1");

    [Fact]
    public void Targets_not_a_whole_number_of_rows() => ExpectRejected<ArgumentException>(a => a.Targets = [1, 0, 1], "targets", "m x K", targets: true);

    [Theory]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Target_outside_0_to_1(double y) => ExpectRejected<ArgumentOutOfRangeException>(a => a.Targets = [1, 0, y, 0], "targets", "[0, 1]", targets: true);

    [Theory]
    [InlineData(-1e-9)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Lambda_negative_nan_or_infinite(double lambda) => ExpectRejected<ArgumentOutOfRangeException>(a => a.Lambda = lambda, "lambda", ">= 0");

    [Fact]
    public void Lambda_negative_zero_is_zero()
    {
        // -0.0 >= 0: accepted, and J and D are those of +0.0 (both engines, the objective too).
        var a = new Args();
        foreach (BackpropagationEngine engine in new[] { BackpropagationEngine.PerExample, BackpropagationEngine.Batched })
        {
            var options = new BackpropagationOptions { Engine = engine };
            double[] plus = new double[26], minus = new double[26];
            double jPlus = Backpropagation.CostAndGradient<double>(a.Layout, a.Parameters, a.Features, a.Labels, 0.0, plus, options);
            double jMinus = Backpropagation.CostAndGradient<double>(a.Layout, a.Parameters, a.Features, a.Labels, -0.0, minus, options);
            Assert.Equal(jPlus, jMinus);
            Assert.Equal(plus, minus);
        }

        var objective = new HpcBackprop.Training.NetworkObjective<double>(a.Layout, a.Features, a.Labels, -0.0);
        var g = new double[26];
        Assert.Equal(Backpropagation.CostAndGradient<double>(a.Layout, a.Parameters, a.Features, a.Labels, 0.0, new double[26]), objective.Evaluate(a.Parameters, g));
    }

    [Fact]
    public void No_examples_with_labels()
        => ExpectRejected<ArgumentException>(a => { a.Labels = []; a.Features = []; }, "labels", "m >= 1");

    [Fact]
    public void No_examples_with_targets()
        => ExpectRejected<ArgumentException>(a => { a.Targets = []; a.Features = []; }, "targets", "m >= 1", targets: true);

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Non_finite_parameter(double bad) => ExpectRejected<ArgumentException>(a => a.Parameters[7] = bad, "parameters", "parameters[7]");

    [Theory]
    [InlineData(double.PositiveInfinity, 1)]  // row 1 of Theta(1): its hidden unit saturates, J alone would stay finite
    [InlineData(double.NegativeInfinity, 17)] // a bias of Theta(2)
    [InlineData(double.NaN, 0)]
    public void Non_finite_parameter_without_regularization(double bad, int index)
        => ExpectRejected<ArgumentException>(a => { a.Parameters[index] = bad; a.Lambda = 0; }, "parameters", $"parameters[{index}]");

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_feature(double bad) => ExpectRejected<ArgumentException>(a => a.Features[4] = bad, "features", "features[4]");

    // Six examples are two blocks of the per-example engine (one-block calls take their own route), and the
    // batched engine is a third: bad input is named and the gradient untouched on each.
    [Theory]
    [InlineData(BackpropagationEngine.PerExample, 2)]
    [InlineData(BackpropagationEngine.PerExample, 6)]
    [InlineData(BackpropagationEngine.Batched, 2)]
    [InlineData(BackpropagationEngine.Batched, 6)]
    [InlineData(BackpropagationEngine.Batched, 700)]   // three row blocks, shared out: the NaN is in the last
    public void Non_finite_feature_on_every_engine(BackpropagationEngine engine, int m)
    {
        double[] features = Enumerable.Range(0, m * 3).Select(i => 0.1 * i).ToArray();
        features[(m * 3) - 2] = double.NaN;
        double[] gradient = Filled(26);
        var e = Assert.Throws<ArgumentException>(() => Backpropagation.CostAndGradient<double>(
            Layout, WeightInitializer.Create<double>(Layout, 7), features, new int[m], 1.0, gradient, new BackpropagationOptions { Engine = engine, MaxDegreeOfParallelism = 2 }));
        Assert.Equal("features", e.ParamName);
        Assert.Contains($"features[{(m * 3) - 2}] (example {m - 1}, feature 1 of 3)", e.Message, StringComparison.Ordinal);
        Assert.All(gradient, g => Assert.Equal(Sentinel, g));
    }

    // A finite weight of 1e20 on a feature that is 0 leaves every z finite, but its square overflows float, so
    // J = +inf: an ArithmeticException, and the gradient untouched, whichever route computed the squares.
    [Theory]
    [InlineData(BackpropagationEngine.PerExample, 1)]
    [InlineData(BackpropagationEngine.PerExample, 6)]
    [InlineData(BackpropagationEngine.Batched, 1)]
    [InlineData(BackpropagationEngine.Batched, 40)]
    public void Squares_that_overflow_float_throw_before_writing(BackpropagationEngine engine, int m)
    {
        float[] parameters = WeightInitializer.Create<float>(Layout, 3);
        parameters[1] = 1e20f;                                   // Theta(1)[0, 1], the weight of feature 0
        float[] features = Enumerable.Range(0, m * 3).Select(i => i % 3 == 0 ? 0f : 0.5f).ToArray();
        float[] gradient = Enumerable.Repeat(7f, 26).ToArray();
        Assert.Throws<ArithmeticException>(() => Backpropagation.CostAndGradient<float>(
            Layout, parameters, features, new int[m], 1f, gradient, new BackpropagationOptions { Engine = engine }));
        Assert.All(gradient, g => Assert.Equal(7f, g));

        // Without regularization the squares do not enter J, which is finite.
        Assert.True(float.IsFinite(Backpropagation.CostAndGradient<float>(
            Layout, parameters, features, new int[m], 0f, gradient, new BackpropagationOptions { Engine = engine })));
    }

    [Fact]
    public void Float_is_checked_the_same_way()
    {
        float[] gradient = Enumerable.Repeat(7f, 26).ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Backpropagation.CostAndGradient<float>(Layout, new float[26], new float[6], [0, 5], 0f, gradient));
        Assert.Equal("labels", e.ParamName);
        Assert.All(gradient, g => Assert.Equal(7f, g));
    }

    [Fact]
    public void Other_element_types_are_not_supported()
    {
        var layout = new NetworkLayout(1, 1);
        Assert.Throws<NotSupportedException>(() =>
            Backpropagation.CostAndGradient<Half>(layout, new Half[2], new Half[1], [0], Half.Zero, new Half[2]));
    }
}
