namespace HpcBackprop.Tests.Engine;

/// <summary>J over many examples in float keeps the digits a double running sum keeps.</summary>
public class LargeBatchCostTests
{
    /// <summary>
    /// 4,000,000 examples of a 1-1 network (weights 0.25 and 0.75, target 0.3) whose feature cycles through
    /// seven values: J equals the mean of the terms evaluated in double. The per-example engine sums 500,000
    /// blocks of 8 examples; the batched engine sums its row blocks in 32 chunks, of 488 blocks of 256 examples
    /// by default and of 125,000 blocks of one example with a row block of 1. With float running sums, J drifted
    /// by thousands of ulps (per example: 2,400 at 400,000 examples), by 5 (batched) and by 3,600 (batched, row
    /// block 1, measured with the chunks' running sums put back into float); with the blocks added in double, each
    /// is within 1. Allowance: one term's error budget,
    /// (2 E + 9) u (LogisticCostTests), since the seven distinct terms repeat, and the final rounding to float, 1 u:
    /// 18 u, about 10 ulps of J here.
    /// </summary>
    [Theory]
    [InlineData("per-example")]
    [InlineData("batched")]
    [InlineData("batched, row block 1")]
    public void Float_J_over_4000000_examples_is_within_a_few_ulps_of_the_double_mean(string route)
    {
        const int m = 4_000_000;
        const int period = 7;
        var layout = new NetworkLayout(1, 1);
        float[] theta = [0.25f, 0.75f];
        float[] x = Enumerable.Range(0, m).Select(i => Feature(i % period)).ToArray();
        float[] y = Enumerable.Repeat(0.3f, m).ToArray();
        float j = route switch
        {
            "per-example" => Backpropagation.Cost<float>(layout, theta, x, y, 0f, new BackpropagationOptions { Engine = BackpropagationEngine.PerExample }),
            "batched" => Backpropagation.Cost<float>(layout, theta, x, y, 0f, new BackpropagationOptions { Engine = BackpropagationEngine.Batched }),
            _ => HpcBackprop.Engine.BatchedEngine.CostAndGradient<float>(
                new HpcBackprop.Engine.BatchedWorkspace<float>(layout, rowBlock: 1), theta, x, new HpcBackprop.Engine.Supervision<float>(y, 1), 0f, Span<float>.Empty),
        };
        Assert.True(route != "batched, row block 1" || HpcBackprop.Engine.BatchedEngine.Chunks(layout, m, 1, sizeof(float)) == 32);

        double expected = 0;
        for (int i = 0; i < m; i++)
        {
            double z = 0.25 + (0.75 * (double)Feature(i % period));
            double target = 0.3f;
            expected += (target * Math.Log(1 + Math.Exp(-z))) + ((1 - target) * Math.Log(1 + Math.Exp(z)));
        }

        expected /= m;
        double allowance = ((2 * HpcBackprop.Tests.Kernels.Fp<float>.ElementaryUlpsInU) + 9 + 1) * Math.ScaleB(1.0, -24) * expected;
        Assert.True(Math.Abs(j - expected) <= allowance, $"J = {j}, expected {expected}");
    }

    /// <summary>
    /// 16 examples whose cost terms are 3e37 each (z = 3e37, target 0: softplus(z) = z): the per-example engine's
    /// two blocks of 8 sum to 2.4e38 each, within float, and their total, 4.8e38, is not; J = 3e37 is. The total is
    /// divided by m in double before it is rounded to float, so J comes out finite instead of an overflow.
    /// Allowance: each term is exact (softplus(z) = z at this size, times 1 - y = 1); a block of 8 terms summed in
    /// float in any order is within gamma_7 = 7u / (1 - 7u) of its exact sum (Higham, ch. 4), whatever order the
    /// active width adds them in (one 256-bit vector adds them as a tree, exactly; at 512 bits the 8 fill half a
    /// vector and are added one by one, 1 ulp low); the total and the division in double lose nothing at float
    /// precision, and the final rounding to float adds u.
    /// </summary>
    [Fact]
    public void Float_J_is_finite_when_the_total_cost_is_beyond_float_but_the_mean_is_not()
    {
        var layout = new NetworkLayout(1, 1);
        float[] theta = [0, 3e37f];
        float[] x = Enumerable.Repeat(1f, 16).ToArray();
        float[] y = new float[16];
        float j = Backpropagation.Cost<float>(layout, theta, x, y, 0f, new BackpropagationOptions { Engine = BackpropagationEngine.PerExample });
        Assert.True(float.IsFinite(j), $"J = {j}");
        double u = Math.ScaleB(1.0, -24);
        double allowance = ((7 * u / (1 - (7 * u))) + u) * (double)3e37f;
        Assert.True(Math.Abs(j - (double)3e37f) <= allowance, $"J = {j}, expected {3e37f} within {allowance}");
    }

    private static float Feature(int k) => 0.1f + (0.37f * k);
}
