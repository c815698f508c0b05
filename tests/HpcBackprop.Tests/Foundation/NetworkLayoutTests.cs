using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace HpcBackprop.Tests.Foundation;

public class NetworkLayoutTests
{
    private static Gen<int[]> Sizes =>
        from count in Gen.Choose(2, 8)
        from sizes in Gen.ArrayOf(Gen.Choose(1, 300), count)
        select sizes;

    [Property(MaxTest = 300)]
    public Property Counts_shapes_and_offsets_follow_the_spec()
        => Prop.ForAll(Sizes.ToArbitrary(), sizes =>
        {
            var layout = new NetworkLayout(sizes);
            long offset = 0;
            bool ok = layout.LayerCount == sizes.Length && layout.ThetaCount == sizes.Length - 1
                && layout.InputSize == sizes[0] && layout.OutputSize == sizes[^1]
                && layout.MaxLayerSize == sizes.Max() && layout.Sizes.SequenceEqual(sizes);
            for (int l = 0; l < sizes.Length - 1; l++)
            {
                ok &= layout.ThetaRows(l) == sizes[l + 1];
                ok &= layout.ThetaColumns(l) == sizes[l] + 1;
                ok &= layout.ThetaOffset(l) == offset;
                ok &= layout.ThetaLength(l) == sizes[l + 1] * (sizes[l] + 1);
                offset += sizes[l + 1] * (sizes[l] + 1);
            }

            return (ok && layout.ParameterCount == offset).Label(string.Join('-', sizes));
        });

    [Property(MaxTest = 100)]
    public Property Views_address_the_flat_vector_row_major_without_copying()
        => Prop.ForAll(Sizes.ToArbitrary(), sizes =>
        {
            var layout = new NetworkLayout(sizes.Select(s => Math.Min(s, 30)).ToArray());
            var flat = new double[layout.ParameterCount];
            for (int l = 0; l < layout.ThetaCount; l++)
            {
                MatrixSpan<double> theta = layout.Theta<double>(flat.AsSpan(), l);
                for (int i = 0; i < theta.Rows; i++)
                {
                    for (int j = 0; j < theta.Columns; j++)
                    {
                        theta[i, j] = (l * 1_000_000) + (i * 1000) + j;
                    }
                }
            }

            bool ok = true;
            for (int l = 0; l < layout.ThetaCount; l++)
            {
                int cols = layout.ThetaColumns(l);
                ReadOnlyMatrixSpan<double> view = layout.Theta<double>((ReadOnlySpan<double>)flat, l);
                for (int i = 0; i < layout.ThetaRows(l); i++)
                {
                    ok &= view.Row(i).SequenceEqual(flat.AsSpan(layout.ThetaOffset(l) + (i * cols), cols));
                    for (int j = 0; j < cols; j++)
                    {
                        ok &= flat[layout.ThetaOffset(l) + (i * cols) + j] == (l * 1_000_000) + (i * 1000) + j;
                    }
                }
            }

            return ok.Label(layout.ToString());
        });

    [Fact]
    public void The_course_network_has_10285_parameters()
    {
        // 25 x 401 + 10 x 26, as in the course's ex4.
        var layout = new NetworkLayout(400, 25, 10);
        Assert.Equal(10285, layout.ParameterCount);
        Assert.Equal(10025, layout.ThetaOffset(1));
        Assert.Equal("400-25-10", layout.ToString());
        Assert.Equal(layout, NetworkLayout.Parse("400,25,10"));
    }

    [Fact]
    public void Fewer_than_two_layers_is_rejected_with_the_parameter_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new NetworkLayout(5));
        Assert.Equal("layerSizes", e.ParamName);
        Assert.Contains("at least 2 layers", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(int.MaxValue, 1)] // s(1) + 1 wrapped to int.MinValue in 32 bits: -2^31 parameters
    [InlineData(int.MaxValue, 2)] // wrapped to 0 parameters
    [InlineData(1, int.MaxValue)]
    public void More_parameters_than_a_span_holds_is_rejected_even_where_32_bit_sizes_wrap(int first, int second)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkLayout(first, second));
        Assert.Equal("layerSizes", e.ParamName);
        Assert.Contains("more parameters than a span can index", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_size_below_one_is_rejected_with_the_parameter_named(int bad)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkLayout(4, bad, 2));
        Assert.Equal("layerSizes", e.ParamName);
        Assert.Contains("layer 2 of 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Views_of_a_vector_of_the_wrong_length_are_rejected()
    {
        var layout = new NetworkLayout(2, 3);
        var e = Assert.Throws<ArgumentException>(() => layout.Theta<double>(new double[8], 0));
        Assert.Equal("parameters", e.ParamName);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weight_initialization_is_deterministic_and_within_the_epsilon_range()
    {
        var layout = new NetworkLayout(400, 25, 10);
        double[] a = WeightInitializer.Create<double>(layout, 42);
        double[] b = WeightInitializer.Create<double>(layout, 42);
        double[] c = WeightInitializer.Create<double>(layout, 43);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            double e = Math.Sqrt(6) / Math.Sqrt(layout.Sizes[l] + layout.Sizes[l + 1]);
            ReadOnlySpan<double> theta = a.AsSpan(layout.ThetaOffset(l), layout.ThetaLength(l));
            double min = double.MaxValue, max = double.MinValue, sum = 0;
            foreach (double v in theta)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                sum += v;
            }

            Assert.InRange(min, -e, -0.9 * e); // 10000 uniform draws come within 10% of both ends
            Assert.InRange(max, 0.9 * e, e);
            Assert.InRange(sum / theta.Length, -0.1 * e, 0.1 * e);
        }

        float[] f = WeightInitializer.Create<float>(layout, 42);
        for (int i = 0; i < f.Length; i++)
        {
            Assert.Equal((float)a[i], f[i]);
        }
    }
}
