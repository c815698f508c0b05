using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// The automatic engine choice follows its measured thresholds (EngineDispatch's remarks), and an explicit
/// choice always wins.
/// </summary>
public class EngineDispatchTests
{
    private static readonly NetworkLayout Small = new(784, 256, 10);              // 203,530 weights
    private static readonly NetworkLayout Large = new(1024, 1024, 1024, 10);      // 2,109,450 weights

    [Fact]
    public void Automatic_switches_to_batched_at_32_examples_or_at_16_for_large_layouts()
    {
        Assert.True(Small.ParameterCount < EngineDispatch.LargeLayoutParameters);
        Assert.True(Large.ParameterCount >= EngineDispatch.LargeLayoutParameters);
        var automatic = BackpropagationOptions.Default;

        Assert.False(EngineDispatch.UseBatched(automatic, Small, EngineDispatch.BatchedFromExamples - 1));
        Assert.True(EngineDispatch.UseBatched(automatic, Small, EngineDispatch.BatchedFromExamples));
        Assert.False(EngineDispatch.UseBatched(automatic, Large, EngineDispatch.LargeLayoutBatchedFromExamples - 1));
        Assert.True(EngineDispatch.UseBatched(automatic, Large, EngineDispatch.LargeLayoutBatchedFromExamples));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(5000)]
    public void An_explicit_engine_is_always_used(int m)
    {
        foreach (NetworkLayout layout in new[] { Small, Large })
        {
            Assert.False(EngineDispatch.UseBatched(new BackpropagationOptions { Engine = BackpropagationEngine.PerExample }, layout, m));
            Assert.True(EngineDispatch.UseBatched(new BackpropagationOptions { Engine = BackpropagationEngine.Batched }, layout, m));
        }
    }
}
