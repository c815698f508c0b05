namespace HpcBackprop.Tests.Engine;

/// <summary>J over many examples in float keeps the digits a double running sum keeps.</summary>
public class LargeBatchCostTests
{
    /// <summary>
    /// 4,000,000 examples of a 1-1 network (weights 0.25 and 0.75, target 0.3) whose feature cycles through
    /// seven values: J equals the mean of the terms evaluated in double. The per-example engine sums 500,000
    /// blocks of 8 examples, the batched engine 15,625 row blocks of 256. With a float running sum the first
    /// drifted by thousands of ulps (2,400 at 400,000 examples), the second by 6 here; with the blocks added in
    /// double, each is within 1. Allowance: one block's float sum and the final rounding, 16 units of roundoff.
    /// </summary>
    [Theory]
    [InlineData(BackpropagationEngine.PerExample)]
    [InlineData(BackpropagationEngine.Batched)]
    public void Float_J_over_4000000_examples_is_within_a_few_ulps_of_the_double_mean(BackpropagationEngine engine)
    {
        const int m = 4_000_000;
        const int period = 7;
        var layout = new NetworkLayout(1, 1);
        float[] theta = [0.25f, 0.75f];
        float[] x = Enumerable.Range(0, m).Select(i => Feature(i % period)).ToArray();
        float[] y = Enumerable.Repeat(0.3f, m).ToArray();
        float j = Backpropagation.Cost<float>(layout, theta, x, y, 0f, new BackpropagationOptions { Engine = engine });

        double expected = 0;
        for (int i = 0; i < m; i++)
        {
            double z = 0.25 + (0.75 * (double)Feature(i % period));
            double target = 0.3f;
            expected += (target * Math.Log(1 + Math.Exp(-z))) + ((1 - target) * Math.Log(1 + Math.Exp(z)));
        }

        expected /= m;
        Assert.True(Math.Abs(j - expected) <= 16 * Math.ScaleB(1.0, -24) * expected, $"J = {j}, expected {expected}");
    }

    private static float Feature(int k) => 0.1f + (0.37f * k);
}
