using HpcBackprop.Models;

namespace HpcBackprop.Tests.Models;

/// <summary>
/// A model gives back the parameters it was created with, and converts them between precisions as documented,
/// checked against the arrays the test made (not against another of the model's getters).
/// </summary>
public class ModelParameterTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Parameters_come_back_as_given_and_double_to_float_rounds_to_nearest(int seed)
    {
        var layout = new NetworkLayout(5, 4, 3);
        var rng = new Random(seed);
        double[] given = new double[layout.ParameterCount];
        for (int i = 0; i < given.Length; i++)
        {
            // Values whose float rounding is not a truncation: about half round up in magnitude.
            given[i] = ((2 * rng.NextDouble()) - 1) * Math.Pow(10, rng.Next(-5, 6));
        }

        given[0] = 1 + Math.ScaleB(1.0, -24) + Math.ScaleB(1.0, -40); // just past the midpoint: rounds up to 1 + 2^-23
        given[1] = -(1 + Math.ScaleB(1.0, -24));                      // the midpoint: ties to even, -1
        var model = NetworkModel.Create<double>(layout, given);
        given[2] = 12345; // the model keeps its own copy

        double[] asDouble = model.GetParameters<double>();
        float[] asFloat = new float[layout.ParameterCount];
        model.CopyParameters<float>(asFloat);
        Assert.NotEqual(12345, asDouble[2]);
        for (int i = 0; i < given.Length; i++)
        {
            if (i == 2)
            {
                continue;
            }

            Assert.Equal(given[i], asDouble[i]);
            Assert.Equal(NearestFloat(given[i]), asFloat[i]);
        }

        Assert.Equal(1 + Math.ScaleB(1.0, -23), (double)asFloat[0]);
        Assert.Equal(-1.0, (double)asFloat[1]);

        // A float model widens exactly.
        float[] floats = Array.ConvertAll(asFloat, v => v);
        var single = NetworkModel.Create<float>(layout, floats);
        double[] widened = single.GetParameters<double>();
        for (int i = 0; i < floats.Length; i++)
        {
            Assert.Equal((double)floats[i], widened[i]);
        }
    }

    // The float nearest to x (ties to even), found from the two floats around it without a conversion.
    private static float NearestFloat(double x)
    {
        float below = (float)Math.Abs(x);
        while (below > Math.Abs(x))
        {
            below = MathF.BitDecrement(below);
        }

        while (MathF.BitIncrement(below) <= Math.Abs(x))
        {
            below = MathF.BitIncrement(below);
        }

        float above = MathF.BitIncrement(below);
        double down = Math.Abs(x) - below, up = above - Math.Abs(x);
        float nearest = down < up ? below : up < down ? above : (BitConverter.SingleToInt32Bits(below) & 1) == 0 ? below : above;
        return x < 0 ? -nearest : nearest;
    }
}
