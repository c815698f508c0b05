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
        // The documented thresholds (README, "Benchmarks"; BackpropagationEngine.Automatic), written out here
        // rather than read from EngineDispatch, so that changing a constant there fails this test.
        var automatic = BackpropagationOptions.Default;
        var justBelow = new NetworkLayout(1024, 1023);     // 1023 x 1025 = 2^20 - 1 weights: the small layouts' threshold
        var atBound = new NetworkLayout(1023, 1024);       // 1024 x 1024 = 2^20 weights: the large layouts' threshold
        Assert.Equal((1 << 20) - 1, justBelow.ParameterCount);
        Assert.Equal(1 << 20, atBound.ParameterCount);
        Assert.False(EngineDispatch.UseBatched(automatic, justBelow, 31));
        Assert.True(EngineDispatch.UseBatched(automatic, justBelow, 32));

        Assert.False(EngineDispatch.UseBatched(automatic, Small, 31));
        Assert.True(EngineDispatch.UseBatched(automatic, Small, 32));
        Assert.False(EngineDispatch.UseBatched(automatic, Large, 15));
        Assert.True(EngineDispatch.UseBatched(automatic, Large, 16));
        Assert.False(EngineDispatch.UseBatched(automatic, atBound, 15));
        Assert.True(EngineDispatch.UseBatched(automatic, atBound, 16));
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
