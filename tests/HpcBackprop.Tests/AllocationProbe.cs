namespace HpcBackprop.Tests;

/// <summary>
/// Measures what warm calls allocate on the calling thread, in windows of several calls each.
/// </summary>
/// <remarks>
/// The runtime can bill a one-off allocation to the measuring thread at any time after warm-up: tiered
/// compilation promotes methods on a wall-clock delay, so on a loaded machine a promotion can land inside
/// the measured window (CI saw 4176 bytes once in 20 warm calls that allocate nothing on every other run).
/// Warm-up alone cannot rule that out, so the probe measures up to <c>windows</c> consecutive windows and
/// passes at the first clean one. A cost paid per call dirties every window and still fails; the calls are
/// identical, so a lazy buffer of our own would have been allocated in the first warm call, not after it.
/// </remarks>
internal static class AllocationProbe
{
    /// <summary>Runs <paramref name="calls"/> warm, then asserts that some window of calls allocated 0 bytes.</summary>
    public static void AssertWarmCallsAllocateNothing(Action calls, int warmCalls = 60, int callsPerWindow = 20, int windows = 3)
    {
        for (int i = 0; i < warmCalls; i++)
        {
            calls();
        }

        var seen = new long[windows];
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < callsPerWindow; i++)
            {
                calls();
            }

            seen[w] = GC.GetAllocatedBytesForCurrentThread() - before;
            if (seen[w] == 0)
            {
                return;
            }
        }

        Assert.Fail($"every window of {callsPerWindow} warm calls allocated: {string.Join(", ", seen)} bytes");
    }
}
