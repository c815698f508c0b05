namespace HpcBackprop.Tests.Engine;

/// <summary>J over many examples in float keeps the digits a double running sum keeps.</summary>
public class LargeBatchCostTests
{
    /// <summary>
    /// 400,000 identical examples (1-1, x = 0.5, target 0.3, weights 0.25 and 0.75): J equals one example's cost.
    /// The per-example engine sums 50,000 blocks; a float running sum drifts by thousands of ulps over that many
    /// additions, a double one by none that survive rounding J to float. Allowance: one block's sum of eight
    /// terms in float and the final rounding, 16 units of roundoff.
    /// </summary>
    [Fact]
    public void Float_J_over_400000_examples_is_within_a_few_ulps_of_one_examples_cost()
    {
        const int m = 400_000;
        var layout = new NetworkLayout(1, 1);
        float[] theta = [0.25f, 0.75f];
        float[] x = Enumerable.Repeat(0.5f, m).ToArray();
        float[] y = Enumerable.Repeat(0.3f, m).ToArray();
        float j = Backpropagation.Cost<float>(layout, theta, x, y, 0f, new BackpropagationOptions { Engine = BackpropagationEngine.PerExample });

        double z = 0.25 + (0.75 * (double)0.5f);
        double target = 0.3f;
        double expected = (target * Math.Log(1 + Math.Exp(-z))) + ((1 - target) * Math.Log(1 + Math.Exp(z)));
        Assert.True(Math.Abs(j - expected) <= 16 * Math.ScaleB(1.0, -24) * expected, $"J = {j}, expected {expected}");
    }
}
