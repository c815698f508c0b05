namespace HpcBackprop.Tests.Engine;

/// <summary>
/// When every input and pre-activation is finite but J is not (its terms' sum or the regularization term beyond the
/// type's range), the exception says so rather than blaming the forward pass (an outside API probe's finding).
/// </summary>
public class CostOverflowMessageTests
{
    [Theory]
    [InlineData(BackpropagationEngine.PerExample)]
    [InlineData(BackpropagationEngine.Batched)]
    public void A_cost_sum_beyond_float_names_J_not_the_forward_pass(BackpropagationEngine engine)
    {
        // z = 1e38 for each of 4 examples with target 0: each term is softplus(z) = 1e38, their sum 4e38 > float's max.
        var layout = new NetworkLayout(1, 1);
        float[] theta = [0f, 1e38f], x = [1f, 1f, 1f, 1f], targets = [0f, 0f, 0f, 0f];
        float[] gradient = [7f, 7f];
        var e = Assert.Throws<ArithmeticException>(() => Backpropagation.CostAndGradient<float>(
            layout, theta, x, targets, 0f, gradient, new BackpropagationOptions { Engine = engine }));
        Assert.Contains("J overflowed Single", e.Message, StringComparison.Ordinal);
        Assert.Equal([7f, 7f], gradient);
    }

    [Fact]
    public void A_regularization_term_beyond_double_names_lambda()
    {
        var layout = new NetworkLayout(1, 1);
        double[] theta = [0, 1.5e154], x = [0], gradient = [7, 7];
        var e = Assert.Throws<ArithmeticException>(() => Backpropagation.CostAndGradient<double>(layout, theta, x, [0], 1e-3, gradient));
        Assert.Contains("lambda/(2m) sum(theta^2)", e.Message, StringComparison.Ordinal);
        Assert.Equal([7.0, 7.0], gradient);
    }
}
