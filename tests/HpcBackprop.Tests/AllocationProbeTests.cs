using Xunit.Sdk;

namespace HpcBackprop.Tests;

/// <summary>The allocation probe's retries must not hide a real allocation.</summary>
[Collection(AllocationCollection.Name)]
public class AllocationProbeTests
{
    private static object? s_sink;

    [Fact]
    public void A_call_that_allocates_every_time_fails()
    {
        var e = Assert.ThrowsAny<XunitException>(() => AllocationProbe.AssertWarmCallsAllocateNothing(() => s_sink = new byte[1]));
        Assert.Contains("every attempt allocated", e.Message);
    }

    [Theory]
    [InlineData(60, 20)]
    [InlineData(3, 1)]
    [InlineData(10, 1)]
    public void A_call_that_grows_a_list_by_doubling_fails(int warmCalls, int callsPerWindow)
    {
        // Allocates only when the count passes a power of two: a single short window after warm-up can miss it.
        var list = new List<int>();
        var e = Assert.ThrowsAny<XunitException>(() => AllocationProbe.AssertWarmCallsAllocateNothing(() => list.Add(1), warmCalls, callsPerWindow));
        Assert.Contains("confirming window", e.Message);
    }

    [Fact]
    public void A_call_that_allocates_nothing_passes()
    {
        long counter = 0;
        long made = AllocationProbe.AssertWarmCallsAllocateNothing(() => counter++);
        Assert.Equal(counter, made);
        Assert.True(made >= 60 + 20 + 80, $"{made} calls: the warm-up, a window and its confirming window at least");
    }
}
