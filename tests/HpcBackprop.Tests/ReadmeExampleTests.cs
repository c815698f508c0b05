namespace HpcBackprop.Tests;

/// <summary>The README's API example, kept here verbatim so it cannot rot.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void Readme_example_compiles_and_runs()
    {
        // --- README example begins ---
        var layout = new NetworkLayout(400, 25, 10);                 // s(1) = 400 inputs, 25 hidden, K = 10 outputs
        float[] theta = WeightInitializer.Create<float>(layout, seed: 1);
        float[] x = new float[3 * 400];                               // m = 3 examples, one per row
        int[] labels = [7, 0, 3];                                     // class indices 0..9
        float[] gradient = new float[layout.ParameterCount];

        float j = Backpropagation.CostAndGradient<float>(layout, theta, x, labels, 1f, gradient);
        // --- README example ends ---

        Assert.True(float.IsFinite(j));
        Assert.Contains(gradient, g => g != 0);
    }
}
