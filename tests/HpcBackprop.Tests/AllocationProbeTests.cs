using Xunit.Sdk;

namespace HpcBackprop.Tests;

/// <summary>The allocation probe's retry must not hide a real allocation.</summary>
[Collection(AllocationCollection.Name)]
public class AllocationProbeTests
{
    private static object? s_sink;

    [Fact]
    public void A_call_that_allocates_every_time_fails_every_window()
    {
        var e = Assert.ThrowsAny<XunitException>(() => AllocationProbe.AssertWarmCallsAllocateNothing(() => s_sink = new byte[1]));
        Assert.Contains("every window", e.Message);
    }

    [Fact]
    public void A_call_that_allocates_nothing_passes()
    {
        int counter = 0;
        AllocationProbe.AssertWarmCallsAllocateNothing(() => counter++);
        Assert.Equal(60 + 20, counter);
    }
}
